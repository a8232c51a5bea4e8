/**
 * @module agent/volumes/sources — what the API-data volumes hold: the payload (relative path →
 * bytes + mode) of a configMap, secret, downwardAPI or projected volume, read from the API as the
 * kubelet does (items select and rename keys, `mode`/`defaultMode` set permissions, `optional`
 * turns a missing object or key into an empty/absent file), or the kubelet's reason why not.
 */
import { isStatusError, parseQuantity, type JsonObject } from '../../api/index.ts';
import { RESOURCES, type ApiClient } from '../../client/index.ts';
import type { FileProjection } from './atomic-writer.ts';
import { DEFAULT_TOKEN_SECONDS, type TokenManager } from './token.ts';

/** DEFAULT_MODE is the default file mode of API-data volumes (0644). */
export const DEFAULT_MODE = 0o644;

/** PayloadResult is a volume's content, or the message of why it cannot be made. */
export type PayloadResult = { readonly ok: true; readonly payload: Map<string, FileProjection> } | { readonly ok: false; readonly message: string };

/** SourceContext is what resolving sources needs: the API, the token manager and the node's allocatable resources (for unset limits). */
export interface SourceContext {
  readonly client: ApiClient;
  readonly tokens: TokenManager;
  readonly pod: JsonObject;
  readonly nodeAllocatable: () => Promise<Record<string, unknown>>;
}

function fail(message: string): PayloadResult { return { ok: false, message }; }

async function getOptional(client: ApiClient, r: typeof RESOURCES.configmaps, ns: string, name: string): Promise<JsonObject | undefined> {
  try {
    return await client.get(r, ns, name);
  } catch (e) {
    if (isStatusError(e, 404)) return undefined;
    throw e;
  }
}

/** keyedPayload adds the keys of a configMap or secret (`entries`) to `out` per `items`. */
function keyedPayload(out: Map<string, FileProjection>, kind: 'configmap' | 'secret', entries: ReadonlyMap<string, Buffer>, items: unknown, defaultMode: number, optional: boolean): string {
  const list = Array.isArray(items) ? items as JsonObject[] : [];
  if (list.length === 0) {
    for (const [k, v] of entries) out.set(k, { data: v, mode: defaultMode });
    return '';
  }
  for (const it of list) {
    const data = entries.get(String(it.key));
    if (!data) {
      if (optional) continue;
      return kind === 'configmap' ? `configmap references non-existent config key: ${String(it.key)}` : `references non-existent secret key: ${String(it.key)}`;
    }
    out.set(String(it.path), { data, mode: typeof it.mode === 'number' ? it.mode : defaultMode });
  }
  return '';
}

function configMapEntries(cm: JsonObject): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, unknown>)) m.set(k, Buffer.from(String(v), 'utf8'));
  for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, unknown>)) m.set(k, Buffer.from(String(v), 'base64'));
  return m;
}

function secretEntries(s: JsonObject): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, unknown>)) m.set(k, Buffer.from(String(v), 'base64'));
  for (const [k, v] of Object.entries((s.stringData ?? {}) as Record<string, unknown>)) m.set(k, Buffer.from(String(v), 'utf8'));
  return m;
}

/** objectPayload adds a configMap or secret source (`{name, items, optional}`) to `out`; returns an error message or ''. */
async function objectPayload(ctx: SourceContext, out: Map<string, FileProjection>, kind: 'configmap' | 'secret', src: JsonObject, defaultMode: number): Promise<string> {
  const ns = String(ctx.pod.metadata?.namespace ?? 'default');
  const name = String(kind === 'configmap' ? src.name ?? '' : src.secretName ?? src.name ?? '');
  const optional = src.optional === true;
  const obj = name ? await getOptional(ctx.client, kind === 'configmap' ? RESOURCES.configmaps : RESOURCES.secrets, ns, name) : undefined;
  if (!obj) return optional ? '' : `${kind} "${name}" not found`;
  return keyedPayload(out, kind, kind === 'configmap' ? configMapEntries(obj) : secretEntries(obj), src.items, defaultMode, optional);
}

/** formatMap renders labels/annotations as the kubelet does: sorted `key="value"` lines. */
export function formatMap(m: Record<string, unknown>): string {
  return Object.keys(m).sort().map((k) => `${k}=${JSON.stringify(String(m[k]))}`).join('\n');
}

/** fieldValue extracts a downward API `fieldPath` of the pod, or undefined when it is not supported. */
export function fieldValue(pod: JsonObject, fieldPath: string): string | undefined {
  const md = pod.metadata ?? {};
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (sub) return String((md[sub[1]] ?? {})[sub[2]] ?? '');
  switch (fieldPath) {
    case 'metadata.name': return String(md.name ?? '');
    case 'metadata.namespace': return String(md.namespace ?? '');
    case 'metadata.uid': return String(md.uid ?? '');
    case 'metadata.labels': return formatMap(md.labels ?? {});
    case 'metadata.annotations': return formatMap(md.annotations ?? {});
    case 'spec.nodeName': return String(pod.spec?.nodeName ?? '');
    case 'spec.serviceAccountName': return String(pod.spec?.serviceAccountName ?? '');
    case 'status.hostIP': return String(pod.status?.hostIP ?? '');
    case 'status.podIP': return String(pod.status?.podIP ?? '');
    default: return undefined;
  }
}

