/**
 * @module controllers/controller-revision — ControllerRevision (apps/v1) history shared by the
 * StatefulSet and DaemonSet controllers: the revision data is the strategic-merge patch
 * `{"spec":{"template":{…,"$patch":"replace"}}}` that `kubectl rollout undo` applies, revisions are
 * named `<owner>-<hash>`, numbered, de-duplicated by data, created with hash-collision handling and
 * truncated to the owner's revisionHistoryLimit.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, type ApiClient, type Resource } from '../client/index.ts';
import { isControlledBy, ownerReference, stableJson, templateHash } from './workload.ts';

/** CONTROLLER_REVISION_HASH_LABEL is the label linking pods (and revisions) to a revision. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** DEFAULT_REVISION_HISTORY_LIMIT is how many unused revisions are kept when the owner says nothing. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** templatePatch is the revision data of an owner: its pod template as a replacing strategic-merge patch. */
export function templatePatch(owner: JsonObject): JsonObject {
  const template: JsonObject = structuredClone(owner.spec?.template ?? {});
  template.$patch = 'replace';
  return { spec: { template } };
}

/** templateOfRevision extracts the pod template a revision's data carries (without the `$patch` directive). */
export function templateOfRevision(rev: JsonObject): JsonObject {
  const t: JsonObject = structuredClone(rev.data?.spec?.template ?? {});
  delete t.$patch;
  return t;
}

/** NewRevisionOptions describe a revision to build. */
export interface NewRevisionOptions {
  readonly owner: JsonObject;
  readonly apiVersion: string;
  readonly kind: string;
  readonly data: JsonObject;
  readonly revision: number;
  /** hash of the revision (the label value); the name is `<owner>-<hash>`. */
  readonly hash: string;
}

/** newControllerRevision builds a ControllerRevision owned by `owner`, labelled like its pod template plus the hash label. */
export function newControllerRevision(o: NewRevisionOptions): JsonObject {
  const ownerName = String(o.owner.metadata?.name);
  const labels: Record<string, string> = { ...(o.owner.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: o.hash };
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: `${ownerName}-${o.hash}`, namespace: o.owner.metadata?.namespace, labels,
      ownerReferences: [ownerReference(o.owner, o.apiVersion, o.kind)],
    },
    data: o.data, revision: o.revision,
  };
}

/** revisionDataHash is the hash StatefulSets use: of the revision data and the collision count. */
export function revisionDataHash(data: JsonObject, collisionCount: number): string {
  return templateHash(data, collisionCount);
}

/** equalRevisions says whether two revisions carry the same data. */
export function equalRevisions(a: JsonObject, b: JsonObject): boolean {
  return stableJson(a.data ?? null) === stableJson(b.data ?? null);
}

/** sortRevisions orders revisions oldest first: by revision number, then creation time, then name. */
export function sortRevisions(revs: readonly JsonObject[]): JsonObject[] {
  return [...revs].sort((a, b) => (Number(a.revision ?? 0) - Number(b.revision ?? 0))
    || String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? ''))
    || String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}

/** nextRevisionNumber is one more than the highest revision number (1 for no history). */
export function nextRevisionNumber(revs: readonly JsonObject[]): number {
  return revs.reduce((m, r) => Math.max(m, Number(r.revision ?? 0)), 0) + 1;
}

/** ownedRevisions picks the revisions controlled by `owner` out of a namespace's revisions. */
export function ownedRevisions(all: readonly JsonObject[], owner: JsonObject): JsonObject[] {
  const uid = String(owner.metadata?.uid);
  return all.filter((r) => isControlledBy(r, uid) && !r.metadata?.deletionTimestamp);
}

/** CreatedRevision is the revision that now exists and the collision count that named it. */
export interface CreatedRevision { readonly revision: JsonObject; readonly collisionCount: number }

/** createRevision creates the revision `build(collisionCount)` returns; a name taken by different data bumps the collision count and retries, one with equal data is returned as is. */
export async function createRevision(client: ApiClient, namespace: string, build: (collisionCount: number) => JsonObject, collisionCount: number): Promise<CreatedRevision> {
  for (let cc = collisionCount; cc < collisionCount + 100; cc++) {
    const rev = build(cc);
    try {
      return { revision: await client.create(RESOURCES.controllerrevisions, namespace, rev), collisionCount: cc };
    } catch (e) {
      if (!isStatusError(e, 409)) throw e;
      const existing = await client.get(RESOURCES.controllerrevisions, namespace, String(rev.metadata?.name));
      if (equalRevisions(existing, rev)) return { revision: existing, collisionCount: cc };
    }
  }
  throw new Error(`controller revision: too many hash collisions in ${namespace}`);
}

/** bumpRevision re-numbers an existing revision (a rollback to it makes it the newest). */
export async function bumpRevision(client: ApiClient, rev: JsonObject, revision: number): Promise<JsonObject> {
  if (Number(rev.revision) === revision) return rev;
  return client.update(RESOURCES.controllerrevisions, String(rev.metadata?.namespace), { ...structuredClone(rev), revision });
}

/** truncateHistory deletes the oldest revisions not named in `live` beyond `limit` (a revision already gone is fine). */
export async function truncateHistory(client: ApiClient, revisions: readonly JsonObject[], live: ReadonlySet<string>, limit: number): Promise<string[]> {
  const history = sortRevisions(revisions.filter((r) => !live.has(String(r.metadata?.name))));
  const excess = history.slice(0, Math.max(0, history.length - Math.max(0, limit)));
  for (const r of excess) {
    try {
      await client.delete(RESOURCES.controllerrevisions, String(r.metadata?.namespace), String(r.metadata?.name));
    } catch (e) {
      if (!isStatusError(e, 404)) throw e;
    }
  }
  return excess.map((r) => String(r.metadata?.name));
}

/** scaledValue resolves an int-or-percent (e.g. maxUnavailable) against `total`, rounding percentages up or down. */
export function scaledValue(v: unknown, total: number, roundUp: boolean, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return Math.max(0, Math.trunc(v));
  if (typeof v !== 'string') return dflt;
  const m = /^(\d+)%$/.exec(v);
  if (m) {
    const x = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  const n = Number(v);
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : dflt;
}

/** writeStatus PUTs `status` onto `obj` when it differs; a conflict (our cache is behind) re-reads the object and tries again, up to three times. */
export async function writeStatus(client: ApiClient, r: Resource, obj: JsonObject, status: JsonObject): Promise<void> {
  let cur = obj;
  for (let attempt = 0; ; attempt++) {
    const next = { ...(cur.status ?? {}), ...status };
    if (stableJson(next) === stableJson(cur.status ?? {})) return;
    try {
      await client.updateStatus(r, String(cur.metadata?.namespace), { ...cur, status: next });
      return;
    } catch (e) {
      if (!isStatusError(e, 409) || attempt >= 2) throw e;
      cur = await client.get(r, String(cur.metadata?.namespace), String(cur.metadata?.name));
      if (cur.metadata?.uid !== obj.metadata?.uid) return;
    }
  }
}
