/**
 * @module apiserver/pod-subresources — the create-only pod subresources served from the store:
 * `pods/binding` (the scheduler assigns a node; 409 when already assigned) and `pods/eviction`
 * (a delete with the eviction's DeleteOptions that honours PodDisruptionBudgets).
 */
import { badRequest, conflict, type JsonObject, type KindInfo } from '../api/index.ts';
import type { ResourceRegistry } from './registry/resource-store.ts';
import { evictWithBudgets } from './pdb-eviction.ts';
import type { AdmissionUser } from './admission/types.ts';

/** SUCCESS_201 is the Status upstream returns for a successful binding or eviction. */
export const SUCCESS_201: JsonObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

/** topLevelCopy copies an object's top level only (update gives the copy its own metadata). */
const topLevelCopy = (cur: JsonObject): JsonObject => ({ ...cur });

/** bindPod sets spec.nodeName from a Binding (the pod's managedFields unchanged); conflict if the pod is already bound. */
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
  // As upstream's BindingREST (a storage update that bypasses the field manager): binding adds no managedFields entry.
  // The mutation replaces spec and annotations whole, and what runs after it on a pod update changes
  // nothing else (pods have no write hooks, admission only validates pod updates, defaulting a
  // defaulted pod sets nothing): a top-level copy is enough (a deep one was ~2 % of the API thread).
  }, { dryRun, fieldManager: 'binding', fieldValidation: 'Ignore', user, managedByMutation: true, copyForMutation: topLevelCopy }, '');
}

/** evictPod evicts a pod honouring its PodDisruptionBudget (pdb-eviction.ts); returns the Status to send. */
export async function evictPod(registry: ResourceRegistry, pods: KindInfo, ns: string, name: string, eviction: JsonObject, dryRun: boolean, user?: AdmissionUser): Promise<JsonObject> {
  return evictWithBudgets(registry, pods, ns, name, eviction, dryRun, user);
}
