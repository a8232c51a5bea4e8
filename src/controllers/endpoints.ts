/**
 * @module controllers/endpoints — kube-controller-manager's endpoints-controller. Key:
 * `namespace/name` of a Service.
 *
 * For every Service with a selector it keeps an Endpoints object of the same name: one subset per
 * distinct set of resolved ports, Ready pods under `addresses` and the others under
 * `notReadyAddresses` (all under `addresses` with publishNotReadyAddresses), each with targetRef,
 * nodeName and — for a pod whose hostname/subdomain point at the Service — hostname. Named
 * targetPorts resolve per pod. Over 1000 addresses the list is truncated and annotated
 * over-capacity. Services without a selector are left alone. Also home of the pod/service helpers
 * the EndpointSlice controller shares.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, splitKey, WorkQueue, type Informer } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { WrittenCache } from './job-util.ts';
import { isPodReady, stableJson } from './workload.ts';

/** MAX_ENDPOINTS_ADDRESSES is the most addresses an Endpoints object holds before truncation. */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
/** OVER_CAPACITY_ANNOTATION marks a truncated Endpoints object. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** LAST_CHANGE_TRIGGER_TIME_ANNOTATION is the time of the latest pod/service change reflected in Endpoints and EndpointSlices. */
export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
/** HEADLESS_LABEL marks Endpoints/EndpointSlices of a headless Service. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** selectorMatches says whether a Service's map selector (non-empty) matches `labels`. */
export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || !Object.keys(selector).length) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** servicesSelecting lists the keys of the Services in the pod's namespace whose selector matches the pod. */
export function servicesSelecting(services: Informer<JsonObject>, pod: JsonObject): string[] {
  return services.cache.byNamespace(String(pod.metadata?.namespace)).filter((s) => selectorMatches(s.spec?.selector, pod.metadata?.labels)).map((s) => objectKey(s));
}

/** wireServiceQueue enqueues a Service on its own changes and on changes of pods it selects (before and after). */
export function wireServiceQueue(services: Informer<JsonObject>, pods: Informer<JsonObject>, queue: WorkQueue<string>): void {
  services.addEventHandler({ add: (s) => queue.add(objectKey(s)), update: (_o, s) => queue.add(objectKey(s)), delete: (x) => queue.add(objectKey(objectOf(x))) });
  const onPod = (p: JsonObject): void => { for (const k of servicesSelecting(services, p)) queue.add(k); };
  pods.addEventHandler({
    add: onPod,
    update: (o, p) => { onPod(p); if (stableJson(o.metadata?.labels) !== stableJson(p.metadata?.labels)) onPod(o); },
    delete: (x) => onPod(objectOf(x)),
  });
}

/** podIncluded says whether a pod belongs in endpoints: it has an IP, has not finished for good, and (unless `includeTerminating`) is not being deleted. */
export function podIncluded(pod: JsonObject, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  const phase = pod.status?.phase;
  const rp = pod.spec?.restartPolicy ?? 'Always';
  if (rp === 'Never' && (phase === 'Failed' || phase === 'Succeeded')) return false;
  if (rp === 'OnFailure' && phase === 'Succeeded') return false;
  return includeTerminating || !pod.metadata?.deletionTimestamp;
}

/** ipFamilyOf tells an address's family. */
export function ipFamilyOf(ip: string): 'IPv4' | 'IPv6' {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** podIPs lists a pod's IPs (status.podIPs, else status.podIP). */
export function podIPs(pod: JsonObject): string[] {
  const list = ((pod.status?.podIPs ?? []) as JsonObject[]).map((x) => String(x.ip ?? '')).filter(Boolean);
  if (list.length) return list;
  return pod.status?.podIP ? [String(pod.status.podIP)] : [];
}

/** serviceFamily is the address family a Service's Endpoints use: spec.ipFamilies[0], the clusterIP's, or undefined (any, headless). */
export function serviceFamily(svc: JsonObject): 'IPv4' | 'IPv6' | undefined {
  const fams = svc.spec?.ipFamilies as string[] | undefined;
  if (fams?.length) return fams[0] === 'IPv6' ? 'IPv6' : 'IPv4';
  const ip = svc.spec?.clusterIP;
  if (typeof ip === 'string' && ip && ip !== 'None') return ipFamilyOf(ip);
  return undefined;
}

/** resolveTargetPort finds the container port a Service port targets on `pod` (a number, or a named container port); undefined when the name is absent. */
export function resolveTargetPort(svcPort: JsonObject, pod: JsonObject): number | undefined {
  const tp = svcPort.targetPort ?? svcPort.port;
  if (typeof tp === 'number') return tp;
  if (typeof tp === 'string' && /^\d+$/.test(tp)) return Number(tp);
  const proto = svcPort.protocol ?? 'TCP';
  for (const c of (pod.spec?.containers ?? []) as JsonObject[]) {
    for (const p of (c.ports ?? []) as JsonObject[]) if (p.name === tp && (p.protocol ?? 'TCP') === proto) return Number(p.containerPort);
  }
  return undefined;
}

/** hostnameFor is the hostname a pod publishes through the Service: its spec.hostname when its subdomain is the Service's name. */
export function hostnameFor(pod: JsonObject, svc: JsonObject): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace ? String(h) : undefined;
}

/** triggerTime is the latest change time among a Service and its pods (creation, Ready transition), for the last-change-trigger-time annotation. */
export function triggerTime(svc: JsonObject, pods: JsonObject[]): string | undefined {
  let best = '';
  const see = (s: unknown): void => { if (typeof s === 'string' && s > best) best = s; };
  see(svc.metadata?.creationTimestamp);
  for (const p of pods) {
    see(p.metadata?.creationTimestamp);
    see(((p.status?.conditions ?? []) as JsonObject[]).find((c) => c.type === 'Ready')?.lastTransitionTime);
  }
  return best || undefined;
}

