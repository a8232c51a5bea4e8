/**
 * @module controllers/pv-binder — kube-controller-manager's persistentvolume-binder: binds unbound
 * claims to matching Available volumes (or to the volume pre-bound to them), asks an external
 * provisioner for a volume (the `storage-provisioner` annotations) when none fits, waits for the
 * first consumer (`selected-node`) in WaitForFirstConsumer classes, assigns the default class to
 * claims without one, and reclaims volumes whose claim is gone (Released; Delete removes the PV
 * unless an external provisioner owns it, Retain keeps it). Keys: `claim:<ns>/<name>`,
 * `volume:<name>` and a periodic `resync`; one worker, so two claims never race for a volume,
 * and an "assume" overlay so a worker's own writes are seen before the informer delivers them.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectKey, objectOf, RESOURCES, WorkQueue, type Informer } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { EventRecorder, rfc3339 } from './deployment-events.ts';
import {
  ANN, NO_PROVISIONER, checkVolumeSatisfiesClaim, claimClass, defaultClassName, findBestMatchForClaim, isDelayBinding, isVolumeBoundToClaim,
} from './pv-binder-match.ts';

/** RESYNC_MS is how often every claim and volume is looked at again (upstream: 15 s). */
export const RESYNC_MS = 15_000;

const rvNum = (o: JsonObject | undefined): number => Number(o?.metadata?.resourceVersion ?? 0) || 0;

