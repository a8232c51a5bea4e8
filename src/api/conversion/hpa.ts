/**
 * @module api/conversion/hpa — HorizontalPodAutoscaler between autoscaling/v2 (the storage
 * version) and autoscaling/v1, as upstream converts it: v1 `targetCPUUtilizationPercentage` is the
 * first CPU Resource metric with a Utilization target, v1 `currentCPUUtilizationPercentage` the
 * CPU utilization of the current metrics, and whatever v1 cannot express (other metrics, current
 * metrics, behavior, conditions) travels in v1 annotations so that v2 → v1 → v2 keeps it. The
 * behavior annotation holds upstream's internal (Go field name) encoding. Annotation payloads that
 * do not decode are ignored, as upstream ignores them.
 */
import type { JsonObject } from '../kinds/types.ts';
import { asObjectList, BadPayload, clone, field, has, isObj, obj, put, readInt, readList, readQuantity, readStr } from './json.ts';
import { metricSpecFromV1, metricSpecToV1, metricStatusFromV1, metricStatusToV1 } from './hpa-metrics.ts';

/** HPA_METRICS_ANNOTATION holds the v2 metrics a v1 object cannot express (JSON list of v1 MetricSpec). */
export const HPA_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
/** HPA_CURRENT_METRICS_ANNOTATION holds every v2 current metric (JSON list of v1 MetricStatus). */
export const HPA_CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
/** HPA_BEHAVIOR_ANNOTATION holds the v2 scaling behavior in upstream's internal JSON form. */
export const HPA_BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
/** HPA_CONDITIONS_ANNOTATION holds the v2 status conditions (JSON list of conditions). */
export const HPA_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';

const ROUND_TRIP = [HPA_METRICS_ANNOTATION, HPA_CURRENT_METRICS_ANNOTATION, HPA_BEHAVIOR_ANNOTATION, HPA_CONDITIONS_ANNOTATION];
const KIND = 'HorizontalPodAutoscaler';

function isCpu(src: unknown): src is JsonObject {
  return isObj(src) && src.name === 'cpu';
}

/** dropRoundTrip removes the round-trip annotations from a copied metadata (and an emptied map). */
function dropRoundTrip(meta: JsonObject): void {
  if (!isObj(meta.annotations)) return;
  for (const k of ROUND_TRIP) delete meta.annotations[k];
  if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
}

function copyScalars(from: JsonObject, to: JsonObject, keys: readonly string[]): void {
  for (const k of keys) if (from[k] !== undefined) to[k] = clone(from[k]);
}

function rulesToInternal(r: unknown): JsonObject | null {
  if (!isObj(r)) return null;
  return {
    StabilizationWindowSeconds: has(r.stabilizationWindowSeconds) ? r.stabilizationWindowSeconds : null,
    SelectPolicy: has(r.selectPolicy) ? r.selectPolicy : null,
    Policies: Array.isArray(r.policies) ? r.policies.map((p: unknown) => {
      const q = obj(p);
      return { Type: q.type ?? '', Value: q.value ?? 0, PeriodSeconds: q.periodSeconds ?? 0 };
    }) : null,
    Tolerance: has(r.tolerance) ? r.tolerance : null,
  };
}

function rulesFromInternal(v: unknown): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new BadPayload('scaling rules: not an object');
  const out: JsonObject = {};
  put(out, 'stabilizationWindowSeconds', readInt(v, 'StabilizationWindowSeconds'));
  put(out, 'selectPolicy', readStr(v, 'SelectPolicy'));
  const policies = readList(v, 'Policies');
  if (policies) out.policies = policies.map((p) => ({ type: readStr(p, 'Type') ?? '', value: readInt(p, 'Value') ?? 0, periodSeconds: readInt(p, 'PeriodSeconds') ?? 0 }));
  put(out, 'tolerance', readQuantity(v, 'Tolerance'));
  return out;
}

function conditionToV1(c: JsonObject): JsonObject {
  const out: JsonObject = { type: c.type ?? '', status: c.status ?? '', lastTransitionTime: has(c.lastTransitionTime) ? c.lastTransitionTime : null };
  if (c.reason) out.reason = c.reason;
  if (c.message) out.message = c.message;
  return out;
}

function conditionFromV1(p: JsonObject): JsonObject {
  const out: JsonObject = { type: readStr(p, 'type') ?? '', status: readStr(p, 'status') ?? '' };
  put(out, 'lastTransitionTime', readStr(p, 'lastTransitionTime'));
  const reason = readStr(p, 'reason');
  if (reason) out.reason = reason;
  const message = readStr(p, 'message');
  if (message) out.message = message;
  return out;
}

/** decodeAnnotation parses and decodes one round-trip annotation; undefined when absent or not decodable. */
function decodeAnnotation<T>(annotations: JsonObject, key: string, decode: (v: unknown) => T): T | undefined {
  const text = annotations[key];
  if (typeof text !== 'string') return undefined;
  try {
    return decode(JSON.parse(text));
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof BadPayload) return undefined;
    throw e;
  }
}

