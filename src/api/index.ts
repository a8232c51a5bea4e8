/**
 * @module api — the face of the API machinery: schemas, kinds, errors, selectors, validation,
 * defaulting, table columns and OpenAPI documents. Imports nothing of the project; other
 * components import only this file.
 */
export * from './errors.ts';
export { stableJson } from './stable-json.ts';
export { rfc3339 } from './time.ts';
export { createInterner, type Interner } from './intern.ts';
export * from './kinds/types.ts';
export * from './schema/index.ts';
export * from './kinds/index.ts';
export * from './openapi/index.ts';
export * from './selectors/index.ts';
export * from './validation/index.ts';
export * from './conversion/index.ts';
