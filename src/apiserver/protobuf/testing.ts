/**
 * @module apiserver/protobuf/testing — test helpers: the fixture schema registry
 * (testdata/registry.json, derived from upstream field facts by tools/gen-test-registry.ts), a
 * GVK → struct-name mapper, and a tiny Go-style protobuf writer for building request bodies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pb from 'protobufjs/minimal.js';
import type { SchemaRegistry, StructDef } from '../../api/schema/model.ts';
import { PROTOBUF_MAGIC } from './decode.ts';

/** TESTDATA is the absolute path of the fixture folder. */
export const TESTDATA = join(import.meta.dirname, 'testdata');

/** testRegistry returns the fixture registry, plus any extra structs given. */
export function testRegistry(extra: readonly StructDef[] = []): SchemaRegistry {
  const structs: Record<string, StructDef> = JSON.parse(readFileSync(join(TESTDATA, 'registry.json'), 'utf8'));
  for (const s of extra) structs[s.name] = s;
  return { struct: (name) => structs[name], all: () => Object.values(structs) };
}

/** structForGvk maps "apps/v1" + "Deployment" to "apps.v1.Deployment" ("v1" is core; "x.k8s.io" → "x";
 * DeleteOptions is meta.v1 in every group). */
export function structForGvk(apiVersion: string, kind: string): string {
  if (kind === 'DeleteOptions') return 'meta.v1.DeleteOptions';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  return `${group.split('.')[0]}.${version}.${kind}`;
}

/** Part is one encoded field: string, varint, double, raw bytes or nested message. */
export type Part =
  | readonly [no: number, t: 's', v: string]
  | readonly [no: number, t: 'i', v: number | bigint]
  | readonly [no: number, t: 'd', v: number]
  | readonly [no: number, t: 'b', v: Uint8Array]
  | readonly [no: number, t: 'packed', v: readonly number[]]
  | readonly [no: number, t: 'm', v: readonly Part[]];

/** message encodes parts in the order given (Go writes every non-pointer field, in number order). */
export function message(parts: readonly Part[]): Uint8Array {
  const w = pb.Writer.create();
  for (const p of parts) {
    const [no, t] = p;
    if (t === 's') w.uint32((no << 3) | 2).string(p[2]);
    else if (t === 'i') w.uint32(no << 3).int64(typeof p[2] === 'bigint' ? p[2].toString() : p[2]);
    else if (t === 'd') w.uint32((no << 3) | 1).double(p[2]);
    else if (t === 'b') w.uint32((no << 3) | 2).bytes(p[2]);
    else if (t === 'packed') {
      w.uint32((no << 3) | 2).fork();
      for (const n of p[2]) w.int64(n);
      w.ldelim();
    }
    else w.uint32((no << 3) | 2).bytes(message(p[2]));
  }
  return w.finish();
}

/** envelope wraps a typed message as a Kubernetes protobuf body (magic + runtime.Unknown). */
export function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: readonly Part[] = []): Uint8Array {
  const unknown = message([[1, 'm', [[1, 's', apiVersion], [2, 's', kind]]], [2, 'b', raw], [3, 's', ''], [4, 's', ''], ...extra]);
  return Uint8Array.from([...PROTOBUF_MAGIC, ...unknown]);
}

/** objectMeta lists ObjectMeta parts as Go writes them for a name/namespace (every non-pointer field). */
export function objectMeta(name: string, namespace = '', more: readonly Part[] = []): Part[] {
  return [[1, 's', name], [2, 's', ''], [3, 's', namespace], [4, 's', ''], [5, 's', ''], [6, 's', ''], [7, 'i', 0], [8, 'm', []], ...more];
}
