/**
 * @module api/openapi — OpenAPI v3 (per group-version) and v2 documents built from the kind catalog
 * and the schema registry.
 */
export { buildOpenApiV3, buildOpenApiV2, openApiV3GroupVersions, sortKeys } from './build.ts';
export { apiPrefix } from './paths.ts';
