/**
 * @module controllers/root-ca-publisher — publishes the cluster CA as ConfigMap `kube-root-ca.crt`
 * (key `ca.crt`) in every active namespace, and puts it back when it is changed or deleted.
 * Key: the namespace name.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectOf, RESOURCES, WorkQueue } from '../client/index.ts';
import { isNamespaceActive, type Controller, type ControllerContext } from './controller.ts';

/** ROOT_CA_CONFIGMAP is the ConfigMap name pods mount the CA from. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** newRootCaPublisher wires namespace and configmap informers to a reconcile that keeps `kube-root-ca.crt` equal to `caCert`. */
export function newRootCaPublisher(ctx: ControllerContext, caCert: string): Controller {
  const namespaces = ctx.factory.forResource(RESOURCES.namespaces);
  const configmaps = ctx.factory.forResource(RESOURCES.configmaps, '', { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'root-ca-cert-publisher' });
  namespaces.addEventHandler({
    add: (ns) => queue.add(String(ns.metadata?.name)),
    update: (_old, ns) => queue.add(String(ns.metadata?.name)),
  });
  const onConfigMap = (cm: JsonObject): void => { if (cm.metadata?.name === ROOT_CA_CONFIGMAP) queue.add(String(cm.metadata?.namespace)); };
  configmaps.addEventHandler({ update: (_old, cm) => onConfigMap(cm), delete: (x) => onConfigMap(objectOf(x)) });
  return {
    name: 'root-ca-cert-publisher', queue, informers: [namespaces, configmaps], workers: 2,
    async reconcile(name) {
      if (!isNamespaceActive(namespaces.cache.get(name))) return;
      const cm = configmaps.cache.get(`${name}/${ROOT_CA_CONFIGMAP}`);
      try {
        if (!cm) {
          await ctx.client.create(RESOURCES.configmaps, name, {
            apiVersion: 'v1', kind: 'ConfigMap',
            metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { 'kubernetes.io/description': DESCRIPTION } },
            data: { 'ca.crt': caCert },
          });
          return;
        }
        const data = cm.data ?? {};
        if (data['ca.crt'] === caCert && Object.keys(data).length === 1) return;
        const next = structuredClone(cm);
        next.data = { 'ca.crt': caCert };
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'kubernetes.io/description': DESCRIPTION };
        await ctx.client.update(RESOURCES.configmaps, name, next);
      } catch (e) {
        // A namespace being deleted refuses new objects: nothing to publish. Anything else (a
        // conflict from a stale cache, a denial) is retried with backoff.
        if (isStatusError(e, 403) && /being terminated/.test(e.message)) return;
        throw e;
      }
    },
  };
}
