/**
 * @module controllers/statefulset-pods — a StatefulSet pod's stable identity and storage: names
 * `<set>-<ordinal>`, the pod-name / pod-index labels, hostname and subdomain, the PVCs
 * `<template>-<set>-<ordinal>` from volumeClaimTemplates, and the owner references that
 * persistentVolumeClaimRetentionPolicy asks of those claims.
 */
import type { JsonObject } from '../api/index.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from './controller-revision.ts';
import { ownerReference, podFromTemplate, type OwnerReference } from './workload.ts';

/** POD_NAME_LABEL carries the pod's own name, so a Service can select one replica. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** POD_INDEX_LABEL carries the pod's ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** SET_KIND is the apiVersion/kind of a StatefulSet owner reference. */
export const SET_KIND = { apiVersion: 'apps/v1', kind: 'StatefulSet' } as const;

/** setRef is the controller reference a StatefulSet puts on its pods and claims. */
export function setRef(set: JsonObject): OwnerReference {
  return ownerReference(set, SET_KIND.apiVersion, SET_KIND.kind);
}

/** podName is `<set>-<ordinal>`. */
export function podName(set: JsonObject, ordinal: number): string {
  return `${String(set.metadata?.name)}-${ordinal}`;
}

/** parentAndOrdinal splits a pod name `<parent>-<ordinal>`; ordinal -1 when it has none. */
export function parentAndOrdinal(pod: JsonObject): { parent: string; ordinal: number } {
  const m = /^(.*)-(\d+)$/.exec(String(pod.metadata?.name ?? ''));
  return m ? { parent: m[1], ordinal: Number(m[2]) } : { parent: '', ordinal: -1 };
}

/** ordinalOf is the pod's ordinal (-1 when its name has none). */
export function ordinalOf(pod: JsonObject): number { return parentAndOrdinal(pod).ordinal; }

/** isMemberOf says whether a pod's name makes it one of the set's replicas. */
export function isMemberOf(set: JsonObject, pod: JsonObject): boolean {
  return parentAndOrdinal(pod).parent === set.metadata?.name;
}

/** startOrdinal is spec.ordinals.start (0 by default). */
export function startOrdinal(set: JsonObject): number {
  return Number(set.spec?.ordinals?.start ?? 0) || 0;
}

/** replicaCount is spec.replicas (1 by default). */
export function replicaCount(set: JsonObject): number {
  const r = set.spec?.replicas;
  return typeof r === 'number' ? r : 1;
}

/** inRange says whether an ordinal is one of the set's wanted replicas. */
export function inRange(set: JsonObject, ordinal: number): boolean {
  const start = startOrdinal(set);
  return ordinal >= start && ordinal < start + replicaCount(set);
}

/** claimTemplates lists spec.volumeClaimTemplates. */
export function claimTemplates(set: JsonObject): JsonObject[] {
  return Array.isArray(set.spec?.volumeClaimTemplates) ? (set.spec.volumeClaimTemplates as JsonObject[]) : [];
}

/** claimName is `<template>-<set>-<ordinal>`. */
export function claimName(template: JsonObject, set: JsonObject, ordinal: number): string {
  return `${String(template.metadata?.name)}-${podName(set, ordinal)}`;
}

/** podRevision is the revision (name) a pod was made from. */
export function podRevision(pod: JsonObject): string {
  return String(pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '');
}

/** newStatefulSetPod builds replica `ordinal` of `set` from `template`, labelled with revision `revisionName`. */
export function newStatefulSetPod(set: JsonObject, template: JsonObject, revisionName: string, ordinal: number): JsonObject {
  const name = podName(set, ordinal);
  const pod = podFromTemplate(template, String(set.metadata?.namespace), setRef(set), { name, labels: { [CONTROLLER_REVISION_HASH_LABEL]: revisionName } });
  updateIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

/** identityMatches says whether a pod has the name, labels, hostname and subdomain its ordinal implies. */
export function identityMatches(set: JsonObject, pod: JsonObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  const name = String(pod.metadata?.name);
  return ordinal >= 0 && parent === set.metadata?.name && pod.metadata?.namespace === set.metadata?.namespace
    && pod.metadata?.labels?.[POD_NAME_LABEL] === name && pod.metadata?.labels?.[POD_INDEX_LABEL] === String(ordinal)
    && pod.spec?.hostname === name && (pod.spec?.subdomain ?? '') === (set.spec?.serviceName ?? '');
}

/** updateIdentity sets the pod-name / pod-index labels, hostname and subdomain (in place). */
export function updateIdentity(set: JsonObject, pod: JsonObject): void {
  const name = String(pod.metadata?.name);
  pod.metadata ??= {};
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinalOf(pod)) };
  pod.spec ??= {};
  pod.spec.hostname = name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  else delete pod.spec.subdomain;
}

