/**
 * @module controllers/pv-binder-match — the persistent volume binder's pure rules: claim and volume
 * classes, binding mode, and upstream's findBestMatchForClaim (volumes whose access modes include
 * the claim's, grouped by fewest modes first; inside a group a volume pre-bound to the claim wins,
 * else the smallest Available, unclaimed volume of the claim's class and volume mode, matching its
 * selector, with enough capacity).
 */
import { labelSelectorFromMeta, matchesLabels, parseQuantity, type JsonObject } from '../api/index.ts';

/** Annotations and labels of the binding protocol (upstream names). */
export const ANN = {
  bindCompleted: 'pv.kubernetes.io/bind-completed',
  boundByController: 'pv.kubernetes.io/bound-by-controller',
  provisionedBy: 'pv.kubernetes.io/provisioned-by',
  selectedNode: 'volume.kubernetes.io/selected-node',
  storageProvisioner: 'volume.kubernetes.io/storage-provisioner',
  betaStorageProvisioner: 'volume.beta.kubernetes.io/storage-provisioner',
  defaultClass: 'storageclass.kubernetes.io/is-default-class',
  betaClass: 'volume.beta.kubernetes.io/storage-class',
} as const;

/** NO_PROVISIONER marks classes of pre-created volumes only. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** claimClass is a claim's storage class name ('' for none), honouring the beta annotation. */
export function claimClass(pvc: JsonObject): string {
  const beta = pvc.metadata?.annotations?.[ANN.betaClass];
  if (typeof beta === 'string') return beta;
  return typeof pvc.spec?.storageClassName === 'string' ? pvc.spec.storageClassName : '';
}

/** volumeClass is a volume's storage class name ('' for none), honouring the beta annotation. */
export function volumeClass(pv: JsonObject): string {
  const beta = pv.metadata?.annotations?.[ANN.betaClass];
  if (typeof beta === 'string') return beta;
  return typeof pv.spec?.storageClassName === 'string' ? pv.spec.storageClassName : '';
}

/** isDelayBinding says whether the claim's class binds at first consumer. */
export function isDelayBinding(pvc: JsonObject, classes: (name: string) => JsonObject | undefined): boolean {
  const name = claimClass(pvc);
  return name !== '' && classes(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** storageOf reads `resources.requests.storage` (claims) or `capacity.storage` (volumes) in bytes; 0 when absent. */
export function storageOf(v: unknown): number {
  return parseQuantity(v) ?? 0;
}

/** isVolumeBoundToClaim says whether a volume's claimRef names the claim (uid empty or equal). */
export function isVolumeBoundToClaim(pv: JsonObject, pvc: JsonObject): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || (ref.namespace ?? '') !== (pvc.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

function modesOf(o: JsonObject): string[] { return Array.isArray(o.spec?.accessModes) ? o.spec.accessModes as string[] : []; }

/** accessModesContain says whether `have` includes every mode of `want`. */
export function accessModesContain(have: readonly string[], want: readonly string[]): boolean {
  return want.every((m) => have.includes(m));
}

function volumeModeOf(o: JsonObject): string { return typeof o.spec?.volumeMode === 'string' ? o.spec.volumeMode : 'Filesystem'; }

function selectorMatches(pvc: JsonObject, pv: JsonObject): boolean {
  const sel = pvc.spec?.selector;
  if (!sel || typeof sel !== 'object') return true;
  const r = labelSelectorFromMeta(sel as Record<string, unknown>);
  return r.ok && matchesLabels(r.selector, pv.metadata?.labels as Record<string, string> | undefined);
}

/** checkVolumeSatisfiesClaim explains why a volume cannot serve a claim ('' when it can): capacity, class, modes, volume mode. */
export function checkVolumeSatisfiesClaim(pv: JsonObject, pvc: JsonObject): string {
  if (storageOf(pv.spec?.capacity?.storage) < storageOf(pvc.spec?.resources?.requests?.storage)) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(pvc)) return 'storageClassName does not match';
  if (volumeModeOf(pv) !== volumeModeOf(pvc)) return 'incompatible volumeMode';
  if (!accessModesContain(modesOf(pv), modesOf(pvc))) return 'incompatible accessMode';
  return '';
}

function findMatching(pvc: JsonObject, volumes: readonly JsonObject[], delayBinding: boolean): JsonObject | undefined {
  const requested = storageOf(pvc.spec?.resources?.requests?.storage);
  const cls = claimClass(pvc);
  let best: JsonObject | undefined;
  let bestSize = Infinity;
  for (const pv of volumes) {
    if (volumeModeOf(pv) !== volumeModeOf(pvc)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    if (isVolumeBoundToClaim(pv, pvc)) return pv;
    if (delayBinding) continue; // the scheduler binds these, unless pre-bound
    if (pv.status?.phase !== 'Available' || pv.spec?.claimRef) continue;
    if (!selectorMatches(pvc, pv)) continue;
    if (volumeClass(pv) !== cls) continue;
    const size = storageOf(pv.spec?.capacity?.storage);
    if (size >= requested && size < bestSize) { best = pv; bestSize = size; }
  }
  return best;
}

/** findBestMatchForClaim returns the volume the claim should bind to, if any. */
export function findBestMatchForClaim(pvc: JsonObject, volumes: readonly JsonObject[], delayBinding: boolean): JsonObject | undefined {
  const want = modesOf(pvc);
  const candidates = volumes.filter((pv) => accessModesContain(modesOf(pv), want));
  const sizes = [...new Set(candidates.map((pv) => modesOf(pv).length))].sort((a, b) => a - b);
  for (const n of sizes) {
    const m = findMatching(pvc, candidates.filter((pv) => modesOf(pv).length === n), delayBinding);
    if (m) return m;
  }
  return undefined;
}

/** defaultClassName returns the newest class annotated as default, '' when none. */
export function defaultClassName(classes: readonly JsonObject[]): string {
  const defaults = classes.filter((c) => c.metadata?.annotations?.[ANN.defaultClass] === 'true');
  defaults.sort((a, b) => String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  return defaults.length ? String(defaults[0].metadata?.name) : '';
}
