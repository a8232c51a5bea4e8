/**
 * @module apiserver/patch/json-patch — JSON patch (RFC 6902), the default of @kubernetes/client-node
 * and `kubectl patch --type=json`. Failures are values whose message names the failing operation
 * and why, in the words of the Go json-patch library the apiserver uses.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { clone, isObject } from './json-util.ts';

/** JsonPatchResult is the patched document or why the patch does not apply. */
export type JsonPatchResult = { ok: true; doc: unknown } | { ok: false; message: string };

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function describe(op: Record<string, unknown>, name: string, doc: unknown): string {
  const kind = String(op.op);
  const path = String(op.path);
  const from = String(op.from);
  switch (name) {
    case 'TEST_OPERATION_FAILED': {
      const actual = lookup(doc, path);
      return actual.found
        ? `jsonpatch test operation does not apply: value at ${path} is ${JSON.stringify(actual.value)}, not ${JSON.stringify(op.value)}`
        : `jsonpatch test operation does not apply: doc is missing path: ${path}`;
    }
    case 'OPERATION_PATH_UNRESOLVABLE':
      if (kind === 'remove') return `remove operation does not apply: doc is missing path: ${path}`;
      return `${kind} operation does not apply: doc is missing path: ${path}`;
    case 'OPERATION_PATH_CANNOT_ADD':
      return `add operation does not apply: doc is missing path: ${path}`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${kind} operation does not apply: doc is missing from path: ${from}`;
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return `${kind} operation does not apply: invalid array index in path: ${path}`;
    case 'OPERATION_VALUE_REQUIRED':
    case 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED':
      return `${kind} operation does not apply: missing value for path: ${path}`;
    case 'OPERATION_FROM_REQUIRED':
      return `${kind} operation does not apply: missing from for path: ${path}`;
    case 'OPERATION_PATH_INVALID':
      return `${kind} operation does not apply: invalid path: ${JSON.stringify(op.path)}`;
    default:
      return `${kind} operation does not apply at ${path}: ${name}`;
  }
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function lookup(doc: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: doc };
  let cur = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const t = unescape(raw);
    if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(t) && Number(t) < cur.length) cur = cur[Number(t)];
    else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else return { found: false };
  }
  return { found: true, value: cur };
}

/** applyJsonPatch applies RFC 6902 operations to a copy of `target`; the first operation that
 * does not apply makes the whole patch fail with a message naming it. */
export function applyJsonPatch(target: unknown, ops: unknown): JsonPatchResult {
  if (!Array.isArray(ops)) return { ok: false, message: 'json patch must be an array of operations' };
  for (const [i, op] of ops.entries()) {
    if (!isObject(op)) return { ok: false, message: `json patch operation ${i} is not an object` };
    if (typeof op.op !== 'string' || !OPS.has(op.op)) return { ok: false, message: `Unexpected kind: ${String(op.op)}` };
    if (typeof op.path !== 'string') return { ok: false, message: `${op.op} operation does not apply: missing path` };
    for (const p of [op.path, op.from]) {
      if (typeof p === 'string' && p.split('/').some((t) => t === '__proto__')) {
        return { ok: false, message: `${op.op} operation does not apply: path ${p} is not supported` };
      }
    }
  }
  let doc: unknown = clone(target);
  for (const op of ops as Record<string, unknown>[]) {
    try {
      // the copy is ours, so each operation may mutate it; one at a time so the failing one is known
      doc = jsonpatch.applyPatch(doc, [clone(op) as unknown as Operation], true, true).newDocument;
    } catch (e) {
      if (e instanceof jsonpatch.JsonPatchError) return { ok: false, message: describe(op, e.name, doc) };
      throw e;
    }
  }
  return { ok: true, doc };
}
