/**
 * @module apiserver/pod-subresources — the create-only pod subresources served from the store:
 * `pods/binding` (the scheduler assigns a node; 409 when already assigned) and `pods/eviction`
 * (a delete with the eviction's DeleteOptions; disruption budgets are not checked yet).
 */
import { badRequest, conflict, notFound, type JsonObject, type KindInfo } from '../api/index.ts';
import type { DeleteOptions, ResourceRegistry } from './registry/resource-store.ts';
import type { AdmissionUser } from './admission/types.ts';

/** SUCCESS_201 is the Status upstream returns for a successful binding or eviction. */
export const SUCCESS_201: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

/** bindPod sets spec.nodeName from a Binding; conflict if the pod is already bound. */
export async function bindPod(registry: ResourceRegistry, pods: KindInfo, ns: string, name: string, binding: JsonObject, dryRun: boolean, user?: AdmissionUser): Promise<void> {
  const node = binding.target?.name;
  if (typeof node !== 'string' || !node) throw badRequest('Binding target.name is required');
  if (binding.metadata?.name && binding.metadata.name !== name) throw badRequest(`the name of the object (${String(binding.metadata.name)}) does not match the name on the URL (${name})`);
  await registry.update(pods, ns, name, (cur) => {
    if (cur.metadata.deletionTimestamp) throw conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (cur.spec?.nodeName) throw conflict('pods', '', name, `pod ${name} is already assigned to node "${String(cur.spec.nodeName)}"`);
    cur.spec = { ...(cur.spec ?? {}), nodeName: node };
    const ann = binding.metadata?.annotations;
    if (ann && typeof ann === 'object') cur.metadata.annotations = { ...(cur.metadata.annotations ?? {}), ...ann };
    delete cur.metadata.resourceVersion;
    return cur;
  }, { dryRun, fieldManager: 'binding', fieldValidation: 'Ignore', user }, '');
}

/** evictPod deletes a pod on behalf of an Eviction (404 when the pod does not exist). */
export async function evictPod(registry: ResourceRegistry, pods: KindInfo, ns: string, name: string, eviction: JsonObject, dryRun: boolean, user?: AdmissionUser): Promise<void> {
  if (eviction.metadata?.name && eviction.metadata.name !== name) throw badRequest(`the name of the object (${String(eviction.metadata.name)}) does not match the name on the URL (${name})`);
  const o = (eviction.deleteOptions ?? {}) as JsonObject;
  const options: DeleteOptions = { gracePeriodSeconds: o.gracePeriodSeconds, propagationPolicy: o.propagationPolicy, preconditions: o.preconditions };
  try {
    await registry.delete(pods, ns, name, options, { dryRun: dryRun || (Array.isArray(o.dryRun) && o.dryRun.includes('All')), user, subresource: 'eviction' });
  } catch (e) {
    if (e instanceof Error && (e as { code?: number }).code === 404) throw notFound('pods', '', name);
    throw e;
  }
}
