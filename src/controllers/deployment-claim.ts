/**
 * @module controllers/deployment-claim — client-go's ControllerRefManager for the workload
 * controllers: an owner *claims* the objects it should control. An object already controlled by
 * the owner stays claimed while the selector matches and is released (its controller reference
 * removed) when it no longer does; an orphan that matches is adopted (a controller reference
 * added) unless the owner or the object is being deleted. Adoption first re-reads the owner from
 * the server once, so a deleted-and-recreated owner never adopts with a stale uid.
 *
 * The writes are JSON merge patches of `metadata.ownerReferences` carrying the object's `uid` and
 * `resourceVersion` as preconditions, so a concurrent change gets 409 and the sync is retried.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import type { ApiClient, Resource } from '../client/index.ts';
import { controllerRefOf, ownerReference, type OwnerReference } from './workload.ts';

/** ClaimOptions describe the owner, the dependents' resource and how the owner selects them. */
export interface ClaimOptions {
  readonly client: ApiClient;
  /** resource of the dependents (pods, replicasets). */
  readonly resource: Resource;
  readonly owner: JsonObject;
  readonly ownerApiVersion: string;
  readonly ownerKind: string;
  /** match says whether the owner's selector matches a dependent. */
  readonly match: (obj: JsonObject) => boolean;
  /** recheck re-reads the owner from the server: true when it still exists with the same uid and is not being deleted. */
  readonly recheck: () => Promise<boolean>;
}

/** ClaimResult is the list of objects the owner controls after claiming, and the first write error (if any). */
export interface ClaimResult {
  readonly claimed: JsonObject[];
  readonly error?: unknown;
}

/** claimObjects adopts matching orphans and releases non-matching dependents of `opts.owner`, returning what it controls. */
export async function claimObjects(opts: ClaimOptions, objs: readonly JsonObject[]): Promise<ClaimResult> {
  const ownerUid = String(opts.owner.metadata?.uid);
  const ownerDeleting = Boolean(opts.owner.metadata?.deletionTimestamp);
  const ownerNs = opts.owner.metadata?.namespace;
  const claimed: JsonObject[] = [];
  let error: unknown;
  let canAdopt: boolean | undefined;
  for (const obj of objs) {
    const ref = controllerRefOf(obj);
    try {
      if (ref) {
        if (ref.uid !== ownerUid) continue;
        if (opts.match(obj)) { claimed.push(obj); continue; }
        if (ownerDeleting) continue;
        await release(opts, obj, ownerUid);
        continue;
      }
      if (ownerDeleting || !opts.match(obj) || obj.metadata?.deletionTimestamp) continue;
      if (ownerNs && obj.metadata?.namespace !== ownerNs) continue;
      canAdopt ??= await opts.recheck();
      if (!canAdopt) continue;
      claimed.push(await adopt(opts, obj));
    } catch (e) {
      if (isStatusError(e, 404)) continue;
      error ??= e;
    }
  }
  return error === undefined ? { claimed } : { claimed, error };
}

function refsOf(obj: JsonObject): OwnerReference[] {
  const refs = obj.metadata?.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerReference[]) : [];
}

async function adopt(opts: ClaimOptions, obj: JsonObject): Promise<JsonObject> {
  const ref = ownerReference(opts.owner, opts.ownerApiVersion, opts.ownerKind);
  const refs = [...refsOf(obj).filter((r) => r.uid !== ref.uid), ref];
  const patch = { metadata: { ownerReferences: refs, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion } };
  const out = await opts.client.patch<JsonObject>(opts.resource, String(obj.metadata?.namespace), String(obj.metadata?.name), 'merge', patch);
  // The caller counts what it controls; a fake client may echo the old object, so the reference is set locally too.
  const adopted = structuredClone(out && out.metadata ? out : obj);
  adopted.metadata.ownerReferences = refs;
  return adopted;
}

async function release(opts: ClaimOptions, obj: JsonObject, ownerUid: string): Promise<void> {
  const refs = refsOf(obj).filter((r) => r.uid !== ownerUid);
  const patch = { metadata: { ownerReferences: refs.length ? refs : null, uid: obj.metadata?.uid, resourceVersion: obj.metadata?.resourceVersion } };
  await opts.client.patch(opts.resource, String(obj.metadata?.namespace), String(obj.metadata?.name), 'merge', patch);
}

/** recheckOwner builds ClaimOptions.recheck: a fresh GET of the owner that must have `uid` and no deletionTimestamp. */
export function recheckOwner(client: ApiClient, r: Resource, owner: JsonObject): () => Promise<boolean> {
  return async () => {
    try {
      const fresh = await client.get<JsonObject>(r, String(owner.metadata?.namespace), String(owner.metadata?.name));
      return fresh.metadata?.uid === owner.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (e) {
      if (isStatusError(e, 404)) return false;
      throw e;
    }
  };
}
