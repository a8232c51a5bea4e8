/**
 * @module controllers/namespace-deleter — deletes everything in a terminating namespace (upstream's
 * NamespacedResourcesDeleter): for each namespaced resource that can be deleted, a delete-collection
 * where the resource supports it (else list and delete one by one), with Background propagation;
 * then a list of what remains, counting objects and the finalizers that hold them. It also renders
 * the namespace's deletion conditions with upstream's types, reasons and messages.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { resourcePath, type ApiClient } from '../client/index.ts';
import { hasRaw, resourceKey, type DiscoveredResource } from './gc-discovery.ts';
import type { Condition } from './workload.ts';

/** ContentResult is what one pass over a namespace's content found. */
export interface ContentResult {
  /** remaining: `<resource>.<group> has N resource instances` per resource with objects left. */
  readonly remaining: Map<string, number>;
  /** finalizers: how many remaining objects each finalizer holds. */
  readonly finalizers: Map<string, number>;
  /** failures: resources whose deletion or listing failed (message per resource). */
  readonly failures: string[];
  /** order: the resources acted on, in order (for tests and logs). */
  readonly order: string[];
  /** graceSeconds: the longest grace period of a pod still terminating (upstream's estimate). */
  readonly graceSeconds: number;
}

/** deletableNamespacedResources picks preferred-version namespaced resources that can be listed and deleted, one per group/resource. */
export function deletableNamespacedResources(all: readonly DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Set<string>();
  const out: DiscoveredResource[] = [];
  for (const r of all) {
    if (!r.preferred || !r.namespaced || !r.verbs.includes('list') || !(r.verbs.includes('delete') || r.verbs.includes('deletecollection'))) continue;
    const k = `${r.group}/${r.resource}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}

async function deleteCollection(client: ApiClient, r: DiscoveredResource, ns: string): Promise<void> {
  if (!hasRaw(client)) throw new Error('client cannot send a collection delete');
  const body = JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  const res = await client.raw('DELETE', resourcePath(r, ns), body);
  if (res.code === 404 || (res.code >= 200 && res.code < 300)) return;
  throw new Error(`delete collection ${resourceKey(r)} in ${ns}: HTTP ${res.code} ${res.text.slice(0, 200)}`);
}

/** deleteContent deletes every object of `resources` in `ns` and reports what is left. */
export async function deleteContent(client: ApiClient, resources: readonly DiscoveredResource[], ns: string): Promise<ContentResult> {
  const remaining = new Map<string, number>();
  const finalizers = new Map<string, number>();
  const failures: string[] = [];
  const order: string[] = [];
  let graceSeconds = 0;
  for (const r of resources) {
    const label = `${r.resource}.${r.group}`;
    order.push(label);
    try {
      if (r.verbs.includes('deletecollection') && hasRaw(client)) {
        await deleteCollection(client, r, ns);
      } else {
        const list = await client.list(r, ns);
        for (const o of list.items) {
          if (o.metadata?.deletionTimestamp) continue;
          try {
            await client.delete(r, ns, String(o.metadata?.name), { propagationPolicy: 'Background', preconditions: { uid: String(o.metadata?.uid) } });
          } catch (e) {
            if (!isStatusError(e, 404) && !isStatusError(e, 409)) throw e;
          }
        }
      }
      const left = (await client.list(r, ns)).items;
      if (left.length === 0) continue;
      remaining.set(label, left.length);
      for (const o of left) {
        for (const f of (o.metadata?.finalizers ?? []) as string[]) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
        if (r.group === '' && r.resource === 'pods') graceSeconds = Math.max(graceSeconds, Number(o.spec?.terminationGracePeriodSeconds ?? 0));
      }
    } catch (e) {
      if (isStatusError(e, 404) || isStatusError(e, 405)) continue; // no longer served
      failures.push(`${label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { remaining, finalizers, failures, order, graceSeconds };
}

/** deletionConditions renders upstream's five namespace deletion conditions from a discovery and a content pass. */
export function deletionConditions(discoveryFailed: readonly string[], content: ContentResult): Condition[] {
  const rem = [...content.remaining.entries()].map(([k, n]) => `${k} has ${n} resource instances`).sort();
  const fin = [...content.finalizers.entries()].map(([f, n]) => `${f} in ${n} resource instances`).sort();
  const c = (type: string, on: boolean, reasonOn: string, msgOn: string, reasonOff: string, msgOff: string): Condition =>
    on ? { type, status: 'True', reason: reasonOn, message: msgOn } : { type, status: 'False', reason: reasonOff, message: msgOff };
  return [
    c('NamespaceDeletionDiscoveryFailure', discoveryFailed.length > 0, 'DiscoveryFailed', `Discovery failed for some groups, ${discoveryFailed.length} failing: ${discoveryFailed.join(', ')}`, 'ResourcesDiscovered', 'All resources successfully discovered'),
    c('NamespaceDeletionGroupVersionParsingFailure', false, '', '', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
    c('NamespaceDeletionContentFailure', content.failures.length > 0, 'ContentDeletionFailed', `Failed to delete all resource types, ${content.failures.length} remaining: ${content.failures.join(', ')}`, 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
    c('NamespaceContentRemaining', rem.length > 0, 'SomeResourcesRemain', `Some resources are remaining: ${rem.join(', ')}`, 'ContentRemoved', 'All content successfully removed'),
    c('NamespaceFinalizersRemaining', fin.length > 0, 'SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${fin.join(', ')}`, 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
  ];
}

/** mergeConditions sets `next` into a namespace's conditions, keeping lastTransitionTime when a status is unchanged; `changed` tells whether anything differs. */
export function mergeConditions(current: readonly JsonObject[] | undefined, next: readonly Condition[], nowIso: string): { conditions: JsonObject[]; changed: boolean } {
  const out: JsonObject[] = [...(current ?? [])].map((x) => ({ ...x }));
  let changed = false;
  for (const c of next) {
    const i = out.findIndex((x) => x.type === c.type);
    const prev = i >= 0 ? out[i] : undefined;
    if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) continue;
    changed = true;
    const v: JsonObject = { type: c.type, status: c.status, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : nowIso, reason: c.reason, message: c.message };
    if (i >= 0) out[i] = v; else out.push(v);
  }
  return { conditions: out, changed };
}