/** resourceValue computes a resourceFieldRef (`limits.cpu` …) of `container`, ceil(quantity / divisor); unset limits fall back to `allocatable`. */
export function resourceValue(container: JsonObject, resource: string, divisor: unknown, allocatable: Record<string, unknown>): string | undefined {
  const [kind, name] = resource.split('.', 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) return undefined;
  const res = container.resources ?? {};
  let q = parseQuantity(res[kind]?.[name]);
  if (q === undefined && kind === 'limits') q = parseQuantity(allocatable[name]);
  q ??= 0;
  let d = divisor === undefined || divisor === null || divisor === '' ? 1 : parseQuantity(divisor);
  if (!d) d = 1;
  // Compare in milli-units for CPU (as the kubelet does) so 250m / 1m is exactly 250.
  const v = name === 'cpu' ? Math.ceil(Math.round(q * 1000) / Math.round(d * 1000)) : Math.ceil(q / d);
  return String(v);
}

/** downwardPayload adds downwardAPI `items` to `out`; returns an error message or ''. */
async function downwardPayload(ctx: SourceContext, out: Map<string, FileProjection>, items: unknown, defaultMode: number): Promise<string> {
  const list = Array.isArray(items) ? items as JsonObject[] : [];
  for (const it of list) {
    let value: string | undefined;
    if (it.fieldRef) {
      value = fieldValue(ctx.pod, String(it.fieldRef.fieldPath ?? ''));
      if (value === undefined) return `unsupported fieldPath: ${String(it.fieldRef.fieldPath)}`;
    } else if (it.resourceFieldRef) {
      const ref = it.resourceFieldRef as JsonObject;
      const all = [...(ctx.pod.spec?.initContainers ?? []), ...(ctx.pod.spec?.containers ?? [])] as JsonObject[];
      const c = all.find((x) => x.name === ref.containerName);
      if (!c) return `container ${String(ref.containerName)} not found`;
      const needsAllocatable = String(ref.resource).startsWith('limits.') && c.resources?.limits?.[String(ref.resource).slice(7)] === undefined;
      value = resourceValue(c, String(ref.resource), ref.divisor, needsAllocatable ? await ctx.nodeAllocatable() : {});
      if (value === undefined) return `unsupported container resource: ${String(ref.resource)}`;
    } else {
      continue;
    }
    out.set(String(it.path), { data: Buffer.from(value, 'utf8'), mode: typeof it.mode === 'number' ? it.mode : defaultMode });
  }
  return '';
}

function modeOf(src: JsonObject): number {
  return typeof src.defaultMode === 'number' ? src.defaultMode : DEFAULT_MODE;
}

/** configMapPayload resolves a `configMap` volume source. */
export async function configMapPayload(ctx: SourceContext, src: JsonObject): Promise<PayloadResult> {
  const out = new Map<string, FileProjection>();
  const err = await objectPayload(ctx, out, 'configmap', src, modeOf(src));
  return err ? fail(err) : { ok: true, payload: out };
}

/** secretPayload resolves a `secret` volume source. */
export async function secretPayload(ctx: SourceContext, src: JsonObject): Promise<PayloadResult> {
  const out = new Map<string, FileProjection>();
  const err = await objectPayload(ctx, out, 'secret', src, modeOf(src));
  return err ? fail(err) : { ok: true, payload: out };
}

/** downwardApiPayload resolves a `downwardAPI` volume source. */
export async function downwardApiPayload(ctx: SourceContext, src: JsonObject): Promise<PayloadResult> {
  const out = new Map<string, FileProjection>();
  const err = await downwardPayload(ctx, out, src.items, modeOf(src));
  return err ? fail(err) : { ok: true, payload: out };
}

/** projectedPayload resolves a `projected` volume source (serviceAccountToken, configMap, secret, downwardAPI sources). */
export async function projectedPayload(ctx: SourceContext, src: JsonObject): Promise<PayloadResult> {
  const out = new Map<string, FileProjection>();
  const mode = modeOf(src);
  const sources = Array.isArray(src.sources) ? src.sources as JsonObject[] : [];
  for (const s of sources) {
    let err = '';
    if (s.configMap) err = await objectPayload(ctx, out, 'configmap', s.configMap, mode);
    else if (s.secret) err = await objectPayload(ctx, out, 'secret', s.secret, mode);
    else if (s.downwardAPI) err = await downwardPayload(ctx, out, s.downwardAPI.items, mode);
    else if (s.serviceAccountToken) {
      const t = s.serviceAccountToken as JsonObject;
      const md = ctx.pod.metadata ?? {};
      try {
        const token = await ctx.tokens.token({
          namespace: String(md.namespace ?? 'default'), serviceAccount: String(ctx.pod.spec?.serviceAccountName || 'default'),
          podName: String(md.name ?? ''), podUid: String(md.uid ?? ''), audience: String(t.audience ?? ''),
          expirationSeconds: typeof t.expirationSeconds === 'number' ? t.expirationSeconds : DEFAULT_TOKEN_SECONDS,
        });
        out.set(String(t.path ?? 'token'), { data: Buffer.from(token, 'utf8'), mode });
      } catch (e) {
        err = (e as Error).message;
      }
    } else if (s.clusterTrustBundle) {
      err = 'clusterTrustBundle projections are not supported';
    }
    if (err) return fail(err);
  }
  return { ok: true, payload: out };
}