/** serviceLabels are the labels copied from a Service onto its Endpoints/EndpointSlices (plus the headless marker). */
export function serviceLabels(svc: JsonObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

interface Addr { address: JsonObject; ready: boolean; ports: JsonObject[] }

/** desiredSubsets computes the subsets of a Service's Endpoints from its pods, grouped by port set and sorted; `truncated` when over capacity. */
export function desiredSubsets(svc: JsonObject, pods: JsonObject[]): { subsets: JsonObject[]; truncated: boolean } {
  const publish = svc.spec?.publishNotReadyAddresses === true;
  const fam = serviceFamily(svc);
  const svcPorts = (svc.spec?.ports ?? []) as JsonObject[];
  const addrs: Addr[] = [];
  for (const pod of pods) {
    if (!podIncluded(pod, publish)) continue;
    const ips = podIPs(pod);
    const ip = fam ? ips.find((x) => ipFamilyOf(x) === fam) : ips[0];
    if (!ip) continue;
    const address: JsonObject = { ip };
    const host = hostnameFor(pod, svc);
    if (host) address.hostname = host;
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    address.targetRef = { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid };
    const ready = publish || isPodReady(pod);
    const ports: JsonObject[] = [];
    for (const sp of svcPorts) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    if (svcPorts.length && !ports.length) continue;
    if (!svcPorts.length && svc.spec?.clusterIP !== 'None') continue;
    addrs.push({ address, ready, ports });
  }
  const groups = new Map<string, { ports: JsonObject[]; addresses: JsonObject[]; notReady: JsonObject[] }>();
  for (const a of addrs) {
    const ports = [...a.ports].sort((x, y) => stableJson(x).localeCompare(stableJson(y)));
    const k = stableJson(ports);
    let g = groups.get(k);
    if (!g) { g = { ports, addresses: [], notReady: [] }; groups.set(k, g); }
    (a.ready ? g.addresses : g.notReady).push(a.address);
  }
  const byAddr = (x: JsonObject, y: JsonObject): number => x.ip.localeCompare(y.ip) || String(x.targetRef?.uid).localeCompare(String(y.targetRef?.uid));
  let total = 0;
  for (const g of groups.values()) total += g.addresses.length + g.notReady.length;
  const truncated = total > MAX_ENDPOINTS_ADDRESSES;
  const subsets: JsonObject[] = [];
  for (const [, g] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    g.addresses.sort(byAddr);
    g.notReady.sort(byAddr);
    if (truncated) {
      // Each subset keeps its share of the capacity, ready addresses first.
      const n = g.addresses.length + g.notReady.length;
      let keep = Math.floor((n * MAX_ENDPOINTS_ADDRESSES) / total);
      g.addresses = g.addresses.slice(0, keep);
      keep -= g.addresses.length;
      g.notReady = g.notReady.slice(0, Math.max(0, keep));
    }
    const ss: JsonObject = {};
    if (g.addresses.length) ss.addresses = g.addresses;
    if (g.notReady.length) ss.notReadyAddresses = g.notReady;
    if (g.ports.length) ss.ports = g.ports;
    if (g.addresses.length || g.notReady.length) subsets.push(ss);
  }
  return { subsets, truncated };
}

/** newEndpointsController wires service, pod and endpoints informers to the Endpoints reconcile. */
export function newEndpointsController(ctx: ControllerContext): Controller {
  const { client } = ctx;
  const services = ctx.factory.forResource(RESOURCES.services);
  const pods = ctx.factory.forResource(RESOURCES.pods);
  const endpoints = ctx.factory.forResource(RESOURCES.endpoints);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'endpoints' });
  const written = new WrittenCache();
  wireServiceQueue(services, pods, queue);
  endpoints.addEventHandler({ delete: (x) => { const k = objectKey(objectOf(x)); if (services.cache.get(k)) queue.add(k); } });

  async function reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = services.cache.get(key);
    if (!svc) {
      try { await client.delete(RESOURCES.endpoints, namespace, name); } catch (e) { if (!isStatusError(e, 404)) throw e; }
      return;
    }
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    if (!selector || !Object.keys(selector).length) return;
    const selected = pods.cache.byNamespace(namespace).filter((p) => selectorMatches(selector, p.metadata?.labels));
    const { subsets, truncated } = desiredSubsets(svc, selected);
    const current = written.freshest(key, endpoints.cache.get(key));
    const labels = serviceLabels(svc);
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const same = current && stableJson(current.subsets ?? []) === stableJson(subsets) && stableJson(current.metadata?.labels ?? {}) === stableJson(labels)
      && stableJson(current.metadata?.annotations ?? {}) === stableJson(annotations);
    if (same) return;
    const trigger = triggerTime(svc, selected);
    if (trigger) annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = trigger;
    const meta: JsonObject = { name, namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) };
    if (!current) {
      try {
        written.remember(key, await client.create(RESOURCES.endpoints, namespace, { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets }));
      } catch (e) {
        // AlreadyExists: the cache is behind; its event will bring the key back.
        if (isStatusError(e, 409)) return;
        if (isStatusError(e, 403) && /being terminated/.test(e.message)) return;
        throw e;
      }
      return;
    }
    written.remember(key, await client.update(RESOURCES.endpoints, namespace, { ...current, metadata: { ...current.metadata, labels, annotations }, subsets }));
  }

  return { name: 'endpoints', queue, informers: [services, pods, endpoints], workers: 4, reconcile };
}
