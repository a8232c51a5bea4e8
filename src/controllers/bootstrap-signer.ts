/**
 * @module controllers/bootstrap-signer — keeps `kube-public/cluster-info` for kubeadm-style
 * discovery: `data.kubeconfig` (the server URL and CA, no credentials; created when absent) and one
 * `jws-kubeconfig-<token-id>` detached JWS of it per valid bootstrap token with
 * `usage-bootstrap-signing: "true"`. Signatures of deleted, expired or non-signing tokens are
 * removed; the next expiry schedules a requeue. A single key: `kube-public/cluster-info`.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { stringify } from 'yaml';
import { objectOf, RESOURCES, WorkQueue } from '../client/index.ts';
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, detachedJws, parseBootstrapTokenSecret } from './bootstrap-token.ts';
import type { Controller, ControllerContext } from './controller.ts';

/** CLUSTER_INFO_NAMESPACE / CLUSTER_INFO_NAME locate the discovery ConfigMap. */
export const CLUSTER_INFO_NAMESPACE = 'kube-public';
export const CLUSTER_INFO_NAME = 'cluster-info';
/** JWS_KEY_PREFIX prefixes each token's signature key in cluster-info's data. */
export const JWS_KEY_PREFIX = 'jws-kubeconfig-';

/** clusterInfoKubeconfig renders the credential-less kubeconfig that cluster-info carries (kubeadm's layout). */
export function clusterInfoKubeconfig(serverUrl: string, caCert: string): string {
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caCert).toString('base64'), server: serverUrl }, name: '' }],
    contexts: null, 'current-context': '', kind: 'Config', preferences: {}, users: null,
  });
}

/** newBootstrapSigner wires the cluster-info ConfigMap and kube-system Secrets to a reconcile that keeps the signatures current. */
export function newBootstrapSigner(ctx: ControllerContext, opts: { serverUrl: string; caCert: string }): Controller {
  const key = `${CLUSTER_INFO_NAMESPACE}/${CLUSTER_INFO_NAME}`;
  const configmaps = ctx.factory.forResource(RESOURCES.configmaps, CLUSTER_INFO_NAMESPACE, { fieldSelector: `metadata.name=${CLUSTER_INFO_NAME}` });
  const secrets = ctx.factory.forResource(RESOURCES.secrets, BOOTSTRAP_TOKEN_NAMESPACE);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'bootstrap-signer' });
  const enqueue = (): void => queue.add(key);
  configmaps.addEventHandler({ add: enqueue, update: enqueue, delete: enqueue });
  const onSecret = (s: JsonObject): void => { if (s.type === BOOTSTRAP_TOKEN_SECRET_TYPE) enqueue(); };
  secrets.addEventHandler({ add: onSecret, update: (_o, s) => onSecret(s), delete: (x) => onSecret(objectOf(x)) });
  return {
    name: 'bootstrap-signer', queue, informers: [configmaps, secrets],
    started: enqueue,
    async reconcile() {
      const now = ctx.clock.now();
      const cm = configmaps.cache.get(key);
      const kubeconfig: string = typeof cm?.data?.kubeconfig === 'string' ? cm.data.kubeconfig : clusterInfoKubeconfig(opts.serverUrl, opts.caCert);
      const want: Record<string, string> = {};
      let nextExpiry = Infinity;
      for (const s of secrets.cache.byNamespace(BOOTSTRAP_TOKEN_NAMESPACE)) {
        const t = parseBootstrapTokenSecret(s);
        if (!t || !t.usages.includes('signing') || s.metadata?.deletionTimestamp) continue;
        if (t.expiresAt !== undefined) {
          if (t.expiresAt <= now) continue;
          nextExpiry = Math.min(nextExpiry, t.expiresAt);
        }
        want[`${JWS_KEY_PREFIX}${t.id}`] = detachedJws(kubeconfig, t.id, t.secret);
      }
      const requeue = nextExpiry === Infinity ? undefined : { requeueAfterMs: nextExpiry - now };
      try {
        if (!cm) {
          await ctx.client.create(RESOURCES.configmaps, CLUSTER_INFO_NAMESPACE, {
            apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CLUSTER_INFO_NAME, namespace: CLUSTER_INFO_NAMESPACE },
            data: { kubeconfig, ...want },
          });
          return requeue;
        }
        const data: Record<string, string> = { ...(cm.data ?? {}) };
        const next: Record<string, string> = Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith(JWS_KEY_PREFIX)));
        next.kubeconfig = kubeconfig;
        Object.assign(next, want);
        if (sameData(data, next)) return requeue;
        const updated = structuredClone(cm);
        updated.data = next;
        await ctx.client.update(RESOURCES.configmaps, CLUSTER_INFO_NAMESPACE, updated);
      } catch (e) {
        if (isStatusError(e, 409) && !cm) return requeue; // created meanwhile: its add event requeues us
        throw e;
      }
      return requeue;
    },
  };
}

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
