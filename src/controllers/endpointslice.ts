/**
 * @module controllers/endpointslice — kube-controller-manager's endpointslice-controller. Key:
 * `namespace/name` of a Service.
 *
 * For every Service with a selector (headless ones included) it keeps EndpointSlices labelled
 * kubernetes.io/service-name and managed-by endpointslice-controller.k8s.io, owned by the Service,
 * one address type per IP family, at most 100 endpoints per slice, one port list per slice.
 * Endpoints carry addresses, conditions (ready / serving / terminating — terminating pods stay
 * listed with serving per readiness and ready false), nodeName, zone, hostname and targetRef.
 * Changes are made in place: kept endpoints stay in their slice, new ones fill slices with room
 * before a new slice is made, emptied slices are deleted; a Service without endpoints keeps one
 * empty placeholder slice. Its own writes are tracked so a stale cache never causes duplicates.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, splitKey, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext, ReconcileResult } from './controller.ts';
import {
  hostnameFor, ipFamilyOf, LAST_CHANGE_TRIGGER_TIME_ANNOTATION, podIncluded, podIPs, resolveTargetPort, selectorMatches, serviceLabels, triggerTime, wireServiceQueue,
} from './endpoints.ts';
import { isPodReady, stableJson } from './workload.ts';

/** SERVICE_NAME_LABEL links an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** MANAGED_BY_LABEL names the controller owning an EndpointSlice. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** CONTROLLER_NAME is this controller's managed-by value. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** MAX_ENDPOINTS_PER_SLICE is the most endpoints one slice holds. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** PENDING_TTL_MS: how long an unobserved own write keeps a Service's slices "stale". */
const PENDING_TTL_MS = 30_000;

type Family = 'IPv4' | 'IPv6';
interface Group { ports: JsonObject[]; eps: Map<string, JsonObject> }
interface SliceState { slice: JsonObject; endpoints: JsonObject[]; changed: boolean; placeholder?: boolean }

const portKey = (ports: JsonObject[] | undefined): string => stableJson([...(ports ?? [])].sort((a, b) => stableJson(a).localeCompare(stableJson(b))));
const epKey = (ep: JsonObject): string => String((ep.addresses as string[] | undefined)?.[0] ?? '');

/** serviceFamilies lists the address types a Service's slices use: spec.ipFamilies, the clusterIP's, or (headless) those of its pods. */
export function serviceFamilies(svc: JsonObject, pods: JsonObject[]): Family[] {
  const fams = (svc.spec?.ipFamilies ?? []) as string[];
  if (fams.length) return [...new Set(fams.map((f): Family => (f === 'IPv6' ? 'IPv6' : 'IPv4')))];
  const ip = svc.spec?.clusterIP;
  if (typeof ip === 'string' && ip && ip !== 'None') return [ipFamilyOf(ip)];
  const seen = new Set<Family>();
  for (const p of pods) for (const a of podIPs(p)) seen.add(ipFamilyOf(a));
  return seen.size ? (['IPv4', 'IPv6'] as Family[]).filter((f) => seen.has(f)) : ['IPv4'];
}