/** storageMatches says whether every claim template is mounted from the pod's own claim. */
export function storageMatches(set: JsonObject, pod: JsonObject): boolean {
  const ordinal = ordinalOf(pod);
  const vols = (pod.spec?.volumes ?? []) as JsonObject[];
  return claimTemplates(set).every((t) => vols.some((v) => v.name === t.metadata?.name && v.persistentVolumeClaim?.claimName === claimName(t, set, ordinal)));
}

/** updateStorage points each claim template's volume at the pod's own claim (in place; other volumes stay). */
export function updateStorage(set: JsonObject, pod: JsonObject): void {
  const ordinal = ordinalOf(pod);
  const templates = claimTemplates(set);
  if (!templates.length) return;
  const names = new Set(templates.map((t) => String(t.metadata?.name)));
  const others = ((pod.spec?.volumes ?? []) as JsonObject[]).filter((v) => !names.has(String(v.name)));
  pod.spec.volumes = [
    ...templates.map((t) => ({ name: t.metadata?.name, persistentVolumeClaim: { claimName: claimName(t, set, ordinal) } })),
    ...others,
  ];
}

/** RetentionPolicy is spec.persistentVolumeClaimRetentionPolicy with defaults (Retain/Retain). */
export interface RetentionPolicy { readonly whenDeleted: 'Retain' | 'Delete'; readonly whenScaled: 'Retain' | 'Delete' }

/** retentionPolicy reads the set's PVC retention policy. */
export function retentionPolicy(set: JsonObject): RetentionPolicy {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted === 'Delete' ? 'Delete' : 'Retain', whenScaled: p.whenScaled === 'Delete' ? 'Delete' : 'Retain' };
}

/** claimOwnerRefs is what the retention policy wants of a claim's owner references: the set's (whenDeleted=Delete, pod kept) and/or the pod's (whenScaled=Delete and the pod condemned). */
export function claimOwnerRefs(set: JsonObject, pod: JsonObject | undefined, condemned: boolean): OwnerReference[] {
  const p = retentionPolicy(set);
  const refs: OwnerReference[] = [];
  const podOwns = condemned && p.whenScaled === 'Delete' && pod !== undefined;
  if (p.whenDeleted === 'Delete' && !podOwns) refs.push(setRef(set));
  if (podOwns) refs.push({ apiVersion: 'v1', kind: 'Pod', name: String(pod.metadata?.name), uid: String(pod.metadata?.uid), blockOwnerDeletion: true });
  return refs;
}

/** withClaimOwnerRefs returns the claim's owner references with those of the set and pod replaced by `want`; undefined when nothing changes. */
export function withClaimOwnerRefs(claim: JsonObject, set: JsonObject, pod: JsonObject | undefined, want: readonly OwnerReference[]): OwnerReference[] | undefined {
  const cur = (claim.metadata?.ownerReferences ?? []) as OwnerReference[];
  const ours = new Set([String(set.metadata?.uid), ...(pod ? [String(pod.metadata?.uid)] : [])]);
  const keep = cur.filter((r) => !ours.has(r.uid) && !(r.kind === 'StatefulSet' && r.name === set.metadata?.name));
  const next = [...keep, ...want];
  const key = (rs: readonly OwnerReference[]): string => rs.map((r) => `${r.kind}/${r.uid}/${r.controller === true}`).sort().join(',');
  return key(next) === key(cur) ? undefined : next;
}

/** newClaim builds the PVC of `template` for replica `ordinal`: labelled with the set's selector labels, owned as the retention policy says. */
export function newClaim(set: JsonObject, template: JsonObject, ordinal: number): JsonObject {
  const t: JsonObject = structuredClone(template);
  const labels = { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
  const refs = claimOwnerRefs(set, undefined, false);
  const metadata: JsonObject = { name: claimName(template, set, ordinal), namespace: set.metadata?.namespace, labels };
  if (t.metadata?.annotations) metadata.annotations = t.metadata.annotations;
  if (refs.length) metadata.ownerReferences = refs;
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, spec: t.spec ?? {} };
}
