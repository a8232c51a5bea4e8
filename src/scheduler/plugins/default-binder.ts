/**
 * @module scheduler/plugins/default-binder — DefaultBinder: POSTs a Binding to the pod's `binding`
 * subresource. A 409 (already bound, or being deleted) comes back as an Error status whose reason
 * starts with "Conflict", so the scheduler forgets the pod instead of retrying the bind.
 */
import { isStatusError } from '../../api/index.ts';
import { RESOURCES, type ApiClient } from '../../client/index.ts';
import { status, SUCCESS, type BindPlugin, type Status } from '../framework.ts';

/** BIND_CONFLICT_PREFIX starts the reason of a bind the API refused with 409. */
export const BIND_CONFLICT_PREFIX = 'Conflict';

/** newDefaultBinder returns the DefaultBinder plugin writing through `client`. */
export function newDefaultBinder(client: ApiClient): BindPlugin {
  return {
    name: 'DefaultBinder',
    async bind(_state, pod, nodeName): Promise<Status> {
      const namespace = String(pod.pod.metadata?.namespace ?? '');
      const name = String(pod.pod.metadata?.name ?? '');
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid: pod.pod.metadata?.uid }, target: { kind: 'Node', name: nodeName } };
      try {
        await client.createSubresource(RESOURCES.pods, namespace, name, 'binding', binding);
        return SUCCESS;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return status('Error', isStatusError(e, 409) ? `${BIND_CONFLICT_PREFIX}: ${msg}` : msg);
      }
    },
  };
}
