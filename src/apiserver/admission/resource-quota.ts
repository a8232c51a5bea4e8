/**
 * @module apiserver/admission/resource-quota — ResourceQuota: a create that would push a quota's
 * usage above `spec.hard` is refused; pods must state the requests/limits a quota tracks. Usage is
 * computed from the live objects; `status.hard`/`status.used` are refreshed on every admitted
 * create, delete and quota write (in-process — upstream's quota controller should take this over:
 * pods that finish, or leave after their grace period, are only subtracted at the next write).
 * Scopes Terminating/NotTerminating/BestEffort/NotBestEffort; scopeSelector is not supported yet.
 */
import type { JsonObject } from '../../api/index.ts';
import { addTo, formatQuantity, toResourceList, type Quantity, type ResourceList } from './quantity.ts';
import { admissionForbidden, isKind, type AdmissionAttributes, type AdmissionContext, type AdmissionPlugin } from './types.ts';

const ONE: Quantity = { nano: 1_000_000_000n, binary: false };
const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'] as const;
const VALIDATION = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);
/** Short names upstream counts per core resource (besides `count/<resource>`). */
const LEGACY: Readonly<Record<string, string>> = {
  pods: 'pods', services: 'services', configmaps: 'configmaps', secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims', replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas',
};

/** countKey is the object-count resource name of a group/resource (`count/pods`, `count/deployments.apps`). */
export function countKey(group: string, resource: string): string { return group ? `count/${resource}.${group}` : `count/${resource}`; }

