/**
 * @module apiserver/registry/predicate — label and field selectors of a list or watch compiled
 * once into a predicate over objects; unsupported field labels are rejected with upstream's 400.
 */
import { badRequest, type JsonObject, type KindInfo } from '../../api/index.ts';
import type { ApiDeps } from '../deps.ts';
import { fieldSelectorView } from './conversion.ts';

/** Predicate tests one object; `everything` is true when no selector was given. */
export interface Predicate {
  readonly everything: boolean;
  /** nameOnly: the field selector is exactly `metadata.name=<x>` (x here), for fast paths. */
  readonly nameOnly?: string;
  matches(obj: JsonObject): boolean;
}

/** EVERYTHING matches every object. */
export const EVERYTHING: Predicate = { everything: true, matches: () => true };

function fieldGetter(kind: KindInfo, obj: JsonObject): (f: string) => string | undefined {
  return (f: string) => {
    if (f === 'metadata.name') return obj.metadata?.name ?? '';
    if (f === 'metadata.namespace') return obj.metadata?.namespace ?? '';
    const fn = kind.fieldSelectors?.[f];
    return fn ? (fn(obj) ?? '') : undefined;
  };
}

/** makePredicate compiles `labelSelector` and `fieldSelector` query values for `kind`; the predicate
 * tests stored objects (for a kind served in another version than stored, field labels are mapped). */
export function makePredicate(kind: KindInfo, labelSelector: string | null, fieldSelector: string | null, deps: ApiDeps): Predicate {
  const ls = labelSelector?.trim() ?? '';
  const fs = fieldSelector?.trim() ?? '';
  if (!ls && !fs) return EVERYTHING;
  let lsel: unknown;
  let fsel: unknown;
  let nameOnly: string | undefined;
  let view: ReturnType<typeof fieldSelectorView>;
  if (ls) {
    const r = deps.parseLabelSelector(ls);
    if (!r.ok) throw badRequest(`unable to parse requirement: ${r.error}`);
    lsel = r.selector;
  }
  if (fs) {
    const r = deps.parseFieldSelector(fs);
    if (!r.ok) throw badRequest(`invalid field selector: ${r.error}`);
    view = fieldSelectorView(kind, deps.kinds);
    for (const f of deps.fieldSelectorFields(r.selector)) {
      if (view ? !view.supports(f) : f !== 'metadata.name' && f !== 'metadata.namespace' && !kind.fieldSelectors?.[f]) {
        throw badRequest(`field label not supported: ${f}`);
      }
    }
    fsel = r.selector;
    const m = /^metadata\.name==?([^,!=]+)$/.exec(fs);
    if (m) nameOnly = m[1];
  }
  const fview = view;
  return {
    everything: false,
    nameOnly: ls ? undefined : nameOnly,
    matches(obj: JsonObject): boolean {
      if (lsel !== undefined && !deps.matchesLabels(lsel, obj.metadata?.labels)) return false;
      if (fsel !== undefined && !deps.matchesFields(fsel, fview ? (f: string) => fview.get(obj, f) : fieldGetter(kind, obj))) return false;
      return true;
    },
  };
}
