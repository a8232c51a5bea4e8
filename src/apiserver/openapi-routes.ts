/**
 * @module apiserver/openapi-routes — `/openapi/v3` (root with hashed per-group-version URLs and the
 * per-GV documents), `/openapi/v2` and `/swagger-2.0.0.pb-v1` (JSON or gnostic protobuf by Accept).
 * Documents are built on first request and cached; a catalog change drops the affected ones.
 */
import { createHash } from 'node:crypto';
import type { ApiDeps } from './deps.ts';
import type { Catalog } from './registry/catalog.ts';

/** OPENAPI_V2_PROTO_TYPE is the Content-Type kubectl 1.27/1.28 can parse. */
export const OPENAPI_V2_PROTO_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** wantsV2Protobuf tells whether an Accept header asks for the protobuf OpenAPI v2 document. */
export function wantsV2Protobuf(accept: string | undefined): boolean {
  return !!accept && /application\/com\.github\.proto-openapi\.spec\.v2(@|\.)v1\.0\+protobuf/.test(accept);
}

interface Doc { readonly json: string; readonly hash: string }

/** OpenApiDocs builds and caches the OpenAPI documents. */
export class OpenApiDocs {
  private readonly catalog: Catalog;
  private readonly deps: ApiDeps;
  private v3 = new Map<string, Doc>();
  private v2: { json: string; proto?: Uint8Array } | undefined;

  constructor(catalog: Catalog, deps: ApiDeps) {
    this.catalog = catalog;
    this.deps = deps;
    catalog.onChange((changed) => {
      for (const gv of changed) this.v3.delete(gvPath(gv.group, gv.version));
      this.v2 = undefined;
    });
  }

  private doc(group: string, version: string): Doc {
    const key = gvPath(group, version);
    let d = this.v3.get(key);
    if (!d) {
      const json = JSON.stringify(this.deps.buildOpenApiV3(group, version, this.catalog.kindsIn(group, version), this.catalog.schemas));
      d = { json, hash: createHash('sha512').update(json).digest('hex').slice(0, 128).toUpperCase() };
      this.v3.set(key, d);
    }
    return d;
  }

  /** root renders `/openapi/v3`. */
  root(): string {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const g of this.catalog.groups()) {
      for (const v of g.versions) {
        const p = gvPath(g.group, v);
        paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${this.doc(g.group, v).hash}` };
      }
    }
    return JSON.stringify({ paths });
  }

  /** groupVersion renders `/openapi/v3/<gv>` or undefined when not served. */
  groupVersion(gv: string): Doc | undefined {
    let group: string;
    let version: string;
    const parts = gv.split('/');
    if (parts.length === 2 && parts[0] === 'api') { group = ''; version = parts[1]; }
    else if (parts.length === 3 && parts[0] === 'apis') { group = parts[1]; version = parts[2]; }
    else return undefined;
    if (this.catalog.kindsIn(group, version).length === 0) return undefined;
    return this.doc(group, version);
  }

  /** v2Json renders the Swagger 2.0 document. */
  v2Json(): string {
    this.v2 ??= { json: JSON.stringify(this.deps.buildOpenApiV2(this.catalog.kinds(), this.catalog.schemas)) };
    return this.v2.json;
  }

  /** v2Proto renders the Swagger 2.0 document as gnostic protobuf. */
  v2Proto(): Uint8Array {
    const json = this.v2Json();
    this.v2!.proto ??= this.deps.encodeOpenApiV2Protobuf(JSON.parse(json));
    return this.v2!.proto;
  }
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}