function isTerminal(pod: JsonObject): boolean { return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'; }

function podResources(pod: JsonObject, field: 'requests' | 'limits'): ResourceList {
  const spec = (pod.spec ?? {}) as JsonObject;
  const sum: ResourceList = new Map();
  for (const c of (Array.isArray(spec.containers) ? spec.containers : []) as JsonObject[]) for (const [k, q] of toResourceList(c.resources?.[field])) addTo(sum, k, q);
  for (const c of (Array.isArray(spec.initContainers) ? spec.initContainers : []) as JsonObject[]) {
    for (const [k, q] of toResourceList(c.resources?.[field])) if (!sum.has(k) || q.nano > sum.get(k)!.nano) sum.set(k, q);
  }
  for (const [k, q] of toResourceList(spec.overhead)) if (sum.has(k)) addTo(sum, k, q);
  return sum;
}

/** usageOf is the quota usage one object adds (its resource's count plus compute/storage amounts). */
export function usageOf(group: string, resource: string, obj: JsonObject): ResourceList {
  const u: ResourceList = new Map([[countKey(group, resource), ONE]]);
  if (group === '' && LEGACY[resource]) u.set(LEGACY[resource], ONE);
  if (group === '' && resource === 'pods') {
    for (const [k, q] of podResources(obj, 'requests')) if ((COMPUTE as readonly string[]).includes(k)) { u.set(`requests.${k}`, q); u.set(k, q); }
    for (const [k, q] of podResources(obj, 'limits')) if ((COMPUTE as readonly string[]).includes(k)) u.set(`limits.${k}`, q);
  } else if (group === '' && resource === 'services') {
    if (obj.spec?.type === 'LoadBalancer') u.set('services.loadbalancers', ONE);
    if (obj.spec?.type === 'LoadBalancer' || obj.spec?.type === 'NodePort') {
      const ports = Array.isArray(obj.spec?.ports) ? obj.spec.ports.length : 0;
      u.set('services.nodeports', { nano: BigInt(ports) * ONE.nano, binary: false });
    }
  } else if (group === '' && resource === 'persistentvolumeclaims') {
    const s = toResourceList(obj.spec?.resources?.requests).get('storage');
    if (s) u.set('requests.storage', s);
  }
  return u;
}

/** resourceOfKey maps a quota resource name to the group/resource whose objects it counts. */
export function resourceOfKey(key: string): { group: string; resource: string } | undefined {
  if (key.startsWith('count/')) {
    const rest = key.slice(6);
    const dot = rest.indexOf('.');
    return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
  }
  if (key in LEGACY) return { group: '', resource: key };
  if (key.startsWith('services.')) return { group: '', resource: 'services' };
  if (key === 'requests.storage') return { group: '', resource: 'persistentvolumeclaims' };
  if (/^(requests\.|limits\.)?(cpu|memory|ephemeral-storage)$/.test(key)) return { group: '', resource: 'pods' };
  return undefined;
}

function bestEffort(pod: JsonObject): boolean { return podResources(pod, 'requests').size === 0 && podResources(pod, 'limits').size === 0; }

/** inScope tells whether an object falls under every scope of a quota (scopes only select pods). */
function inScope(quota: JsonObject, group: string, resource: string, obj: JsonObject): boolean {
  const scopes: string[] = Array.isArray(quota.spec?.scopes) ? quota.spec.scopes : [];
  if (scopes.length === 0) return true;
  if (group !== '' || resource !== 'pods') return false;
  return scopes.every((s) => {
    const term = obj.spec?.activeDeadlineSeconds !== undefined && obj.spec?.activeDeadlineSeconds !== null;
    if (s === 'Terminating') return term;
    if (s === 'NotTerminating') return !term;
    if (s === 'BestEffort') return bestEffort(obj);
    if (s === 'NotBestEffort') return !bestEffort(obj);
    return true;
  });
}

/** liveUsage computes a quota's usage of its hard resources from the objects in the namespace. */
async function liveUsage(ctx: AdmissionContext, quota: JsonObject, ns: string, lists: Map<string, JsonObject[]>): Promise<ResourceList> {
  const hard = toResourceList(quota.spec?.hard);
  const used: ResourceList = new Map();
  for (const [key, h] of hard) {
    used.set(key, { nano: 0n, binary: h.binary });
    const r = resourceOfKey(key);
    if (!r || !ctx.served(r.group, r.resource)) continue;
    const lk = `${r.group}/${r.resource}`;
    let objs = lists.get(lk);
    if (!objs) { objs = await ctx.list(r.group, r.resource, ns); lists.set(lk, objs); }
    for (const o of objs) {
      if (r.group === '' && r.resource === 'pods' && (isTerminal(o) || (o.metadata?.deletionTimestamp && Date.parse(String(o.metadata.deletionTimestamp)) < ctx.now()))) continue;
      if (!inScope(quota, r.group, r.resource, o)) continue;
      const q = usageOf(r.group, r.resource, o).get(key);
      if (q) used.set(key, { nano: used.get(key)!.nano + q.nano, binary: h.binary });
    }
  }
  return used;
}

function toJson(list: ResourceList): Record<string, string> {
  return Object.fromEntries([...list].sort(([a], [b]) => a.localeCompare(b)).map(([k, q]) => [k, formatQuantity(q)]));
}

function pretty(list: ResourceList, keys: readonly string[]): string {
  return keys.map((k) => `${k}=${formatQuantity(list.get(k) ?? { nano: 0n, binary: false })}`).join(',');
}

/** missingRequirements is upstream's pod constraint: containers must state the tracked compute resources. */
function missingRequirements(pod: JsonObject, hardKeys: readonly string[]): string | undefined {
  const required = hardKeys.filter((k) => VALIDATION.has(k));
  const missing = new Map<string, Set<string>>();
  const spec = (pod.spec ?? {}) as JsonObject;
  const all = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])] as JsonObject[];
  for (const c of all) {
    for (const k of required) {
      const [field, res] = k.startsWith('limits.') ? ['limits', k.slice(7)] : ['requests', k.replace(/^requests\./, '')];
      if (c.resources?.[field]?.[res] === undefined) {
        if (!missing.has(k)) missing.set(k, new Set());
        missing.get(k)!.add(String(c.name));
      }
    }
  }
  if (missing.size === 0) return undefined;
  return [...missing.keys()].sort().map((k) => `${k} for: ${[...missing.get(k)!].sort().join(',')}`).join('; ');
}

