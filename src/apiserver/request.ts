/**
 * @module apiserver/request — the parts of an HTTP request the handlers read: query parameters,
 * content negotiation (Table, PartialObjectMetadata, aggregated discovery), and the body, read
 * with a size limit and decoded from JSON, YAML or Kubernetes protobuf.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, tooLarge, unsupportedMediaType, type JsonObject } from '../api/index.ts';

/** MAX_BODY_BYTES is the request body limit (upstream's 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** MediaRange is one parsed entry of an Accept or Content-Type header. */
export interface MediaRange { readonly type: string; readonly params: Readonly<Record<string, string>> }

/** parseMediaRanges splits an Accept header into entries (type lower-cased, params kept). */
export function parseMediaRanges(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const pieces = part.split(';');
    const type = pieces[0].trim().toLowerCase();
    if (!type) continue;
    const params: Record<string, string> = {};
    for (let i = 1; i < pieces.length; i++) {
      const eq = pieces[i].indexOf('=');
      if (eq < 0) continue;
      params[pieces[i].slice(0, eq).trim().toLowerCase()] = pieces[i].slice(eq + 1).trim().replace(/^"|"$/g, '');
    }
    out.push({ type, params });
  }
  return out;
}

/** ResponseForm is what kind of body the client asked for. */
export type ResponseForm =
  | { readonly as: 'object'; readonly yaml: boolean }
  | { readonly as: 'Table'; readonly version: 'v1' | 'v1beta1' }
  | { readonly as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'; readonly version: 'v1' | 'v1beta1' }
  | { readonly as: 'none' };

const JSON_FORM: ResponseForm = { as: 'object', yaml: false };

function jsonish(type: string): boolean {
  return type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/vnd.kubernetes.protobuf';
}

/** negotiate picks the response form for a resource request from its Accept header. */
export function negotiate(accept: string | undefined): ResponseForm {
  if (!accept) return JSON_FORM;
  const ranges = parseMediaRanges(accept);
  if (ranges.length === 0) return JSON_FORM;
  for (const r of ranges) {
    const as = r.params.as;
    if (as) {
      if (r.type !== 'application/json' || r.params.g !== 'meta.k8s.io') continue;
      const v = r.params.v;
      if (v !== 'v1' && v !== 'v1beta1') continue;
      if (as === 'Table') return { as: 'Table', version: v };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { as, version: v };
      continue;
    }
    if (jsonish(r.type)) return JSON_FORM;
    if (r.type === 'application/yaml') return { as: 'object', yaml: true };
  }
  return { as: 'none' };
}

/** DiscoveryForm is legacy discovery or aggregated v2 / v2beta1. */
export type DiscoveryForm = 'legacy' | 'v2' | 'v2beta1';

/** negotiateDiscovery picks aggregated discovery when the Accept header asks for it first. */
export function negotiateDiscovery(accept: string | undefined): DiscoveryForm {
  for (const r of parseMediaRanges(accept)) {
    if (r.params.as === 'APIGroupDiscoveryList' && r.params.g === 'apidiscovery.k8s.io') {
      if (r.params.v === 'v2') return 'v2';
      if (r.params.v === 'v2beta1') return 'v2beta1';
      continue;
    }
    if (jsonish(r.type)) return 'legacy';
  }
  return 'legacy';
}

/** discoveryContentType is the exact Content-Type kubectl requires for aggregated discovery. */
export function discoveryContentType(form: DiscoveryForm): string {
  return form === 'legacy' ? 'application/json' : `application/json;g=apidiscovery.k8s.io;v=${form};as=APIGroupDiscoveryList`;
}

/** splitUrl separates the decoded path segments and the query of a request URL. */
export function splitUrl(url: string): { path: string; segments: string[]; query: URLSearchParams } {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const segments: string[] = [];
  for (const s of rawPath.split('/')) {
    if (!s) continue;
    let d = s;
    if (s.includes('%')) {
      try { d = decodeURIComponent(s); } catch { d = s; }
    }
    segments.push(d);
  }
  return { path: rawPath, segments, query };
}

/** readBody collects the request body, failing with 413 above `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) { req.resume(); reject(tooLarge(limit)); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) { failed = true; reject(tooLarge(limit)); return; }
      chunks.push(c);
    });
    req.on('end', () => { if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)); });
    req.on('error', (e) => { if (!failed) { failed = true; reject(e); } });
  });
}

/** BodyKind is how a body was encoded. */
export type BodyKind = 'json' | 'yaml' | 'protobuf';

/** bodyKind maps a Content-Type to the decoder to use, or throws 415. */
export function bodyKind(contentType: string | undefined): BodyKind {
  const t = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (t === 'application/json' || t === '' || t === '*/*') return 'json';
  if (t === 'application/yaml' || t === 'application/x-yaml' || t === 'text/yaml') return 'yaml';
  if (t === 'application/vnd.kubernetes.protobuf') return 'protobuf';
  throw unsupportedMediaType(t);
}

/** parseJsonText parses JSON or YAML text into a value, turning syntax errors into 400. */
export function parseText(text: string, kind: 'json' | 'yaml'): unknown {
  try {
    return kind === 'json' ? JSON.parse(text) : parseYaml(text, { version: '1.1' });
  } catch (e) {
    throw badRequest(`the body of the request could not be decoded: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** asObject checks that a decoded body is a JSON object. */
export function asObject(v: unknown): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw badRequest('the body of the request was not a JSON object');
  }
  return v;
}
