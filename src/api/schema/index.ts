/**
 * @module api/schema — the schema source of truth: the registry of built-in structs, name mapping
 * to OpenAPI/protobuf, conversion of CRD JSON schemas, and the compact constructors of the model.
 */
export type * from './model.ts';
export type { ProtoEmbed, ListOpts, FieldOpts, StructOpts } from './dsl.ts';
export { schemas, protoEmbeds, createSchemaRegistry, lookupField, elementType, reachableStructs } from './registry.ts';
export { openapiName, shortStructName, protoMessageName, structNameFromProto, groupVersionOfStruct, builtinApiGroups } from './names.ts';
export { structsFromJsonSchema, typeFromJsonSchema, fieldFromJsonSchema, fieldsFromJsonSchema, refOf } from './json-schema.ts';
export type { ConvertContext } from './json-schema.ts';
/** k8s: TypeScript interfaces of the built-in kinds (`k8s.Pod`, `k8s.Deployment`), generated. */
export type * as k8s from '../generated/types.ts';