async function admitObject(a: AdmissionAttributes, ctx: AdmissionContext): Promise<void> {
  const obj = a.object!;
  const quotas = (await ctx.list('', 'resourcequotas', a.namespace)).sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name)));
  if (quotas.length === 0) return;
  const delta = usageOf(a.kind.group, a.kind.resource, obj);
  const lists = new Map<string, JsonObject[]>();
  const updates: { quota: JsonObject; hard: ResourceList; used: ResourceList }[] = [];
  for (const quota of quotas) {
    if (!inScope(quota, a.kind.group, a.kind.resource, obj)) continue;
    const hard = toResourceList(quota.spec?.hard);
    const keys = [...delta.keys()].filter((k) => hard.has(k)).sort();
    const isPodObj = a.kind.group === '' && a.kind.resource === 'pods';
    if (isPodObj) {
      const miss = missingRequirements(obj, [...hard.keys()]);
      if (miss) throw admissionForbidden(a, `failed quota: ${String(quota.metadata.name)}: must specify ${miss}`);
    }
    if (keys.length === 0) continue;
    const used = await liveUsage(ctx, quota, a.namespace, lists);
    const exceeded = keys.filter((k) => used.get(k)!.nano + delta.get(k)!.nano > hard.get(k)!.nano);
    if (exceeded.length > 0) {
      throw admissionForbidden(a, `exceeded quota: ${String(quota.metadata.name)}, requested: ${pretty(delta, exceeded)}, used: ${pretty(used, exceeded)}, limited: ${pretty(hard, exceeded)}`);
    }
    for (const k of keys) used.set(k, { nano: used.get(k)!.nano + delta.get(k)!.nano, binary: used.get(k)!.binary });
    updates.push({ quota, hard, used });
  }
  if (a.dryRun) return;
  for (const u of updates) {
    await ctx.updateStatus('', 'resourcequotas', a.namespace, String(u.quota.metadata.name), { hard: toJson(u.hard), used: toJson(u.used) });
  }
}

/** refreshOnDelete rewrites the status of the quotas an object being deleted counts against, without it
 * (a pod bound to a node stays counted: it lingers for its grace period). */
async function refreshOnDelete(a: AdmissionAttributes, ctx: AdmissionContext): Promise<void> {
  const old = a.oldObject!;
  if (a.kind.group === '' && a.kind.resource === 'pods' && old.spec?.nodeName && !isTerminal(old)) return;
  const quotas = await ctx.list('', 'resourcequotas', a.namespace);
  if (quotas.length === 0) return;
  const delta = usageOf(a.kind.group, a.kind.resource, old);
  const lists = new Map<string, JsonObject[]>();
  for (const quota of quotas) {
    if (!inScope(quota, a.kind.group, a.kind.resource, old)) continue;
    const hard = toResourceList(quota.spec?.hard);
    if (![...delta.keys()].some((k) => hard.has(k))) continue;
    const used = await liveUsage(ctx, quota, a.namespace, lists);
    for (const [k, q] of delta) {
      const u = used.get(k);
      if (u) used.set(k, { nano: u.nano >= q.nano ? u.nano - q.nano : 0n, binary: u.binary });
    }
    await ctx.updateStatus('', 'resourcequotas', a.namespace, String(quota.metadata.name), { hard: toJson(hard), used: toJson(used) });
  }
}

/** resourceQuota is the ResourceQuota admission plugin. */
export function resourceQuota(): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    async admit(a, ctx) {
      // A quota's own writes refresh its status from the live usage.
      if (!isKind(a, '', 'resourcequotas') || a.subresource !== '' || !a.object || (a.operation !== 'CREATE' && a.operation !== 'UPDATE')) return;
      const used = await liveUsage(ctx, a.object, a.namespace, new Map());
      a.object.status = { hard: toJson(toResourceList(a.object.spec?.hard)), used: toJson(used) };
    },
    async validate(a, ctx) {
      if (a.subresource !== '' || !a.kind.namespaced || !a.namespace || !ctx.served('', 'resourcequotas')) return;
      if (a.operation === 'DELETE' && a.oldObject && !a.dryRun && !isKind(a, '', 'resourcequotas')) await refreshOnDelete(a, ctx);
      if (a.operation !== 'CREATE' || !a.object) return;
      await admitObject(a, ctx);
    },
  };
}