/** desiredEndpoints groups a Service's endpoints by address type and port list. */
export function desiredEndpoints(svc: JsonObject, pods: JsonObject[], zoneOf: (node: string) => string | undefined): Map<Family, Map<string, Group>> {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const svcPorts = (svc.spec?.ports ?? []) as JsonObject[];
  const out = new Map<Family, Map<string, Group>>();
  const fams = serviceFamilies(svc, pods);
  for (const f of fams) out.set(f, new Map());
  for (const pod of pods) {
    if (!podIncluded(pod, true)) continue;
    const terminating = !!pod.metadata?.deletionTimestamp;
    const podReady = isPodReady(pod);
    const ports: JsonObject[] = [];
    for (const sp of svcPorts) {
      const port = resolveTargetPort(sp, pod);
      if (port !== undefined) ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const pk = portKey(ports);
    for (const fam of fams) {
      const ip = podIPs(pod).find((a) => ipFamilyOf(a) === fam);
      if (!ip) continue;
      const ep: JsonObject = { addresses: [ip], conditions: { ready: publish || (podReady && !terminating), serving: podReady, terminating } };
      const host = hostnameFor(pod, svc);
      if (host) ep.hostname = host;
      ep.targetRef = { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
      if (pod.spec?.nodeName) {
        ep.nodeName = pod.spec.nodeName;
        const zone = zoneOf(String(pod.spec.nodeName));
        if (zone) ep.zone = zone;
      }
      const groups = out.get(fam) as Map<string, Group>;
      let g = groups.get(pk);
      if (!g) { g = { ports: JSON.parse(pk) as JsonObject[], eps: new Map() }; groups.set(pk, g); }
      g.eps.set(ip, ep);
    }
  }
  return out;
}

/** newEndpointSliceController wires service, pod, node and endpointslice informers to the EndpointSlice reconcile. */
export function newEndpointSliceController(ctx: ControllerContext): Controller {
  const { client, clock } = ctx;
  const services = ctx.factory.forResource(RESOURCES.services);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const nodes = ctx.factory.forResource(RESOURCES.nodes);
  const slices = ctx.factory.forResource(RESOURCES.endpointslices);
  const queue = new WorkQueue<string>({ clock, name: 'endpointslice' });
  wireServiceQueue(services, pods, queue);
  const ours = (s: JsonObject): boolean => s.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && !!s.metadata?.labels?.[SERVICE_NAME_LABEL];
  const onSlice = (s: JsonObject): void => { if (ours(s)) queue.add(`${s.metadata?.namespace}/${s.metadata?.labels?.[SERVICE_NAME_LABEL]}`); };
  slices.addEventHandler({ add: onSlice, update: (_o, s) => onSlice(s), delete: (x) => onSlice(objectOf(x)) });
  nodes.addEventHandler({
    update: (o, n) => { if (o.metadata?.labels?.[ZONE_LABEL] !== n.metadata?.labels?.[ZONE_LABEL]) for (const s of services.cache.list()) queue.add(objectKey(s)); },
  });
  const zoneOf = (node: string): string | undefined => nodes.cache.get(node)?.metadata?.labels?.[ZONE_LABEL];

  /** Own writes not yet seen in the slice cache, per Service key. */
  const pending = new Map<string, { at: number; created: Set<string>; deleted: Set<string>; updated: Map<string, string> }>();
  const stale = (key: string, ns: string): boolean => {
    const p = pending.get(key);
    if (!p) return false;
    const rvLess = (a: string, b: string): boolean => /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) < BigInt(b);
    const behind = [...p.created].some((n) => !slices.cache.get(`${ns}/${n}`)) || [...p.deleted].some((n) => slices.cache.get(`${ns}/${n}`))
      || [...p.updated].some(([n, rv]) => { const c = slices.cache.get(`${ns}/${n}`); return c !== undefined && rvLess(String(c.metadata?.resourceVersion), rv); });
    if (behind && clock.now() - p.at < PENDING_TTL_MS) return true;
    pending.delete(key);
    return false;
  };

  async function reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const svc = services.cache.get(key);
    if (stale(key, namespace)) return { requeueAfterMs: 1000 };
    const existing = slices.cache.byNamespace(namespace).filter((s) => ours(s) && s.metadata?.labels?.[SERVICE_NAME_LABEL] === name);
    const rec = { at: clock.now(), created: new Set<string>(), deleted: new Set<string>(), updated: new Map<string, string>() };
    const del = async (s: JsonObject): Promise<void> => {
      try { await client.delete(RESOURCES.endpointslices, namespace, String(s.metadata?.name)); } catch (e) { if (!isStatusError(e, 404)) throw e; }
      rec.deleted.add(String(s.metadata?.name));
    };
    try {
      if (!svc) {
        for (const s of existing) await del(s);
        return;
      }
      const selector = svc.spec?.selector as Record<string, string> | undefined;
      if (svc.spec?.type === 'ExternalName' || !selector || !Object.keys(selector).length) return;
      const selected = pods.cache.byNamespace(namespace).filter((p) => selectorMatches(selector, p.metadata?.labels));
      const desired = desiredEndpoints(svc, selected, zoneOf);
      const labels = { ...serviceLabels(svc), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
      const trigger = triggerTime(svc, selected);
      const states: SliceState[] = [];
      const toCreate: { family: Family; ports: JsonObject[]; endpoints: JsonObject[] }[] = [];
      let obsolete: JsonObject[] = [];
      let total = 0;
      for (const [family, groups] of desired) {
        for (const g of groups.values()) total += g.eps.size;
        // Kept endpoints stay where they are (updated in place); the rest of each slice goes.
        const famStates: SliceState[] = [];
        for (const s of existing.filter((x) => x.addressType === family)) {
          const g = groups.get(portKey(s.ports));
          if (!g) { obsolete.push(s); continue; }
          const old = (s.endpoints ?? []) as JsonObject[];
          const eps: JsonObject[] = [];
          for (const ep of old) {
            const want = g.eps.get(epKey(ep));
            if (want) { eps.push(want); g.eps.delete(epKey(ep)); }
          }
          const changed = stableJson(eps) !== stableJson(old) || stableJson(s.metadata?.labels ?? {}) !== stableJson(labels);
          const st = { slice: s, endpoints: eps, changed };
          famStates.push(st);
          states.push(st);
        }
        // New endpoints fill slices already being written, then other slices with room, then new slices.
        for (const [pk, g] of groups) {
          const left = [...g.eps.values()];
          const room = famStates.filter((st) => portKey(st.slice.ports) === pk).sort((a, b) => Number(b.changed) - Number(a.changed));
          for (const st of room) {
            while (left.length && st.endpoints.length < MAX_ENDPOINTS_PER_SLICE) { st.endpoints.push(left.shift() as JsonObject); st.changed = true; }
          }
          for (let i = 0; i < left.length; i += MAX_ENDPOINTS_PER_SLICE) toCreate.push({ family, ports: g.ports, endpoints: left.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
        }
      }
      for (const s of existing) if (!desired.has(s.addressType as Family)) obsolete.push(s);
      // With no endpoints at all, one empty placeholder slice stays (reusing an existing slice when there is one).
      if (total === 0) {
        const family = [...desired.keys()][0] ?? 'IPv4';
        const all = [...states.map((st) => st.slice), ...obsolete];
        const keep = all.find((x) => x.addressType === family);
        states.length = 0;
        obsolete = all.filter((x) => x !== keep);
        if (!keep) toCreate.push({ family, ports: [], endpoints: [] });
        else {
          const empty = !(keep.endpoints ?? []).length && !(keep.ports ?? []).length && stableJson(keep.metadata?.labels ?? {}) === stableJson(labels);
          states.push({ slice: { ...keep, ports: [] }, endpoints: [], changed: !empty, placeholder: true });
        }
      }
      const annotations = (s?: JsonObject): Record<string, string> => {
        const a: Record<string, string> = { ...(s?.metadata?.annotations ?? {}) };
        if (trigger) a[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = trigger;
        return a;
      };
      for (const s of obsolete) await del(s);
      for (const st of states) {
        if (!st.placeholder && !st.endpoints.length) { await del(st.slice); continue; }
        if (!st.changed) continue;
        const body = { ...st.slice, metadata: { ...st.slice.metadata, labels, annotations: annotations(st.slice) }, endpoints: st.endpoints };
        const out = await client.update(RESOURCES.endpointslices, namespace, body);
        rec.updated.set(String(out.metadata?.name), String(out.metadata?.resourceVersion ?? ''));
      }
      for (const c of toCreate) {
        const body: JsonObject = {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: {
            generateName: `${name}-`, namespace, labels, annotations: annotations(),
            ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata?.uid, controller: true, blockOwnerDeletion: true }],
          },
          addressType: c.family, endpoints: c.endpoints, ports: c.ports,
        };
        try {
          const out = await client.create(RESOURCES.endpointslices, namespace, body);
          rec.created.add(String(out.metadata?.name));
        } catch (e) {
          if (isStatusError(e, 403) && /being terminated/.test(e.message)) return;
          throw e;
        }
      }
    } finally {
      if (rec.created.size || rec.deleted.size || rec.updated.size) pending.set(key, rec);
    }
  }

  return { name: 'endpointslice', queue, informers: [services, pods, nodes, slices], workers: 4, reconcile };
}
