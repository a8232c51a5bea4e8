/**
 * @module agent/pods/env — a container's environment as the kubelet builds it: `envFrom` sources
 * (ConfigMaps and Secrets, with prefix, `optional`, invalid names skipped and reported), then
 * `env` in order (literal values with `$(VAR)` expansion against the variables before them and
 * the service variables; `valueFrom` configMapKeyRef / secretKeyRef / fieldRef /
 * resourceFieldRef), then the docker-link style variables of services (the `kubernetes` Service
 * of `default` always, the pod namespace's services when enableServiceLinks is not false) that
 * the container did not define. Missing objects or keys yield kubelet's CreateContainerConfigError
 * messages. `expand` is the `$(VAR)` expansion also used for command and args.
 */
import { isStatusError, parseQuantity } from '../../api/index.ts';
import type { JsonObject } from '../../api/index.ts';
import { RESOURCES } from '../../client/index.ts';
import type { ApiClient } from '../../client/index.ts';

/** EnvVar is one resolved variable (CRI KeyValue). */
export interface EnvVar { readonly key: string; readonly value: string }

/** EnvContext is what env resolution reads besides the pod and container. */
export interface EnvContext {
  /** client reads ConfigMaps, Secrets and Services; absent = literal values only (hollow nodes). */
  readonly client?: ApiClient;
  readonly podIps: readonly string[];
  readonly hostIps: readonly string[];
  /** allocatable gives the node's allocatable cpu (cores) and memory (bytes): the default of resourceFieldRef limits. */
  readonly allocatable?: () => Promise<Readonly<Record<string, number>>>;
}

/** EnvResult: the variables, or why they cannot be built (a CreateContainerConfigError message); `skipped` lists envFrom warnings. */
export type EnvResult =
  | { readonly ok: true; readonly envs: readonly EnvVar[]; readonly skipped: readonly string[] }
  | { readonly ok: false; readonly message: string };

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** isEnvVarName tells a valid environment variable name (C identifier with `-` and `.` allowed). */
export function isEnvVarName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** expand replaces `$(VAR)` with the value `lookup` gives (unknown references stay as written) and `$$` with `$`. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) { out += ch; i++; continue; }
    const next = input[i + 1];
    if (next === '$') { out += '$'; i += 2; continue; }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) { out += '$('; i += 2; continue; }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v ?? `$(${name})`;
      i = close + 1;
      continue;
    }
    out += `$${next}`;
    i += 2;
  }
  return out;
}

/** serviceEnvName turns a service or port name into an environment variable name part. */
const envPart = (s: string): string => s.replace(/-/g, '_').toUpperCase();