/** Assumed overlays an informer cache with the controller's own newer writes. */
class Assumed {
  readonly #m = new Map<string, JsonObject>();
  readonly #inf: Informer<JsonObject>;
  constructor(inf: Informer<JsonObject>) { this.#inf = inf; }
  get(key: string): JsonObject | undefined {
    const c = this.#inf.cache.get(key);
    const a = this.#m.get(key);
    if (a && (!c || rvNum(c) < rvNum(a))) return a;
    this.#m.delete(key);
    return c;
  }
  list(): JsonObject[] { return this.#inf.cache.keys().map((k) => this.get(k)).filter((o): o is JsonObject => o !== undefined); }
  assume(o: JsonObject): JsonObject { this.#m.set(objectKey(o), o); return o; }
}

/** newPersistentVolumeBinder builds the PV binder controller. */
export function newPersistentVolumeBinder(ctx: ControllerContext): Controller {
  const pvInf = ctx.factory.forResource(RESOURCES.persistentvolumes);
  const pvcInf = ctx.factory.forResource(RESOURCES.persistentvolumeclaims);
  const scInf = ctx.factory.forResource(RESOURCES.storageclasses);
  const volumes = new Assumed(pvInf);
  const claims = new Assumed(pvcInf);
  const classOf = (name: string): JsonObject | undefined => scInf.cache.get(name);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'persistentvolume-binder' });
  const events = new EventRecorder(ctx.client, ctx.clock, ctx.log, 'persistentvolume-controller');
  const lastEvent = new Map<string, string>();

  const claimKey = (ns: string, name: string): string => `claim:${ns}/${name}`;
  const pendingClaims = (): void => { for (const c of pvcInf.cache.list()) if (!c.metadata?.annotations?.[ANN.bindCompleted]) queue.add(claimKey(String(c.metadata?.namespace), String(c.metadata?.name))); };
  pvcInf.addEventHandler({
    add: (c) => queue.add(claimKey(String(c.metadata?.namespace), String(c.metadata?.name))),
    update: (_o, c) => queue.add(claimKey(String(c.metadata?.namespace), String(c.metadata?.name))),
    delete: (x) => {
      const c = objectOf(x);
      if (c.spec?.volumeName) queue.add(`volume:${String(c.spec.volumeName)}`);
      for (const pv of pvInf.cache.list()) if (pv.spec?.claimRef?.uid === c.metadata?.uid) queue.add(`volume:${String(pv.metadata?.name)}`);
    },
  });
  const onVolume = (pv: JsonObject): void => {
    queue.add(`volume:${String(pv.metadata?.name)}`);
    const ref = pv.spec?.claimRef;
    if (ref?.name) queue.add(claimKey(String(ref.namespace ?? ''), String(ref.name)));
    else if (pv.status?.phase === 'Available') pendingClaims();
  };
  pvInf.addEventHandler({ add: onVolume, update: (_o, pv) => onVolume(pv), delete: (x) => onVolume(objectOf(x)) });
  scInf.addEventHandler({ add: () => pendingClaims(), update: () => pendingClaims() });

  const event = async (obj: JsonObject, kind: string, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> => {
    const k = `${kind}/${objectKey(obj)}`;
    if (lastEvent.get(k) === `${reason}/${message}`) return;
    lastEvent.set(k, `${reason}/${message}`);
    await events.event(obj, 'v1', kind, type, reason, message);
  };

  const claimPhase = async (pvc: JsonObject, phase: string, extra: JsonObject = {}): Promise<JsonObject> => {
    const st = pvc.status ?? {};
    if (st.phase === phase && Object.entries(extra).every(([k, v]) => JSON.stringify(st[k]) === JSON.stringify(v))) return pvc;
    const next = structuredClone(pvc);
    next.status = { ...st, phase, ...extra };
    return claims.assume(await ctx.client.updateStatus(RESOURCES.persistentvolumeclaims, String(pvc.metadata?.namespace), next));
  };
  const volumePhase = async (pv: JsonObject, phase: string, message?: string): Promise<JsonObject> => {
    if (pv.status?.phase === phase && (message === undefined || pv.status?.message === message)) return pv;
    const next = structuredClone(pv);
    next.status = { ...(pv.status ?? {}), phase, ...(message !== undefined ? { message } : {}) };
    if (pv.status?.phase !== phase) next.status.lastPhaseTransitionTime = rfc3339(ctx.clock.now());
    if (message === undefined) delete next.status.message;
    return volumes.assume(await ctx.client.updateStatus(RESOURCES.persistentvolumes, '', next));
  };

  /** bind makes a volume and a claim point at each other and marks both Bound (each step idempotent). */
  const bind = async (pv: JsonObject, pvc: JsonObject): Promise<void> => {
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid !== pvc.metadata?.uid || ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) {
      const next = structuredClone(pv);
      next.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid, apiVersion: 'v1', resourceVersion: pvc.metadata?.resourceVersion };
      if (!ref) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN.boundByController]: 'yes' };
      pv = volumes.assume(await ctx.client.update(RESOURCES.persistentvolumes, '', next));
    }
    pv = await volumePhase(pv, 'Bound');
    const ann = (pvc.metadata?.annotations ?? {}) as Record<string, string>;
    if (pvc.spec?.volumeName !== pv.metadata?.name || ann[ANN.bindCompleted] !== 'yes') {
      const next = structuredClone(pvc);
      const annotations: Record<string, string> = { ...ann, [ANN.bindCompleted]: 'yes' };
      if (pvc.spec?.volumeName !== pv.metadata?.name) {
        next.spec.volumeName = pv.metadata?.name;
        annotations[ANN.boundByController] = 'yes';
      }
      next.metadata.annotations = annotations;
      pvc = claims.assume(await ctx.client.update(RESOURCES.persistentvolumeclaims, String(pvc.metadata?.namespace), next));
    }
    await claimPhase(pvc, 'Bound', { capacity: pv.spec?.capacity, accessModes: pv.spec?.accessModes });
  };

  const provision = async (pvc: JsonObject, provisioner: string): Promise<void> => {
    const ann = (pvc.metadata?.annotations ?? {}) as Record<string, string>;
    if (ann[ANN.storageProvisioner] !== provisioner || ann[ANN.betaStorageProvisioner] !== provisioner) {
      const patched = await ctx.client.patch(RESOURCES.persistentvolumeclaims, String(pvc.metadata?.namespace), String(pvc.metadata?.name), 'merge',
        { metadata: { annotations: { [ANN.storageProvisioner]: provisioner, [ANN.betaStorageProvisioner]: provisioner } } });
      pvc = claims.assume(patched);
    }
    await event(pvc, 'PersistentVolumeClaim', 'Normal', 'ExternalProvisioning', `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
    await claimPhase(pvc, 'Pending');
  };

  const syncUnboundClaim = async (pvc: JsonObject): Promise<void> => {
    const volumeName = String(pvc.spec?.volumeName ?? '');
    if (!volumeName) {
      const delay = isDelayBinding(pvc, classOf);
      const pv = findBestMatchForClaim(pvc, volumes.list(), delay);
      if (pv) return bind(pv, pvc);
      const cls = claimClass(pvc);
      const sc = cls ? classOf(cls) : undefined;
      if (delay && !pvc.metadata?.annotations?.[ANN.selectedNode]) {
        await event(pvc, 'PersistentVolumeClaim', 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      } else if (sc && sc.provisioner && sc.provisioner !== NO_PROVISIONER) {
        return provision(pvc, String(sc.provisioner));
      } else if (cls && !sc) {
        await event(pvc, 'PersistentVolumeClaim', 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${cls}" not found`);
      } else {
        await event(pvc, 'PersistentVolumeClaim', 'Normal', 'FailedBinding', cls ? 'no persistent volumes available for this claim' : 'no persistent volumes available for this claim and no storage class is set');
      }
      await claimPhase(pvc, 'Pending');
      return;
    }
    const pv = volumes.get(volumeName);
    if (!pv) {
      await event(pvc, 'PersistentVolumeClaim', 'Warning', 'FailedBinding', `volume "${volumeName}" not found`);
      await claimPhase(pvc, 'Pending');
      return;
    }
    if (!pv.spec?.claimRef) {
      const why = checkVolumeSatisfiesClaim(pv, pvc);
      if (why) {
        await event(pvc, 'PersistentVolumeClaim', 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${why}`);
        await claimPhase(pvc, 'Pending');
        return;
      }
      return bind(pv, pvc);
    }
    if (isVolumeBoundToClaim(pv, pvc)) return bind(pv, pvc);
    await event(pvc, 'PersistentVolumeClaim', 'Warning', 'FailedBinding', 'volume "' + volumeName + '" already bound to a different claim.');
    await claimPhase(pvc, 'Pending');
  };

  const syncBoundClaim = async (pvc: JsonObject): Promise<void> => {
    const volumeName = String(pvc.spec?.volumeName ?? '');
    const pv = volumeName ? volumes.get(volumeName) : undefined;
    if (!pv) {
      await event(pvc, 'PersistentVolumeClaim', 'Warning', 'ClaimLost', volumeName ? 'Bound claim has lost its PersistentVolume. Data on the volume is lost!' : 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      await claimPhase(pvc, 'Lost');
      return;
    }
    if (!pv.spec?.claimRef || pv.spec.claimRef.uid === pvc.metadata?.uid) return bind(pv, pvc);
    await event(pvc, 'PersistentVolumeClaim', 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    await claimPhase(pvc, 'Lost');
  };

  const syncClaim = async (key: string): Promise<void> => {
    const pvc = claims.get(key);
    if (!pvc) return;
    const ann = (pvc.metadata?.annotations ?? {}) as Record<string, string>;
    if (!ann[ANN.bindCompleted] && !pvc.spec?.volumeName && pvc.spec?.storageClassName === undefined && ann[ANN.betaClass] === undefined) {
      // Retroactive default StorageClass assignment (GA in 1.28).
      const def = defaultClassName(scInf.cache.list());
      if (def) {
        claims.assume(await ctx.client.patch(RESOURCES.persistentvolumeclaims, String(pvc.metadata?.namespace), String(pvc.metadata?.name), 'merge', { spec: { storageClassName: def } }));
        queue.add(`claim:${key}`);
        return;
      }
    }
    return ann[ANN.bindCompleted] ? syncBoundClaim(pvc) : syncUnboundClaim(pvc);
  };

  const liveClaim = async (ns: string, name: string): Promise<JsonObject | undefined> => {
    const c = claims.get(`${ns}/${name}`);
    if (c) return c;
    try { return await ctx.client.get(RESOURCES.persistentvolumeclaims, ns, name); } catch (e) { if (isStatusError(e, 404)) return undefined; throw e; }
  };

  const reclaim = async (pv: JsonObject): Promise<void> => {
    const policy = String(pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain');
    if (policy === 'Retain') return;
    if (policy === 'Recycle') { await volumePhase(pv, 'Failed', 'Recycle is not supported'); return; }
    const by = String(pv.metadata?.annotations?.[ANN.provisionedBy] ?? '');
    if (by && !by.startsWith('kubernetes.io/')) return; // its external provisioner deletes it
    try {
      await ctx.client.delete(RESOURCES.persistentvolumes, '', String(pv.metadata?.name), { preconditions: { uid: String(pv.metadata?.uid) } });
    } catch (e) {
      if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
    }
  };

  const syncVolume = async (name: string): Promise<void> => {
    let pv = volumes.get(name);
    if (!pv) return;
    const ref = pv.spec?.claimRef;
    if (!ref || !ref.uid) { await volumePhase(pv, 'Available'); return; }
    const phase = pv.status?.phase;
    let pvc = phase === 'Released' || phase === 'Failed' ? claims.get(`${ref.namespace}/${ref.name}`) : await liveClaim(String(ref.namespace ?? ''), String(ref.name));
    if (pvc && pvc.metadata?.uid !== ref.uid) pvc = undefined;
    if (!pvc) {
      if (phase !== 'Released' && phase !== 'Failed') pv = await volumePhase(pv, 'Released');
      if (pv.status?.phase === 'Released') await reclaim(pv);
      return;
    }
    if (!pvc.spec?.volumeName) { queue.add(claimKey(String(ref.namespace), String(ref.name))); return; }
    if (pvc.spec.volumeName === name) { await volumePhase(pv, 'Bound'); return; }
    // The claim is bound to another volume: release this one.
    const next = structuredClone(pv);
    if (pv.metadata?.annotations?.[ANN.boundByController]) {
      delete next.spec.claimRef;
      delete next.metadata.annotations[ANN.boundByController];
    } else {
      next.spec.claimRef = { ...ref, uid: '' };
      delete next.spec.claimRef.uid;
    }
    pv = volumes.assume(await ctx.client.update(RESOURCES.persistentvolumes, '', next));
    await volumePhase(pv, 'Available');
  };

  return {
    name: 'persistentvolume-binder', queue, informers: [pvInf, pvcInf, scInf], workers: 1,
    started() { queue.addAfter('resync', RESYNC_MS); },
    async reconcile(key) {
      if (key === 'resync') {
        for (const c of pvcInf.cache.list()) queue.add(claimKey(String(c.metadata?.namespace), String(c.metadata?.name)));
        for (const v of pvInf.cache.list()) queue.add(`volume:${String(v.metadata?.name)}`);
        return { requeueAfterMs: RESYNC_MS };
      }
      if (key.startsWith('claim:')) return syncClaim(key.slice('claim:'.length));
      if (key.startsWith('volume:')) return syncVolume(key.slice('volume:'.length));
    },
  };
}
