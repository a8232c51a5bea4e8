/**
 * @module api/defaults/pod — PodSpec defaulting as the apiserver does it: policies, scheduler,
 * grace period, security context, per-container pull policy, termination
 * message, port protocols, probe timings, volume modes; for a Pod (not a template) also service
 * links, requests copied from limits and host-network ports.
 */
import type { JsonObject } from '../kinds/types.ts';

const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** setDefault sets `o[k] = v` when the field is absent (undefined or null). */
export function setDefault(o: JsonObject, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** ensureObject returns `o[k]`, creating `{}` when absent. */
export function ensureObject(o: JsonObject, k: string): JsonObject {
  if (!isObj(o[k])) o[k] = {};
  return o[k] as JsonObject;
}

/** imagePullPolicyFor returns Always for `:latest` or untagged images (digests excluded), else IfNotPresent. */
export function imagePullPolicyFor(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  const colon = tail.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return tail.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  if (isObj(p.httpGet)) { setDefault(p.httpGet, 'path', '/'); setDefault(p.httpGet, 'scheme', 'HTTP'); }
}

function defaultContainer(c: JsonObject): void {
  setDefault(c, 'imagePullPolicy', typeof c.image === 'string' && c.image !== '' ? imagePullPolicyFor(c.image) : 'IfNotPresent');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const p of list(c.ports)) setDefault(p, 'protocol', 'TCP');
  for (const e of list(c.env)) {
    if (isObj(e.valueFrom) && isObj(e.valueFrom.fieldRef)) setDefault(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: JsonObject): void {
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) if (isObj(v[k])) setDefault(v[k], 'defaultMode', 420);
  if (isObj(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObj(v.iscsi)) setDefault(v.iscsi, 'iscsiInterface', 'default');
  if (isObj(v.azureDisk)) { setDefault(v.azureDisk, 'cachingMode', 'ReadWrite'); setDefault(v.azureDisk, 'fsType', 'ext4'); setDefault(v.azureDisk, 'readOnly', false); setDefault(v.azureDisk, 'kind', 'Shared'); }
  if (isObj(v.downwardAPI)) for (const i of list(v.downwardAPI.items)) if (isObj(i.fieldRef)) setDefault(i.fieldRef, 'apiVersion', 'v1');
}

/** defaultPodSpec fills a PodSpec's defaults in place. */
export function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
  // No spec.priority: the Priority admission plugin resolves it from the class (or the global
  // default class), and refuses a pod that already names another value, as upstream.
}

/** defaultPodTemplate fills a PodTemplateSpec's pod defaults (in place; absent spec is left absent). */
export function defaultPodTemplate(tmpl: unknown): void {
  if (isObj(tmpl) && isObj(tmpl.spec)) defaultPodSpec(tmpl.spec);
}

/** defaultPod fills a Pod's defaults in place. */
export function defaultPod(pod: JsonObject): void {
  const spec = ensureObject(pod, 'spec');
  defaultPodSpec(spec);
  // A Pod's defaults only, as upstream's SetDefaults_Pod: pod templates carry none of them (a
  // template's requests copied from its limits, or host ports from its container ports, would
  // outlive a later change of those).
  setDefault(spec, 'enableServiceLinks', true);
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    if (hostNetwork) for (const p of list(c.ports)) if (p.hostPort === undefined || p.hostPort === null || p.hostPort === 0) p.hostPort = p.containerPort;
    const res = c.resources;
    if (!isObj(res) || !isObj(res.limits)) continue;
    const req = ensureObject(res, 'requests');
    for (const [k, v] of Object.entries(res.limits)) setDefault(req, k, v);
  }
}