/** serviceLinkEnv renders the docker-link style variables of services with a cluster IP (sorted by name). */
export function serviceLinkEnv(services: readonly JsonObject[]): EnvVar[] {
  const out: EnvVar[] = [];
  const sorted = [...services].sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  for (const s of sorted) {
    const ip = String(s.spec?.clusterIP ?? '');
    const ports = (s.spec?.ports ?? []) as JsonObject[];
    if (!ip || ip === 'None' || ports.length === 0) continue;
    const p = envPart(String(s.metadata?.name));
    const host = ip.includes(':') ? `[${ip}]` : ip;
    out.push({ key: `${p}_SERVICE_HOST`, value: ip }, { key: `${p}_SERVICE_PORT`, value: String(ports[0].port) });
    for (const sp of ports) if (sp.name) out.push({ key: `${p}_SERVICE_PORT_${envPart(String(sp.name))}`, value: String(sp.port) });
    ports.forEach((sp, i) => {
      const proto = String(sp.protocol ?? 'TCP');
      const url = `${proto.toLowerCase()}://${host}:${String(sp.port)}`;
      if (i === 0) out.push({ key: `${p}_PORT`, value: url });
      const pp = `${p}_PORT_${String(sp.port)}_${proto.toUpperCase()}`;
      out.push({ key: pp, value: url }, { key: `${pp}_PROTO`, value: proto.toLowerCase() }, { key: `${pp}_PORT`, value: String(sp.port) }, { key: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/** fieldValue resolves a downward-API fieldRef path for env (`metadata.labels['k']`, `status.podIP`, …); undefined for an unsupported path. */
export function fieldValue(pod: JsonObject, path: string, podIps: readonly string[], hostIps: readonly string[]): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return String(pod.metadata?.[m[1]]?.[m[2]] ?? '');
  switch (path) {
    case 'metadata.name': return String(pod.metadata?.name ?? '');
    case 'metadata.namespace': return String(pod.metadata?.namespace ?? '');
    case 'metadata.uid': return String(pod.metadata?.uid ?? '');
    case 'spec.nodeName': return String(pod.spec?.nodeName ?? '');
    case 'spec.serviceAccountName': return String(pod.spec?.serviceAccountName ?? '');
    case 'status.hostIP': return hostIps[0] ?? '';
    case 'status.hostIPs': return hostIps.join(',');
    case 'status.podIP': return podIps[0] ?? '';
    case 'status.podIPs': return podIps.join(',');
    default: return undefined;
  }
}

/** resourceValue renders a resourceFieldRef (`limits.cpu`, `requests.memory`, …) with its divisor, rounding up as kubelet does. */
export function resourceValue(container: JsonObject, resource: string, divisor: unknown, allocatable: Readonly<Record<string, number>>): string {
  const [kind, name] = resource.split('.', 2) as [string, string];
  const section = (kind === 'limits' ? container.resources?.limits : container.resources?.requests) ?? {};
  let v = parseQuantity(section[name]);
  if (v === undefined && kind === 'limits') v = allocatable[name];
  v ??= 0;
  const d = parseQuantity(divisor) ?? 1;
  if (name === 'cpu') {
    const milli = Math.round(v * 1000);
    const dm = Math.max(1, Math.round(d * 1000));
    return String(Math.ceil(milli / dm));
  }
  return String(Math.ceil(Math.round(v) / Math.max(1, Math.round(d))));
}

const decode = (b64: unknown): string => Buffer.from(typeof b64 === 'string' ? b64 : '', 'base64').toString('utf8');

/** Lookup caches the objects one resolution reads (each ConfigMap or Secret is fetched once). */
class Lookup {
  readonly #cache = new Map<string, Promise<JsonObject | undefined>>();
  readonly #client: ApiClient;
  readonly #ns: string;
  constructor(client: ApiClient, ns: string) { this.#client = client; this.#ns = ns; }
  get(kind: 'configmaps' | 'secrets', name: string): Promise<JsonObject | undefined> {
    const key = `${kind}/${name}`;
    let p = this.#cache.get(key);
    if (!p) {
      p = this.#client.get(RESOURCES[kind], this.#ns, name).then((o) => o, (e: unknown) => {
        if (isStatusError(e, 404)) return undefined;
        throw e;
      });
      this.#cache.set(key, p);
    }
    return p;
  }
}

/** sourceData gives a ConfigMap's data or a Secret's decoded data. */
function sourceData(kind: 'configmaps' | 'secrets', obj: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) out[k] = kind === 'secrets' ? decode(v) : String(v);
  return out;
}

const notFound = (kind: 'configmaps' | 'secrets', name: string): string => `${kind === 'configmaps' ? 'configmap' : 'secret'} "${name}" not found`;
const noKey = (kind: 'configmaps' | 'secrets', key: string, ns: string, name: string): string => `couldn't find key ${key} in ${kind === 'configmaps' ? 'ConfigMap' : 'Secret'} ${ns}/${name}`;

/** serviceEnvOf lists the services whose link variables a pod gets (the kubernetes Service of default always). */
async function serviceEnvOf(client: ApiClient, pod: JsonObject): Promise<EnvVar[]> {
  const ns = String(pod.metadata?.namespace ?? 'default');
  const byName = new Map<string, JsonObject>();
  if (pod.spec?.enableServiceLinks !== false) {
    for (const s of (await client.list(RESOURCES.services, ns)).items) byName.set(String(s.metadata?.name), s);
  }
  if (!byName.has('kubernetes') || ns !== 'default') {
    try {
      const k = await client.get(RESOURCES.services, 'default', 'kubernetes');
      if (!byName.has('kubernetes')) byName.set('kubernetes', k);
    } catch (e) { if (!isStatusError(e, 404)) throw e; }
  }
  return serviceLinkEnv([...byName.values()]);
}

/** resolveEnv builds a container's environment in kubelet's order (see the module comment). */
export async function resolveEnv(pod: JsonObject, container: JsonObject, ctx: EnvContext): Promise<EnvResult> {
  const ns = String(pod.metadata?.namespace ?? 'default');
  const client = ctx.client;
  const look = client ? new Lookup(client, ns) : undefined;
  const svc = client ? await serviceEnvOf(client, pod) : [];
  const svcMap = new Map(svc.map((e) => [e.key, e.value]));
  const vars = new Map<string, string>();
  const skipped: string[] = [];
  if (look) {
    for (const ef of (container.envFrom ?? []) as JsonObject[]) {
      const kind = ef.configMapRef ? 'configmaps' : ef.secretRef ? 'secrets' : undefined;
      if (!kind) continue;
      const ref = (ef.configMapRef ?? ef.secretRef) as JsonObject;
      const name = String(ref.name ?? '');
      const obj = await look.get(kind, name);
      if (!obj) { if (ref.optional === true) continue; return { ok: false, message: notFound(kind, name) }; }
      const bad: string[] = [];
      for (const [k, v] of Object.entries(sourceData(kind, obj))) {
        const key = `${String(ef.prefix ?? '')}${k}`;
        if (!isEnvVarName(key)) { bad.push(key); continue; }
        vars.set(key, v);
      }
      if (bad.length > 0) skipped.push(`Keys [${bad.sort().join(', ')}] from the EnvFrom ${kind === 'configmaps' ? 'configMap' : 'secret'} ${ns}/${name} were skipped since they are considered invalid environment variable names.`);
    }
  }
  let allocatable: Readonly<Record<string, number>> | undefined;
  const lookup = (n: string): string | undefined => vars.get(n) ?? svcMap.get(n);
  for (const e of (container.env ?? []) as JsonObject[]) {
    const name = String(e.name);
    if (typeof e.value === 'string' && e.value !== '') { vars.set(name, expand(e.value, lookup)); continue; }
    const from = e.valueFrom as JsonObject | undefined;
    if (!from) { vars.set(name, ''); continue; }
    if (from.fieldRef) {
      vars.set(name, fieldValue(pod, String(from.fieldRef.fieldPath), ctx.podIps, ctx.hostIps) ?? '');
      continue;
    }
    if (from.resourceFieldRef) {
      const r = from.resourceFieldRef as JsonObject;
      const target = r.containerName ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c: JsonObject) => c.name === r.containerName) ?? container : container;
      allocatable ??= ctx.allocatable ? await ctx.allocatable() : {};
      vars.set(name, resourceValue(target as JsonObject, String(r.resource), r.divisor, allocatable));
      continue;
    }
    const kind = from.configMapKeyRef ? 'configmaps' : from.secretKeyRef ? 'secrets' : undefined;
    if (!kind || !look) continue;
    const ref = (from.configMapKeyRef ?? from.secretKeyRef) as JsonObject;
    const objName = String(ref.name ?? '');
    const key = String(ref.key ?? '');
    const obj = await look.get(kind, objName);
    if (!obj) { if (ref.optional === true) continue; return { ok: false, message: notFound(kind, objName) }; }
    const data = sourceData(kind, obj);
    if (!(key in data)) { if (ref.optional === true) continue; return { ok: false, message: noKey(kind, key, ns, objName) }; }
    vars.set(name, data[key]);
  }
  const envs: EnvVar[] = [...vars].map(([key, value]) => ({ key, value }));
  for (const e of svc) if (!vars.has(e.key)) envs.push(e);
  return { ok: true, envs, skipped };
}