/** hpaV2ToV1 converts an autoscaling/v2 HorizontalPodAutoscaler to autoscaling/v1 (a new object). */
export function hpaV2ToV1(o: JsonObject): JsonObject {
  const out: JsonObject = { apiVersion: 'autoscaling/v1', kind: KIND };
  const meta: JsonObject = isObj(o.metadata) ? structuredClone(o.metadata) : {};
  dropRoundTrip(meta);
  const added: JsonObject = {};
  const spec = obj(o.spec);
  const status = obj(o.status);
  const metrics: JsonObject[] = Array.isArray(spec.metrics) ? spec.metrics.map(obj) : [];
  const currentMetrics: JsonObject[] = Array.isArray(status.currentMetrics) ? status.currentMetrics.map(obj) : [];
  const conditions: JsonObject[] = Array.isArray(status.conditions) ? status.conditions.map(obj) : [];

  const others = metrics.filter((m) => !(m.type === 'Resource' && isCpu(m.resource) && has(obj(m.resource.target).averageUtilization)));
  if (others.length > 0) added[HPA_METRICS_ANNOTATION] = JSON.stringify(others.map(metricSpecToV1));
  if (currentMetrics.length > 0) added[HPA_CURRENT_METRICS_ANNOTATION] = JSON.stringify(currentMetrics.map(metricStatusToV1));
  if (has(spec.behavior)) {
    const b = obj(spec.behavior);
    added[HPA_BEHAVIOR_ANNOTATION] = JSON.stringify({ ScaleUp: rulesToInternal(b.scaleUp), ScaleDown: rulesToInternal(b.scaleDown) });
  }
  if (conditions.length > 0) added[HPA_CONDITIONS_ANNOTATION] = JSON.stringify(conditions.map(conditionToV1));
  if (Object.keys(added).length > 0) meta.annotations = { ...obj(meta.annotations), ...added };
  if (o.metadata !== undefined || Object.keys(meta).length > 0) out.metadata = meta;

  if (o.spec !== undefined) {
    const s: JsonObject = {};
    copyScalars(spec, s, ['scaleTargetRef', 'minReplicas', 'maxReplicas']);
    for (const m of metrics) {
      if (m.type === 'Resource' && isCpu(m.resource)) {
        const u = obj(m.resource.target).averageUtilization;
        if (has(u)) s.targetCPUUtilizationPercentage = u;
        break;
      }
    }
    out.spec = s;
  }
  if (o.status !== undefined) {
    const s: JsonObject = {};
    copyScalars(status, s, ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']);
    for (const m of currentMetrics) {
      if (m.type === 'Resource' && isCpu(m.resource) && has(obj(m.resource.current).averageUtilization)) {
        s.currentCPUUtilizationPercentage = m.resource.current.averageUtilization;
      }
    }
    out.status = s;
  }
  return out;
}

/** hpaV1ToV2 converts an autoscaling/v1 HorizontalPodAutoscaler to autoscaling/v2 (a new object),
 * restoring what the round-trip annotations carry and dropping those annotations. */
export function hpaV1ToV2(o: JsonObject): JsonObject {
  const out: JsonObject = { apiVersion: 'autoscaling/v2', kind: KIND };
  const meta: JsonObject | undefined = isObj(o.metadata) ? structuredClone(o.metadata) : undefined;
  const annotations = obj(meta?.annotations);
  const spec = obj(o.spec);
  const status = obj(o.status);

  let s: JsonObject | undefined;
  if (o.spec !== undefined) {
    s = {};
    copyScalars(spec, s, ['scaleTargetRef', 'minReplicas', 'maxReplicas']);
    if (has(spec.targetCPUUtilizationPercentage)) {
      s.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }];
    }
  }
  const other = decodeAnnotation(annotations, HPA_METRICS_ANNOTATION, (v) => asObjectList(v).map(metricSpecFromV1));
  if (other) {
    s ??= {};
    const all = [...other, ...(Array.isArray(s.metrics) ? s.metrics : [])];
    if (all.length > 0) s.metrics = all;
    else delete s.metrics;
  }
  const behavior = decodeAnnotation(annotations, HPA_BEHAVIOR_ANNOTATION, (v) => {
    if (v === null) return undefined;
    if (!isObj(v)) throw new BadPayload('behavior: not an object');
    const up = rulesFromInternal(field(v, 'ScaleUp'));
    const down = rulesFromInternal(field(v, 'ScaleDown'));
    if (!up && !down) return undefined;
    const b: JsonObject = {};
    if (up) b.scaleUp = up;
    if (down) b.scaleDown = down;
    return b;
  });
  if (behavior) {
    s ??= {};
    s.behavior = behavior;
  }

  let st: JsonObject | undefined;
  if (o.status !== undefined) {
    st = {};
    copyScalars(status, st, ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']);
    if (has(status.currentCPUUtilizationPercentage)) {
      st.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
  }
  const cur = decodeAnnotation(annotations, HPA_CURRENT_METRICS_ANNOTATION, (v) => asObjectList(v).map(metricStatusFromV1));
  if (cur) {
    st ??= {};
    if (cur.length > 0) st.currentMetrics = cur;
    else delete st.currentMetrics;
  }
  const conditions = decodeAnnotation(annotations, HPA_CONDITIONS_ANNOTATION, (v) => asObjectList(v).map(conditionFromV1));
  if (conditions) {
    st ??= {};
    if (conditions.length > 0) st.conditions = conditions;
    else delete st.conditions;
  }

  if (meta) {
    dropRoundTrip(meta);
    out.metadata = meta;
  }
  if (s) out.spec = s;
  if (st) out.status = st;
  return out;
}
