/**
 * @module api/conversion/events — Event between core `v1` (the storage version) and
 * `events.k8s.io/v1`, which is a view of the same objects with renamed fields
 * (message ↔ note, involvedObject ↔ regarding, source ↔ deprecatedSource, firstTimestamp ↔
 * deprecatedFirstTimestamp, lastTimestamp ↔ deprecatedLastTimestamp, count ↔ deprecatedCount,
 * reportingComponent ↔ reportingController); every other field keeps its name. Lossless both ways.
 */
import type { JsonObject } from '../kinds/types.ts';
import { clone } from './json.ts';

/** CORE_TO_EVENTS_V1 maps the core field names that events.k8s.io/v1 renames. */
const CORE_TO_EVENTS_V1: Readonly<Record<string, string>> = {
  involvedObject: 'regarding',
  message: 'note',
  source: 'deprecatedSource',
  firstTimestamp: 'deprecatedFirstTimestamp',
  lastTimestamp: 'deprecatedLastTimestamp',
  count: 'deprecatedCount',
  reportingComponent: 'reportingController',
};
const EVENTS_V1_TO_CORE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(CORE_TO_EVENTS_V1).map(([a, b]) => [b, a]));

/** Field order of each version's Event (as upstream's structs declare them). */
const CORE_FIELDS = ['metadata', 'involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type',
  'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'] as const;
const EVENTS_V1_FIELDS = ['metadata', 'eventTime', 'series', 'reportingController', 'reportingInstance', 'action', 'reason', 'regarding',
  'related', 'note', 'type', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount'] as const;

function rename(o: JsonObject, apiVersion: string, fields: readonly string[], from: Readonly<Record<string, string>>): JsonObject {
  const out: JsonObject = { apiVersion, kind: 'Event' };
  for (const f of fields) {
    const v = o[from[f] ?? f];
    if (v !== undefined) out[f] = clone(v);
  }
  return out;
}

/** coreEventToEventsV1 converts a core v1 Event to events.k8s.io/v1 (a new object). */
export function coreEventToEventsV1(o: JsonObject): JsonObject {
  return rename(o, 'events.k8s.io/v1', EVENTS_V1_FIELDS, EVENTS_V1_TO_CORE);
}

/** eventsV1ToCoreEvent converts an events.k8s.io/v1 Event to core v1 (a new object). */
export function eventsV1ToCoreEvent(o: JsonObject): JsonObject {
  return rename(o, 'v1', CORE_FIELDS, CORE_TO_EVENTS_V1);
}

/** EVENTS_V1_FIELD_LABELS maps the field selector labels events.k8s.io/v1 accepts to core Event labels (as upstream). */
export const EVENTS_V1_FIELD_LABELS: Readonly<Record<string, string>> = {
  'metadata.name': 'metadata.name',
  'metadata.namespace': 'metadata.namespace',
  reason: 'reason',
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reportingController: 'reportingComponent',
  type: 'type',
};
