/**
 * @module api/selectors — label and field selectors (parse, convert, match, print) and the
 * apimachinery string-format checks they rest on.
 */
export * from './labels.ts';
export * from './fields.ts';
export * from './names.ts';
