/**
 * @module controllers/serviceaccount — ensures a `default` ServiceAccount in every active
 * namespace (kube-controller-manager's serviceaccount-controller). Key: the namespace name.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { objectOf, RESOURCES, WorkQueue } from '../client/index.ts';
import { isNamespaceActive, type Controller, type ControllerContext } from './controller.ts';

/** DEFAULT_SERVICE_ACCOUNT is the name of the account every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** newServiceAccountController wires namespace and serviceaccount informers to a reconcile that creates missing `default` accounts. */
export function newServiceAccountController(ctx: ControllerContext): Controller {
  const namespaces = ctx.factory.forResource(RESOURCES.namespaces);
  const accounts = ctx.factory.forResource(RESOURCES.serviceaccounts);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'serviceaccount' });
  namespaces.addEventHandler({
    add: (ns) => queue.add(String(ns.metadata?.name)),
    update: (_old, ns) => queue.add(String(ns.metadata?.name)),
  });
  accounts.addEventHandler({
    delete: (x) => {
      const sa = objectOf(x);
      if (sa.metadata?.name === DEFAULT_SERVICE_ACCOUNT) queue.add(String(sa.metadata?.namespace));
    },
  });
  return {
    name: 'serviceaccount', queue, informers: [namespaces, accounts], workers: 2,
    async reconcile(name) {
      if (!isNamespaceActive(namespaces.cache.get(name))) return;
      if (accounts.cache.get(`${name}/${DEFAULT_SERVICE_ACCOUNT}`)) return;
      const sa: JsonObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: name } };
      try {
        await ctx.client.create(RESOURCES.serviceaccounts, name, sa);
      } catch (e) {
        // AlreadyExists: the cache is behind; Forbidden in a terminating namespace: nothing to do.
        if (isStatusError(e, 409)) return;
        if (isStatusError(e, 403) && /being terminated/.test(e.message)) return;
        throw e;
      }
    },
  };
}
