/**
 * @module apiserver/admission/service-account — ServiceAccount: a pod runs as `default` unless it
 * names a service account, which must exist; the projected token volume `kube-api-access-xxxxx`
 * (token, cluster CA, namespace) is mounted read-only in every container unless automounting is
 * switched off on the pod or the service account; the account's imagePullSecrets are copied to a
 * pod without any. A missing `default` account (its controller has
 * not created it yet) admits the pod without the token volume.
 */
import { randomInt } from 'node:crypto';
import type { JsonObject } from '../../api/index.ts';
import { generateName } from '../registry/prepare.ts';
import { admissionForbidden, isPod, type AdmissionPlugin } from './types.ts';

/** TOKEN_MOUNT_PATH is where the service-account token volume is mounted. */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** MIRROR_ANNOTATION marks a static (mirror) pod. */
export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** tokenVolume is the projected volume upstream mounts for a service-account token. */
export function tokenVolume(name: string): JsonObject {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
    },
  };
}

function shouldAutomount(sa: JsonObject, pod: JsonObject): boolean {
  if (typeof pod.spec?.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** mountToken adds the token volume and a read-only mount in every (init) container without one at the path. */
function mountToken(pod: JsonObject, rand: (n: number) => number): void {
  const spec = pod.spec as JsonObject;
  const lists = [spec.initContainers, spec.containers].filter(Array.isArray) as JsonObject[][];
  const existing = lists.flat().flatMap((c) => (Array.isArray(c.volumeMounts) ? c.volumeMounts as JsonObject[] : [])).find((m) => m.mountPath === TOKEN_MOUNT_PATH);
  const volumes: JsonObject[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  let name = existing ? String(existing.name) : '';
  if (!name) {
    const taken = new Set(volumes.map((v) => v.name));
    do name = generateName('kube-api-access-', rand); while (taken.has(name));
  }
  let used = false;
  for (const c of lists.flat()) {
    const mounts: JsonObject[] = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
    if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...mounts, { name, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
    used = true;
  }
  if (used && !volumes.some((v) => v.name === name)) spec.volumes = [...volumes, tokenVolume(name)];
}

/** serviceAccountAdmission is the ServiceAccount admission plugin (`random` picks name characters). */
export function serviceAccountAdmission(opts: { random?: (n: number) => number } = {}): AdmissionPlugin {
  const rand = opts.random ?? randomInt;
  return {
    name: 'ServiceAccount',
    async admit(a, ctx) {
      if (a.operation !== 'CREATE' || !isPod(a) || !a.object) return;
      const pod = a.object;
      pod.spec ??= {};
      const spec = pod.spec as JsonObject;
      if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) {
        if (spec.serviceAccountName) throw admissionForbidden(a, 'a mirror pod may not reference service accounts');
        return;
      }
      if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
      const saName = String(spec.serviceAccountName);
      if (!ctx.served('', 'serviceaccounts')) return;
      const sa = await ctx.get('', 'serviceaccounts', a.namespace, saName);
      if (!sa) {
        // Until the serviceaccount controller has created `default`, admit without the token volume.
        if (saName === 'default') return;
        throw admissionForbidden(a, `error looking up service account ${a.namespace}/${saName}: serviceaccount "${saName}" not found`);
      }
      // A pod without image pull secrets gets its service account's.
      const pull = Array.isArray(sa.imagePullSecrets) ? sa.imagePullSecrets as JsonObject[] : [];
      if (pull.length > 0 && !(Array.isArray(spec.imagePullSecrets) && spec.imagePullSecrets.length > 0)) spec.imagePullSecrets = pull.map((r) => ({ name: r.name }));
      if (shouldAutomount(sa, pod)) mountToken(pod, rand);
    },
  };
}
