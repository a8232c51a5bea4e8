/**
 * @module api/conversion — conversion between the versions of kinds served in several versions
 * over one storage: HorizontalPodAutoscaler (autoscaling/v1 ⇄ autoscaling/v2) and Event
 * (core v1 ⇄ events.k8s.io/v1). Pure functions over decoded JSON: results never share structure
 * with their input. The apiserver converts on write to the storage version and on read to the
 * request's version; `fieldLabelConversions` maps a version's field selector labels to the
 * storage version's.
 */
import { gvkKey, type JsonObject } from '../kinds/types.ts';
import { coreEventToEventsV1, EVENTS_V1_FIELD_LABELS, eventsV1ToCoreEvent } from './events.ts';
import { hpaV1ToV2, hpaV2ToV1 } from './hpa.ts';

export { hpaV1ToV2, hpaV2ToV1, HPA_BEHAVIOR_ANNOTATION, HPA_CONDITIONS_ANNOTATION, HPA_CURRENT_METRICS_ANNOTATION, HPA_METRICS_ANNOTATION } from './hpa.ts';
export { coreEventToEventsV1, eventsV1ToCoreEvent, EVENTS_V1_FIELD_LABELS } from './events.ts';

/** KindConversion converts objects of one kind between the apiVersions it lists. */
export interface KindConversion {
  /** apiVersions: every apiVersion ("v1", "autoscaling/v2") this conversion reads and writes. */
  readonly apiVersions: readonly string[];
  /** convert returns `obj` (whose apiVersion must be one of `apiVersions`) as `toApiVersion`, a new object; throws on an unsupported version (a bug). */
  convert(obj: JsonObject, toApiVersion: string): JsonObject;
}

type Step = (o: JsonObject) => JsonObject;

function pairwise(kind: string, steps: Readonly<Record<string, Step>>): KindConversion {
  const apiVersions = [...new Set(Object.keys(steps).flatMap((k) => k.split(' -> ')))];
  return {
    apiVersions,
    convert(obj: JsonObject, toApiVersion: string): JsonObject {
      const from = String(obj.apiVersion ?? '');
      if (from === toApiVersion && apiVersions.includes(from)) {
        const copy = structuredClone(obj);
        copy.kind = kind;
        return copy;
      }
      const step = steps[`${from} -> ${toApiVersion}`];
      if (!step) throw new Error(`conversion of ${kind} from "${from}" to "${toApiVersion}" is not supported`);
      return step(obj);
    },
  };
}

const hpa = pairwise('HorizontalPodAutoscaler', {
  'autoscaling/v1 -> autoscaling/v2': hpaV1ToV2,
  'autoscaling/v2 -> autoscaling/v1': hpaV2ToV1,
});

const event = pairwise('Event', {
  'v1 -> events.k8s.io/v1': coreEventToEventsV1,
  'events.k8s.io/v1 -> v1': eventsV1ToCoreEvent,
});

/** conversions maps gvkKey(group, kind) to the conversion among that kind's versions (both Event groups share one). */
export const conversions: Readonly<Record<string, KindConversion>> = {
  [gvkKey('autoscaling', 'HorizontalPodAutoscaler')]: hpa,
  [gvkKey('', 'Event')]: event,
  [gvkKey('events.k8s.io', 'Event')]: event,
};

/** needsConversion tells whether objects of `kind` in `group` are converted between served versions. */
export function needsConversion(group: string, kind: string): boolean {
  return Object.hasOwn(conversions, gvkKey(group, kind));
}

/** fieldLabelConversions maps "group/version/Kind" to its field selector labels and the storage version's label for each
 * (a label absent from the map is not supported). Kinds not listed select on their own labels. */
export const fieldLabelConversions: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'events.k8s.io/v1/Event': EVENTS_V1_FIELD_LABELS,
};
