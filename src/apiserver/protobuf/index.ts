/**
 * @module apiserver/protobuf — Kubernetes protobuf support for the HTTP layer: decoding
 * `application/vnd.kubernetes.protobuf` request bodies (kubectl ≥1.32) into wire JSON, and
 * encoding the Swagger 2.0 document as gnostic protobuf for `/openapi/v2` (kubectl 1.27/1.28).
 */
export { decodeKubernetesProtobuf, PROTOBUF_MAGIC } from './decode.ts';
export type { DecodeResult, ProtoEmbeds, StructForGvk } from './decode.ts';
export { encodeOpenApiV2Protobuf, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './openapi-v2.ts';

/** KUBERNETES_PROTOBUF_CONTENT_TYPE is the media type of Kubernetes protobuf bodies. */
export const KUBERNETES_PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** isProtobufContentType tells whether a Content-Type header names Kubernetes protobuf (parameters ignored). */
export function isProtobufContentType(contentType: string | undefined | null): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0].trim().toLowerCase() === KUBERNETES_PROTOBUF_CONTENT_TYPE;
}
