/**
 * @module apiserver/scale — the autoscaling/v1 Scale view of a resource with a scale subresource:
 * reading it from the object via the KindInfo's ScalePaths and writing spec.replicas back.
 */
import { badRequest, invalid, type JsonObject, type KindInfo, type ScalePaths } from '../api/index.ts';

/** getPath reads a dot path (`spec.replicas`). */
export function getPath(obj: JsonObject, path: string): unknown {
  let v: any = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[k];
  }
  return v;
}

/** setPath writes a dot path, creating objects on the way. */
export function setPath(obj: JsonObject, path: string, value: unknown): void {
  const parts = path.split('.');
  let v: any = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (v[parts[i]] === null || typeof v[parts[i]] !== 'object') v[parts[i]] = {};
    v = v[parts[i]];
  }
  v[parts[parts.length - 1]] = value;
}

/** selectorString renders a metav1.LabelSelector (or a string) as `a=b,c in (d,e)`. */
export function selectorString(sel: unknown): string {
  if (typeof sel === 'string') return sel;
  if (!sel || typeof sel !== 'object') return '';
  const s = sel as JsonObject;
  if (!('matchLabels' in s) && !('matchExpressions' in s)) {
    return Object.entries(s).map(([k, v]) => `${k}=${String(v)}`).sort().join(',');
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries((s.matchLabels ?? {}) as Record<string, string>)) parts.push(`${k}=${v}`);
  for (const e of (s.matchExpressions ?? []) as JsonObject[]) {
    const vals = ((e.values ?? []) as string[]).slice().sort().join(',');
    switch (e.operator) {
      case 'In': parts.push(`${e.key} in (${vals})`); break;
      case 'NotIn': parts.push(`${e.key} notin (${vals})`); break;
      case 'Exists': parts.push(String(e.key)); break;
      case 'DoesNotExist': parts.push(`!${e.key}`); break;
      default: break;
    }
  }
  return parts.sort().join(',');
}

/** scaleOf renders the Scale of `obj`. */
export function scaleOf(obj: JsonObject, paths: ScalePaths): JsonObject {
  const m = obj.metadata ?? {};
  const status: JsonObject = { replicas: Number(getPath(obj, paths.statusReplicasPath) ?? 0) };
  if (paths.labelSelectorPath) {
    const sel = selectorString(getPath(obj, paths.labelSelectorPath));
    if (sel) status.selector = sel;
  }
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(getPath(obj, paths.specReplicasPath) ?? 0) },
    status,
  };
}

/** applyScale writes a Scale's spec.replicas into `obj` (a private copy) after validating it. */
export function applyScale(obj: JsonObject, scale: JsonObject, kind: KindInfo, paths: ScalePaths): JsonObject {
  if (scale.spec !== undefined && (scale.spec === null || typeof scale.spec !== 'object')) throw badRequest('spec must be an object');
  const r = scale.spec?.replicas ?? 0;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) {
    throw invalid('Scale', 'autoscaling', String(obj.metadata?.name ?? ''), [{ type: 'FieldValueInvalid', field: 'spec.replicas', badValue: r, detail: 'must be greater than or equal to 0' }]);
  }
  void kind;
  setPath(obj, paths.specReplicasPath, r);
  const rv = scale.metadata?.resourceVersion;
  if (rv) obj.metadata.resourceVersion = String(rv);
  else delete obj.metadata.resourceVersion;
  return obj;
}
