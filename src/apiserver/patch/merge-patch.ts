/**
 * @module apiserver/patch/merge-patch — JSON merge patch (RFC 7396), as sent by `kubectl label`,
 * `kubectl scale`, `kubectl patch --type=merge` and for custom resources by `kubectl apply`.
 */
import { clone, isObject, setKey } from './json-util.ts';

/** applyMergePatch returns `target` patched by `patch` per RFC 7396 (null deletes a key, objects
 * merge recursively, any other patch value replaces); neither input is modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setKey(out, k, applyMergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  // untouched children are still shared with `target`: copy them so callers may mutate the result
  for (const k of Object.keys(out)) if (!Object.hasOwn(patch, k)) setKey(out, k, clone(out[k]));
  return out;
}

/** mergePatchInto applies `patch` to `target` in place per RFC 7396 and returns the result (a
 * new value only when `target` is not an object). For private copies only: the result shares
 * values with `patch`, and `target` is changed — no copy of the untouched parts is made. */
export function mergePatchInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setKey(out, k, mergePatchInto(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}

/** mergePatchSpine copies `target` along the paths merge patch `patch` writes into (every object
 * the patch reaches into is copied; values it replaces or leaves alone are shared), so that
 * `mergePatchInto(mergePatchSpine(t, p), p)` changes nothing of `t`. */
export function mergePatchSpine(target: unknown, patch: unknown): unknown {
  if (!isObject(target) || !isObject(patch)) return target;
  const out: Record<string, unknown> = { ...target };
  for (const k of Object.keys(patch)) {
    if (!Object.hasOwn(target, k)) continue;
    const t = target[k];
    const p = patch[k];
    if (isObject(t) && isObject(p)) setKey(out, k, mergePatchSpine(t, p));
  }
  return out;
}
