/**
 * @module apiserver/admission/limit-ranger — LimitRanger: containers of new pods get their missing
 * requests/limits from the namespace's LimitRange `defaultRequest`/`default` (type Container), and
 * min/max/maxLimitRequestRatio are enforced per Container and per Pod; PersistentVolumeClaims are
 * held to the storage min/max of PersistentVolumeClaim items.
 */
import type { JsonObject } from '../../api/index.ts';
import { addTo, formatQuantity, toResourceList, type Quantity, type ResourceList } from './quantity.ts';
import { admissionForbidden, isPod, type AdmissionPlugin } from './types.ts';

/** LIMIT_RANGER_ANNOTATION records what the plugin defaulted. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** limitRangeItems returns the items of LimitRanges with upstream's item defaulting applied
 * (Container: default from max, defaultRequest from default or min). */
export function limitRangeItems(ranges: readonly JsonObject[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const r of [...ranges].sort((x, y) => String(x.metadata?.name).localeCompare(String(y.metadata?.name)))) {
    for (const raw of (Array.isArray(r.spec?.limits) ? r.spec.limits : []) as JsonObject[]) {
      const item = structuredClone(raw);
      if (item.type === 'Container') {
        const def = { ...(item.default ?? {}) } as Record<string, unknown>;
        for (const [k, v] of Object.entries(item.max ?? {})) def[k] ??= v;
        const req = { ...(item.defaultRequest ?? {}) } as Record<string, unknown>;
        for (const [k, v] of Object.entries(def)) req[k] ??= v;
        for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
        if (Object.keys(def).length > 0) item.default = def;
        if (Object.keys(req).length > 0) item.defaultRequest = req;
      }
      out.push(item);
    }
  }
  return out;
}

function containersOf(pod: JsonObject): { c: JsonObject; type: string }[] {
  const spec = (pod.spec ?? {}) as JsonObject;
  return [
    ...((Array.isArray(spec.initContainers) ? spec.initContainers : []) as JsonObject[]).map((c) => ({ c, type: 'init container' })),
    ...((Array.isArray(spec.containers) ? spec.containers : []) as JsonObject[]).map((c) => ({ c, type: 'container' })),
  ];
}

/** applyDefaults fills missing requests/limits of every container; returns the annotation text parts. */
function applyDefaults(pod: JsonObject, item: JsonObject): string[] {
  const notes: string[] = [];
  for (const { c, type } of containersOf(pod)) {
    const res = (c.resources ??= {}) as JsonObject;
    const setReq: string[] = [];
    const setLim: string[] = [];
    for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
      res.requests ??= {};
      if (res.requests[k] === undefined) { res.requests[k] = v; setReq.push(k); }
    }
    for (const [k, v] of Object.entries(item.default ?? {})) {
      res.limits ??= {};
      if (res.limits[k] === undefined) { res.limits[k] = v; setLim.push(k); }
    }
    if (setReq.length > 0) notes.push(`${setReq.sort().join(', ')} request for ${type} ${String(c.name)}`);
    if (setLim.length > 0) notes.push(`${setLim.sort().join(', ')} limit for ${type} ${String(c.name)}`);
  }
  return notes;
}

const fmt = (q: Quantity): string => formatQuantity(q);

/** checkBounds returns upstream's messages for one resource list pair against an item's bounds. */
function checkBounds(item: JsonObject, type: string, req: ResourceList, lim: ResourceList): string[] {
  const errs: string[] = [];
  for (const [k, minQ] of [...toResourceList(item.min)].sort(([a], [b]) => a.localeCompare(b))) {
    const r = req.get(k);
    const l = lim.get(k);
    // One error per constraint, the first that fails (as upstream).
    if (!r) errs.push(`minimum ${k} usage per ${type} is ${fmt(minQ)}.  No request is specified`);
    else if (r.nano < minQ.nano) errs.push(`minimum ${k} usage per ${type} is ${fmt(minQ)}, but request is ${fmt(r)}`);
    else if (l && l.nano < minQ.nano) errs.push(`minimum ${k} usage per ${type} is ${fmt(minQ)}, but limit is ${fmt(l)}`);
  }
  for (const [k, maxQ] of [...toResourceList(item.max)].sort(([a], [b]) => a.localeCompare(b))) {
    const r = req.get(k);
    const l = lim.get(k);
    if (!l) errs.push(`maximum ${k} usage per ${type} is ${fmt(maxQ)}.  No limit is specified`);
    else if (l.nano > maxQ.nano) errs.push(`maximum ${k} usage per ${type} is ${fmt(maxQ)}, but limit is ${fmt(l)}`);
    else if (r && r.nano > maxQ.nano) errs.push(`maximum ${k} usage per ${type} is ${fmt(maxQ)}, but request is ${fmt(r)}`);
  }
  for (const [k, ratio] of [...toResourceList(item.maxLimitRequestRatio)].sort(([a], [b]) => a.localeCompare(b))) {
    const r = req.get(k);
    const l = lim.get(k);
    if (!r || r.nano === 0n) errs.push(`${k} max limit to request ratio per ${type} is ${fmt(ratio)}, but no request is specified or request is 0`);
    else if (!l) errs.push(`${k} max limit to request ratio per ${type} is ${fmt(ratio)}, but no limit is specified`);
    else {
      const actual = Number(l.nano) / Number(r.nano);
      if (actual > Number(ratio.nano) / 1e9) errs.push(`${k} max limit to request ratio per ${type} is ${fmt(ratio)}, but provided ratio is ${actual.toFixed(6)}`);
    }
  }
  return errs;
}

