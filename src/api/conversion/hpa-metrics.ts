/**
 * @module api/conversion/hpa-metrics — HorizontalPodAutoscaler metric sources and statuses between
 * the autoscaling/v2 shape (metric identifier + target/current value) and the autoscaling/v1
 * MetricSpec/MetricStatus shape that v1 objects carry JSON-encoded in their round-trip annotations,
 * field for field as upstream converts them (including its zero-value quantities "0").
 */
import type { JsonObject } from '../kinds/types.ts';
import { clone, has, obj, put, readInt, readObj, readQuantity, readStr, isObj } from './json.ts';

/** ZERO is how a zero resource.Quantity serializes. */
const ZERO = '0';

function xrefToV1(d: JsonObject): JsonObject {
  const out: JsonObject = { kind: typeof d.kind === 'string' ? d.kind : '', name: typeof d.name === 'string' ? d.name : '' };
  if (typeof d.apiVersion === 'string' && d.apiVersion !== '') out.apiVersion = d.apiVersion;
  return out;
}

function xrefFromV1(p: JsonObject | undefined): JsonObject {
  const d = p ?? {};
  const out: JsonObject = { kind: readStr(d, 'kind') ?? '', name: readStr(d, 'name') ?? '' };
  const av = readStr(d, 'apiVersion');
  if (av) out.apiVersion = av;
  return out;
}

function identifier(name: string | undefined, selector: JsonObject | undefined): JsonObject {
  const out: JsonObject = { name: name ?? '' };
  if (selector !== undefined) out.selector = clone(selector);
  return out;
}

/** metricSpecToV1 renders a v2 MetricSpec as a v1 MetricSpec (the `autoscaling.alpha.kubernetes.io/metrics` items). */
export function metricSpecToV1(m: JsonObject): JsonObject {
  const out: JsonObject = { type: typeof m.type === 'string' ? m.type : '' };
  if (isObj(m.object)) {
    const s = m.object; const t = obj(s.target); const id = obj(s.metric);
    const o: JsonObject = { target: xrefToV1(obj(s.describedObject)), metricName: id.name ?? '', targetValue: has(t.value) ? t.value : ZERO };
    put(o, 'selector', id.selector);
    put(o, 'averageValue', t.averageValue);
    out.object = o;
  }
  if (isObj(m.pods)) {
    const s = m.pods; const t = obj(s.target); const id = obj(s.metric);
    const o: JsonObject = { metricName: id.name ?? '', targetAverageValue: has(t.averageValue) ? t.averageValue : ZERO };
    put(o, 'selector', id.selector);
    out.pods = o;
  }
  if (isObj(m.resource)) {
    const s = m.resource; const t = obj(s.target);
    const o: JsonObject = { name: s.name ?? '' };
    put(o, 'targetAverageUtilization', t.averageUtilization);
    put(o, 'targetAverageValue', t.averageValue);
    out.resource = o;
  }
  if (isObj(m.containerResource)) {
    const s = m.containerResource; const t = obj(s.target);
    const o: JsonObject = { name: s.name ?? '' };
    put(o, 'targetAverageUtilization', t.averageUtilization);
    put(o, 'targetAverageValue', t.averageValue);
    o.container = s.container ?? '';
    out.containerResource = o;
  }
  if (isObj(m.external)) {
    const s = m.external; const t = obj(s.target); const id = obj(s.metric);
    const o: JsonObject = { metricName: id.name ?? '' };
    put(o, 'metricSelector', id.selector);
    put(o, 'targetValue', t.value);
    put(o, 'targetAverageValue', t.averageValue);
    out.external = o;
  }
  return out;
}

function target(type: string, value: unknown, averageValue: unknown, averageUtilization: unknown): JsonObject {
  const out: JsonObject = { type };
  put(out, 'value', value);
  put(out, 'averageValue', averageValue);
  put(out, 'averageUtilization', averageUtilization);
  return out;
}

/** metricSpecFromV1 decodes one v1 MetricSpec of the metrics annotation into a v2 MetricSpec (BadPayload on a type error). */
export function metricSpecFromV1(p: JsonObject): JsonObject {
  const out: JsonObject = { type: readStr(p, 'type') ?? '' };
  const object = readObj(p, 'object');
  if (object) {
    const tv = readQuantity(object, 'targetValue') ?? ZERO;
    const av = readQuantity(object, 'averageValue');
    out.object = {
      describedObject: xrefFromV1(readObj(object, 'target')),
      target: target(av === undefined ? 'Value' : 'AverageValue', tv, av, undefined),
      metric: identifier(readStr(object, 'metricName'), readObj(object, 'selector')),
    };
  }
  const pods = readObj(p, 'pods');
  if (pods) {
    out.pods = {
      metric: identifier(readStr(pods, 'metricName'), readObj(pods, 'selector')),
      target: target('AverageValue', undefined, readQuantity(pods, 'targetAverageValue') ?? ZERO, undefined),
    };
  }
  const resource = readObj(p, 'resource');
  if (resource) {
    const u = readInt(resource, 'targetAverageUtilization');
    out.resource = { name: readStr(resource, 'name') ?? '', target: target(u === undefined ? 'AverageValue' : 'Utilization', undefined, readQuantity(resource, 'targetAverageValue'), u) };
  }
  const cr = readObj(p, 'containerResource');
  if (cr) {
    const u = readInt(cr, 'targetAverageUtilization');
    out.containerResource = {
      name: readStr(cr, 'name') ?? '',
      target: target(u === undefined ? 'AverageValue' : 'Utilization', undefined, readQuantity(cr, 'targetAverageValue'), u),
      container: readStr(cr, 'container') ?? '',
    };
  }
  const external = readObj(p, 'external');
  if (external) {
    const v = readQuantity(external, 'targetValue');
    out.external = {
      metric: identifier(readStr(external, 'metricName'), readObj(external, 'metricSelector')),
      target: target(v === undefined ? 'AverageValue' : 'Value', v, readQuantity(external, 'targetAverageValue'), undefined),
    };
  }
  return out;
}

