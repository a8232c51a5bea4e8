/**
 * @module api — the face of the API machinery: schemas, kinds, errors, selectors, validation.
 * Imports nothing of the project. Other components import only this file.
 */
export * from './errors.ts';
export type * from './schema/model.ts';
export * from './kinds/types.ts';
