/**
 * @module controllers/local-path-provisioner — k3s's local-path provisioner as an in-process
 * controller: ensures the default `local-path` StorageClass (WaitForFirstConsumer, Delete), creates a
 * hostPath PV `pvc-<uid>` pinned to the claim's selected node for every claim of its classes that the
 * binder handed to it (`volume.kubernetes.io/storage-provisioner`) and the scheduler placed
 * (`volume.kubernetes.io/selected-node`), and deletes the PVs it provisioned once they are Released
 * with reclaim policy Delete. It never touches the filesystem: the directory lives on the node, and
 * the node agent creates it (DirectoryOrCreate) and removes it once its PV is gone.
 * Keys: `storageclass`, `claim:<ns>/<name>`, `volume:<name>`.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { ANN, claimClass } from './pv-binder-match.ts';

/** LOCAL_PATH_PROVISIONER is the provisioner name, as k3s registers it. */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
/** LOCAL_PATH_CLASS is the StorageClass the provisioner ensures. */
export const LOCAL_PATH_CLASS = 'local-path';

/** LocalPathOptions: the directory on each node under which volumes live. */
export interface LocalPathOptions { readonly storageDir: string }

/** localPathStorageClass is the default class the provisioner creates. */
export function localPathStorageClass(): JsonObject {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN.defaultClass]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete',
  };
}

/** localPathVolume builds the PV for `pvc` of class `sc` on `node`, rooted at `storageDir`. */
export function localPathVolume(pvc: JsonObject, sc: JsonObject, node: string, storageDir: string): JsonObject {
  const m = pvc.metadata ?? {};
  const name = `pvc-${String(m.uid)}`;
  const spec: JsonObject = {
    capacity: { storage: pvc.spec?.resources?.requests?.storage },
    accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
    storageClassName: sc.metadata?.name,
    volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
    claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion },
    hostPath: { path: `${storageDir.replace(/\/+$/, '')}/${name}_${String(m.namespace)}_${String(m.name)}`, type: 'DirectoryOrCreate' },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
  };
  if (Array.isArray(sc.mountOptions) && sc.mountOptions.length) spec.mountOptions = sc.mountOptions;
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, annotations: { [ANN.provisionedBy]: LOCAL_PATH_PROVISIONER } }, spec };
}

/** newLocalPathProvisioner builds the provisioner controller. */
export function newLocalPathProvisioner(ctx: ControllerContext, opts: LocalPathOptions): Controller {
  const pvInf = ctx.factory.forResource(RESOURCES.persistentvolumes);
  const pvcInf = ctx.factory.forResource(RESOURCES.persistentvolumeclaims);
  const scInf = ctx.factory.forResource(RESOURCES.storageclasses);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'local-path-provisioner' });
  const onClaim = (c: JsonObject): void => queue.add(`claim:${String(c.metadata?.namespace)}/${String(c.metadata?.name)}`);
  pvcInf.addEventHandler({ add: onClaim, update: (_o, c) => onClaim(c) });
  const onVolume = (v: JsonObject): void => { if (v.metadata?.annotations?.[ANN.provisionedBy] === LOCAL_PATH_PROVISIONER) queue.add(`volume:${String(v.metadata?.name)}`); };
  pvInf.addEventHandler({ add: onVolume, update: (_o, v) => onVolume(v) });
  const ours = (name: string): JsonObject | undefined => {
    const sc = name ? scInf.cache.get(name) : undefined;
    return sc?.provisioner === LOCAL_PATH_PROVISIONER ? sc : undefined;
  };

  const provision = async (key: string): Promise<void> => {
    const pvc = pvcInf.cache.get(key);
    if (!pvc || pvc.metadata?.deletionTimestamp || pvc.spec?.volumeName) return;
    const ann = (pvc.metadata?.annotations ?? {}) as Record<string, string>;
    if (ann[ANN.storageProvisioner] !== LOCAL_PATH_PROVISIONER && ann[ANN.betaStorageProvisioner] !== LOCAL_PATH_PROVISIONER) return;
    const sc = ours(claimClass(pvc));
    const node = ann[ANN.selectedNode];
    if (!sc || !node) return;
    if (pvInf.cache.get(`pvc-${String(pvc.metadata?.uid)}`)) return;
    try {
      await ctx.client.create(RESOURCES.persistentvolumes, '', localPathVolume(pvc, sc, node, opts.storageDir));
    } catch (e) {
      if (!isStatusError(e, 409)) throw e;
    }
  };

  const reclaim = async (name: string): Promise<void> => {
    const pv = pvInf.cache.get(name);
    if (!pv || pv.metadata?.deletionTimestamp) return;
    if (pv.metadata?.annotations?.[ANN.provisionedBy] !== LOCAL_PATH_PROVISIONER) return;
    if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    // The node agent removes the directory once the PV is gone; the controller never touches disks.
    try {
      await ctx.client.delete(RESOURCES.persistentvolumes, '', name, { preconditions: { uid: String(pv.metadata?.uid) } });
    } catch (e) {
      if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
    }
  };

  const ensureClass = async (): Promise<void> => {
    if (scInf.cache.get(LOCAL_PATH_CLASS)) return;
    try {
      await ctx.client.create(RESOURCES.storageclasses, '', localPathStorageClass());
    } catch (e) {
      if (!isStatusError(e, 409)) throw e;
    }
  };

  return {
    name: 'local-path-provisioner', queue, informers: [pvInf, pvcInf, scInf], workers: 2,
    started() { queue.add('storageclass'); },
    async reconcile(key) {
      if (key === 'storageclass') return ensureClass();
      if (key.startsWith('claim:')) return provision(key.slice('claim:'.length));
      if (key.startsWith('volume:')) return reclaim(key.slice('volume:'.length));
    },
  };
}