/** metricStatusToV1 renders a v2 MetricStatus as a v1 MetricStatus (the `autoscaling.alpha.kubernetes.io/current-metrics` items). */
export function metricStatusToV1(m: JsonObject): JsonObject {
  const out: JsonObject = { type: typeof m.type === 'string' ? m.type : '' };
  if (isObj(m.object)) {
    const s = m.object; const c = obj(s.current); const id = obj(s.metric);
    const o: JsonObject = { target: xrefToV1(obj(s.describedObject)), metricName: id.name ?? '', currentValue: has(c.value) ? c.value : ZERO };
    put(o, 'selector', id.selector);
    put(o, 'averageValue', c.averageValue);
    out.object = o;
  }
  if (isObj(m.pods)) {
    const s = m.pods; const c = obj(s.current); const id = obj(s.metric);
    const o: JsonObject = { metricName: id.name ?? '', currentAverageValue: has(c.averageValue) ? c.averageValue : ZERO };
    put(o, 'selector', id.selector);
    out.pods = o;
  }
  if (isObj(m.resource)) {
    const s = m.resource; const c = obj(s.current);
    const o: JsonObject = { name: s.name ?? '' };
    put(o, 'currentAverageUtilization', c.averageUtilization);
    o.currentAverageValue = has(c.averageValue) ? c.averageValue : ZERO;
    out.resource = o;
  }
  if (isObj(m.containerResource)) {
    const s = m.containerResource; const c = obj(s.current);
    const o: JsonObject = { name: s.name ?? '' };
    put(o, 'currentAverageUtilization', c.averageUtilization);
    o.currentAverageValue = has(c.averageValue) ? c.averageValue : ZERO;
    o.container = s.container ?? '';
    out.containerResource = o;
  }
  if (isObj(m.external)) {
    const s = m.external; const c = obj(s.current); const id = obj(s.metric);
    const o: JsonObject = { metricName: id.name ?? '' };
    put(o, 'metricSelector', id.selector);
    o.currentValue = has(c.value) ? c.value : ZERO;
    put(o, 'currentAverageValue', c.averageValue);
    out.external = o;
  }
  return out;
}

function current(value: unknown, averageValue: unknown, averageUtilization: unknown): JsonObject {
  const out: JsonObject = {};
  put(out, 'value', value);
  put(out, 'averageValue', averageValue);
  put(out, 'averageUtilization', averageUtilization);
  return out;
}

/** metricStatusFromV1 decodes one v1 MetricStatus of the current-metrics annotation into a v2 MetricStatus (BadPayload on a type error). */
export function metricStatusFromV1(p: JsonObject): JsonObject {
  const out: JsonObject = { type: readStr(p, 'type') ?? '' };
  const object = readObj(p, 'object');
  if (object) {
    out.object = {
      metric: identifier(readStr(object, 'metricName'), readObj(object, 'selector')),
      current: current(readQuantity(object, 'currentValue') ?? ZERO, readQuantity(object, 'averageValue'), undefined),
      describedObject: xrefFromV1(readObj(object, 'target')),
    };
  }
  const pods = readObj(p, 'pods');
  if (pods) {
    out.pods = {
      metric: identifier(readStr(pods, 'metricName'), readObj(pods, 'selector')),
      current: current(undefined, readQuantity(pods, 'currentAverageValue') ?? ZERO, undefined),
    };
  }
  const resource = readObj(p, 'resource');
  if (resource) {
    out.resource = {
      name: readStr(resource, 'name') ?? '',
      current: current(undefined, readQuantity(resource, 'currentAverageValue') ?? ZERO, readInt(resource, 'currentAverageUtilization')),
    };
  }
  const cr = readObj(p, 'containerResource');
  if (cr) {
    out.containerResource = {
      name: readStr(cr, 'name') ?? '',
      current: current(undefined, readQuantity(cr, 'currentAverageValue') ?? ZERO, readInt(cr, 'currentAverageUtilization')),
      container: readStr(cr, 'container') ?? '',
    };
  }
  const external = readObj(p, 'external');
  if (external) {
    out.external = {
      metric: identifier(readStr(external, 'metricName'), readObj(external, 'metricSelector')),
      current: current(readQuantity(external, 'currentValue') ?? ZERO, readQuantity(external, 'currentAverageValue'), undefined),
    };
  }
  return out;
}
