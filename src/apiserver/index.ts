/**
 * @module apiserver — the Kubernetes-compatible API server: HTTPS, REST over the store, watch
 * cache, discovery, OpenAPI, Table output, CRDs. Other folders import only this file.
 */
export { startApiServer, VERSION_INFO } from './server.ts';
export type { ApiServer, ApiServerOptions } from './server.ts';
export type { ApiDeps } from './deps.ts';
export { loadDefaultDeps } from './deps.ts';
export type { UserInfo, PolicyRule } from './auth/types.ts';
export type { ServiceAccountKeyPems } from './auth/jwt.ts';
