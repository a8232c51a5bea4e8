/**
 * @module apiserver/admission/default-storage-class — the DefaultStorageClass plugin: a new
 * PersistentVolumeClaim that names no class (neither spec.storageClassName, even "", nor the beta
 * annotation) gets the StorageClass annotated as the default; with several defaults the newest
 * wins (ties: the name first in order), as upstream since 1.26.
 */
import type { JsonObject } from '../../api/index.ts';
import { isKind, type AdmissionAttributes, type AdmissionContext, type AdmissionPlugin } from './types.ts';

/** IS_DEFAULT_CLASS is the annotation that marks the default StorageClass. */
export const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
/** BETA_IS_DEFAULT_CLASS is its deprecated beta spelling, still honoured. */
export const BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
/** BETA_STORAGE_CLASS is the deprecated PVC annotation that names a class. */
export const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

function isDefault(sc: JsonObject): boolean {
  const a = (sc.metadata?.annotations ?? {}) as Record<string, string>;
  return a[IS_DEFAULT_CLASS] === 'true' || a[BETA_IS_DEFAULT_CLASS] === 'true';
}

/** defaultStorageClassOf picks the default among StorageClasses: newest creationTimestamp, then name. */
export function defaultStorageClassOf(classes: readonly JsonObject[]): JsonObject | undefined {
  const ts = (o: JsonObject): number => Date.parse(String(o.metadata?.creationTimestamp ?? '')) || 0;
  return classes.filter(isDefault).sort((a, b) => ts(b) - ts(a) || String(a.metadata?.name).localeCompare(String(b.metadata?.name)))[0];
}

/** defaultStorageClass returns the DefaultStorageClass admission plugin. */
export function defaultStorageClass(): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    async admit(a: AdmissionAttributes, ctx: AdmissionContext): Promise<void> {
      if (a.operation !== 'CREATE' || a.subresource !== '' || !isKind(a, '', 'persistentvolumeclaims') || !a.object) return;
      const pvc = a.object;
      if (pvc.spec?.storageClassName !== undefined && pvc.spec?.storageClassName !== null) return;
      if (pvc.metadata?.annotations?.[BETA_STORAGE_CLASS] !== undefined) return;
      if (!ctx.served('storage.k8s.io', 'storageclasses')) return;
      const def = defaultStorageClassOf(await ctx.list('storage.k8s.io', 'storageclasses', ''));
      if (!def) return;
      pvc.spec = { ...(pvc.spec ?? {}), storageClassName: String(def.metadata?.name) };
    },
  };
}