/** podTotals sums the containers' requests/limits (init containers count as their maximum). */
function podTotals(pod: JsonObject, field: 'requests' | 'limits'): ResourceList {
  const spec = (pod.spec ?? {}) as JsonObject;
  const sum: ResourceList = new Map();
  for (const c of (Array.isArray(spec.containers) ? spec.containers : []) as JsonObject[]) {
    for (const [k, q] of toResourceList(c.resources?.[field])) addTo(sum, k, q);
  }
  for (const c of (Array.isArray(spec.initContainers) ? spec.initContainers : []) as JsonObject[]) {
    for (const [k, q] of toResourceList(c.resources?.[field])) {
      const cur = sum.get(k);
      if (!cur || q.nano > cur.nano) sum.set(k, q);
    }
  }
  return sum;
}

/** limitViolations returns every min/max/ratio violation of a pod against LimitRange items. */
export function limitViolations(pod: JsonObject, items: readonly JsonObject[]): string[] {
  const errs: string[] = [];
  for (const item of items) {
    if (item.type === 'Container') {
      for (const { c } of containersOf(pod)) errs.push(...checkBounds(item, 'Container', toResourceList(c.resources?.requests), toResourceList(c.resources?.limits)));
    } else if (item.type === 'Pod') {
      errs.push(...checkBounds(item, 'Pod', podTotals(pod, 'requests'), podTotals(pod, 'limits')));
    }
  }
  return errs;
}

/** pvcViolations checks a claim's storage request against PersistentVolumeClaim items' min and max. */
export function pvcViolations(pvc: JsonObject, items: readonly JsonObject[]): string[] {
  const errs: string[] = [];
  const req = toResourceList(pvc.spec?.resources?.requests);
  const type = 'PersistentVolumeClaim';
  for (const item of items.filter((i) => i.type === type)) {
    for (const [k, minQ] of [...toResourceList(item.min)].sort(([a], [b]) => a.localeCompare(b))) {
      const r = req.get(k);
      if (!r) errs.push(`minimum ${k} usage per ${type} is ${fmt(minQ)}.  No request is specified`);
      else if (r.nano < minQ.nano) errs.push(`minimum ${k} usage per ${type} is ${fmt(minQ)}, but request is ${fmt(r)}`);
    }
    for (const [k, maxQ] of [...toResourceList(item.max)].sort(([a], [b]) => a.localeCompare(b))) {
      const r = req.get(k);
      if (!r) errs.push(`maximum ${k} usage per ${type} is ${fmt(maxQ)}.  No request is specified`);
      else if (r.nano > maxQ.nano) errs.push(`maximum ${k} usage per ${type} is ${fmt(maxQ)}, but request is ${fmt(r)}`);
    }
  }
  return errs;
}

/** aggregateMessage joins errors as upstream's error aggregate does. */
export function aggregateMessage(errs: readonly string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}

/** limitRanger is the LimitRanger admission plugin (pods: defaults and bounds; claims: storage bounds). */
export function limitRanger(): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    async admit(a, ctx) {
      if (a.operation !== 'CREATE' || !isPod(a) || !a.object || !ctx.served('', 'limitranges')) return;
      const items = limitRangeItems(await ctx.list('', 'limitranges', a.namespace));
      if (items.length === 0) return;
      const notes = items.filter((i) => i.type === 'Container').flatMap((i) => applyDefaults(a.object!, i));
      if (notes.length > 0) {
        const m = a.object.metadata as JsonObject;
        m.annotations = { ...(m.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
      }
    },
    async validate(a, ctx) {
      const pvc = a.kind.group === '' && a.kind.resource === 'persistentvolumeclaims' && a.subresource === '';
      if (a.operation !== 'CREATE' || !(isPod(a) || pvc) || !a.object || !ctx.served('', 'limitranges')) return;
      const items = limitRangeItems(await ctx.list('', 'limitranges', a.namespace));
      const errs = pvc ? pvcViolations(a.object, items) : limitViolations(a.object, items);
      if (errs.length > 0) throw admissionForbidden(a, aggregateMessage(errs));
    },
  };
}

