/**
 * @module apiserver/registry/resource-store — the generic registry: get, list, create, update
 * (optimistic concurrency as a retry loop around a pure mutation), delete with finalizers and
 * graceful pod deletion, for any resource described by a KindInfo (the strategy).
 * Objects are stored without resourceVersion; the store revision is the resourceVersion.
 */
import {
  badRequest, conflict, expired, notFound, alreadyExists, StatusError,
  type JsonObject, type KindInfo,
} from '../../api/index.ts';
import { createAdmissionChain, type AdmissionChain } from '../admission/chain.ts';
import { SYSTEM_USER, type AdmissionAttributes, type AdmissionOperation, type AdmissionUser } from '../admission/types.ts';
import type { Store, WriteResult } from '../../store/types.ts';
import type { ApiDeps } from '../deps.ts';
import { decodeContinue, encodeContinue } from '../continue-token.ts';
import { decodeKv, hasWatchCache, rawWithRv, type ResourceCache, type WatchCaches } from '../watch-cache.ts';
import { clone, isObject } from '../patch/json-util.ts';
import { storageKey, storagePrefix, type Catalog } from './catalog.ts';
import { storageConversion, type StorageConversion } from './conversion.ts';
import { EVERYTHING, type Predicate } from './predicate.ts';
import { hookFor, type ResourceHook } from './hooks.ts';
import {
  carryOverMeta, checkTypeMeta, defaultAndValidate, handleUnknownFields, prepareCreateMeta, rfc3339,
  specChanged, apiVersionOf, type FieldValidation,
} from './prepare.ts';
import {
  applySubresourceRules, isCsrKind, isNamespaceKind, resetFields, sameIgnoringManagedFields, serialize, setCsrRequester, settle, stamp,
} from './write-steps.ts';

/** WriteOptions are the query options common to writes. */
export interface WriteOptions {
  readonly dryRun: boolean;
  readonly fieldManager: string;
  readonly fieldValidation: FieldValidation;
  /** managedByMutation: the object's managedFields were already set (server-side apply). */
  readonly managedByMutation?: boolean;
  /** patch: the object is the result of a patch (decode errors are 422 on field "patch"). */
  readonly patch?: boolean;
  /** user: the requesting user, for admission (absent: the server itself). */
  readonly user?: AdmissionUser;
  /** copyForMutation makes the update's private copy of the current object for `mutate` when the
   * mutation's reach is known (a merge patch changes only the paths it names): the copy must own
   * every value the mutation changes and may share the rest. Only for updates whose strategy keeps
   * just the changed part (a status update), or whose kind's defaulting, admission and hooks are
   * known to rewrite nothing the mutation did not name (a pod's binding): in general a
   * main-resource update's defaulting and hooks may rewrite such values. Default: a deep copy. */
  readonly copyForMutation?: (current: JsonObject) => JsonObject;
  /** replacesCurrent: `mutate` builds the new object from the request alone (a PUT) and only reads
   * the current object, so it gets that object itself — shared with the watch cache, never to be
   * changed — instead of a deep copy. */
  readonly replacesCurrent?: boolean;
}

/** DeleteWriteOptions are the query options of a delete (and of an eviction, `subresource` 'eviction'). */
export interface DeleteWriteOptions { readonly dryRun: boolean; readonly user?: AdmissionUser; readonly subresource?: string }

/** Outcome is a successful write: HTTP code, the object (with resourceVersion) and warnings. */
export interface Outcome {
  readonly code: number;
  readonly obj: JsonObject;
  readonly warnings: string[];
  /** json: `obj` as JSON text, when the write already produced it (the stored text with its resourceVersion). */
  readonly json?: string;
}

/** ListQuery is a parsed list request. */
export interface ListQuery {
  readonly predicate: Predicate;
  readonly limit: number;
  readonly continueToken: string;
  readonly resourceVersion: string;
  readonly resourceVersionMatch: string;
  /** raw: the caller wants items as JSON text (ListPage.raw) and will not read `items`. */
  readonly raw?: boolean;
}

/** ListPage is one page of a list; `raw` (when asked for and possible) holds the items as JSON text. */
export interface ListPage { readonly items: JsonObject[]; readonly raw?: string[]; readonly revision: number; readonly continueToken?: string; readonly remaining?: number }

/** DeleteOptions is the decoded metav1.DeleteOptions. */
export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: string;
  readonly orphanDependents?: boolean;
  readonly preconditions?: { uid?: string; resourceVersion?: string };
}

/** Mutation computes the desired object from a private copy of the current one. */
export type Mutation = (current: JsonObject) => JsonObject | Promise<JsonObject>;

/** RegistryDeps are what the generic registry works with. */
export interface RegistryDeps {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly deps: ApiDeps;
  readonly caches: WatchCaches;
  readonly now: () => number;
  /** admission: the admission chain (default: the built-in chain over this registry; null: none). */
  readonly admission?: AdmissionChain | null;
  /** hooks: per-resource side effects of writes (Service IP and port allocation). */
  readonly hooks?: readonly ResourceHook[];
}

const MAX_RETRIES = 8;
/** privateCopy is what `mutate` gets: `cur` itself when the mutation only reads it (replacesCurrent),
 * else a deep copy of `cur` or the caller's narrower copy, which
 * always has its own metadata (the update writes server-set fields there). Values it shares with
 * `cur` are only ever read or (defaulting an already defaulted object) set to what they hold. */
function privateCopy(cur: JsonObject, opts: WriteOptions): JsonObject {
  if (opts.replacesCurrent) return cur;
  const copy = opts.copyForMutation;
  if (!copy) return clone(cur);
  const out = copy(cur);
  if (out === cur) return clone(cur);
  if (isObject(cur.metadata) && out.metadata === cur.metadata) out.metadata = { ...cur.metadata };
  return out;
}

/** RETRY: a try of update that must be run again (from a store read). */
const RETRY = Symbol('retry');
const NS_KIND_PREFIX = '/registry/core/namespaces/';

/** ResourceRegistry runs the generic verbs against the store. */
export class ResourceRegistry {
  readonly r: RegistryDeps;
  /** admission is the admission chain every create, update and delete runs through. */
  readonly admission: AdmissionChain | null;
  constructor(r: RegistryDeps) {
    this.r = r;
    this.admission = r.admission === undefined ? createAdmissionChain(this) : r.admission;
  }

  /** attrs builds the admission attributes of one write. */
  private attrs(operation: AdmissionOperation, kind: KindInfo, ns: string, name: string, obj: JsonObject | undefined, old: JsonObject | undefined,
    opts: { dryRun: boolean; user?: AdmissionUser }, subresource: string, warnings: string[]): AdmissionAttributes {
    return { operation, kind, subresource, namespace: kind.namespaced ? ns : '', name, object: obj, oldObject: old, user: opts.user ?? SYSTEM_USER, dryRun: opts.dryRun, warnings };
  }

  /** offered runs the store write of `text` at `key`, offering `obj` (what `text` encodes) to the
   * watch caches meanwhile so they need not parse `text` again. After the write the caller may set
   * only `obj.metadata` fields: the cache shares every nested value of `obj`. */
  private async offered<T>(key: string, text: string, obj: JsonObject | undefined, write: () => Promise<T>): Promise<T> {
    if (!obj) return write();
    const written = this.r.caches.written;
    written.offer(key, text, obj);
    try {
      return await write();
    } finally {
      written.withdraw(key, text);
    }
  }

  /** conv is the version conversion of `kind` (undefined when it is served in its storage version). */
  private conv(kind: KindInfo): StorageConversion | undefined { return storageConversion(kind, this.r.deps.kinds); }

  /** get reads one object (a consistent read). */
  async get(kind: KindInfo, ns: string, name: string): Promise<JsonObject> {
    const kv = await this.r.store.get(storageKey(kind, ns, name));
    if (!kv) throw notFound(kind.resource, kind.group, name);
    const conv = this.conv(kind);
    return conv ? conv.fromStorage(decodeKv(kv)) : decodeKv(kv);
  }

  /** getRaw reads one object as JSON text with its resourceVersion. */
  async getRaw(kind: KindInfo, ns: string, name: string): Promise<string> {
    const kv = await this.r.store.get(storageKey(kind, ns, name));
    if (!kv) throw notFound(kind.resource, kind.group, name);
    const conv = this.conv(kind);
    if (conv) return JSON.stringify(conv.fromStorage(decodeKv(kv)));
    return rawWithRv(kv.value, kv.modRevision) ?? JSON.stringify(decodeKv(kv));
  }

  /** namespaceState tells whether a namespace exists and whether it is terminating. */
  async namespaceState(ns: string): Promise<'missing' | 'active' | 'terminating'> {
    const key = NS_KIND_PREFIX + ns;
    let obj = this.#freshCacheAt(NS_KIND_PREFIX)?.get(key);
    if (!obj) {
      const kv = await this.r.store.get(key);
      if (!kv) return 'missing';
      obj = decodeKv(kv);
    }
    return obj.metadata?.deletionTimestamp || obj.status?.phase === 'Terminating' ? 'terminating' : 'active';
  }

  /** list reads a collection: from the watch cache for resourceVersion=0, else from the store with paging;
   * objects of a kind served in another version than stored are converted (and never raw). */
  async list(kind: KindInfo, ns: string, q: ListQuery): Promise<ListPage> {
    const conv = this.conv(kind);
    if (!conv) return this.listStored(kind, ns, q);
    const page = await this.listStored(kind, ns, { ...q, raw: false });
    return { ...page, items: page.items.map((o) => conv.fromStorage(o)) };
  }

  private async listStored(kind: KindInfo, ns: string, q: ListQuery): Promise<ListPage> {
    const prefix = storagePrefix(kind, ns);
    const pred = q.predicate;
    if (!q.continueToken && q.resourceVersion === '0' && q.resourceVersionMatch !== 'Exact' && hasWatchCache(kind)) {
      const cache = await this.r.caches.get(storagePrefix(kind));
      const snap = cache.list(prefix);
      // Honour `limit` from the cache too: the first page comes from the cache at its revision, the
      // rest (continue token) from the store at that same revision, which holds the same snapshot.
      const limit = q.limit > 0 ? q.limit : Infinity;
      const entries: typeof snap.entries = [];
      let continueToken: string | undefined;
      for (const e of snap.entries) {
        if (!pred.everything && !pred.matches(e.obj)) continue;
        if (entries.length === limit) {
          continueToken = encodeContinue(snap.revision, entries[entries.length - 1].key);
          break;
        }
        entries.push(e);
      }
      if (q.raw) return { items: [], raw: entries.map((e) => e.json()), revision: snap.revision, continueToken };
      return { items: entries.map((e) => e.obj), revision: snap.revision, continueToken };
    }
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (q.continueToken) {
      if (q.resourceVersion && q.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
      const st = decodeContinue(q.continueToken);
      if (!st) throw badRequest('continue key is not valid');
      if (!st.start.startsWith(prefix)) throw badRequest('continue key is not valid for this request');
      revision = st.rev;
      startAfter = st.start;
    } else if (q.resourceVersion && q.resourceVersion !== '0' && q.resourceVersionMatch === 'Exact') {
      const n = Number(q.resourceVersion);
      if (!Number.isSafeInteger(n) || n <= 0) throw badRequest(`invalid resource version: ${q.resourceVersion}`);
      revision = n;
    } else if (q.resourceVersion && q.resourceVersion !== '0' && !/^\d+$/.test(q.resourceVersion)) {
      throw badRequest(`invalid resource version: ${q.resourceVersion}`);
    }
    if (pred.nameOnly !== undefined && !q.continueToken && revision === undefined && (!kind.namespaced || ns !== '')) {
      const rev = await this.r.store.currentRevision();
      const kv = await this.r.store.get(prefix + pred.nameOnly);
      const items: JsonObject[] = [];
      if (kv) {
        const o = decodeKv(kv);
        if (pred.matches(o)) items.push(o);
      }
      return { items, revision: Math.max(rev, kv?.modRevision ?? 0) };
    }
    return this.scan(kind, prefix, pred, q.limit, revision, startAfter, q.raw);
  }

  private async scan(kind: KindInfo, prefix: string, pred: Predicate, limit: number, revision: number | undefined, startAfter: string | undefined, wantRaw = false): Promise<ListPage> {
    const items: JsonObject[] = [];
    const raw: string[] | undefined = wantRaw && pred.everything ? [] : undefined;
    let rev = revision;
    let after = startAfter;
    let lastKey: string | undefined;
    for (;;) {
      const want = limit > 0 ? (pred.everything ? limit - items.length : Math.max(limit, 500)) : undefined;
      const res = await this.r.store.list(prefix, { limit: want, startAfter: after, revision: rev });
      if (!res.ok) {
        if (startAfter) throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
        throw expired(`too old resource version: ${rev} (${res.compactRevision})`);
      }
      rev = res.revision;
      for (const kv of res.items) {
        after = kv.key;
        if (raw) {
          raw.push(rawWithRv(kv.value, kv.modRevision) ?? JSON.stringify(decodeKv(kv)));
        } else {
          const o = decodeKv(kv);
          if (!pred.everything && !pred.matches(o)) continue;
          items.push(o);
        }
        lastKey = kv.key;
        if (limit > 0 && (raw ?? items).length >= limit) break;
      }
      const full = limit > 0 && (raw ?? items).length >= limit;
      if (full) {
        const more = res.more || (after !== undefined && after !== lastKey) || res.items.length > 0 && res.items[res.items.length - 1].key !== lastKey;
        if (!more) return { items, raw, revision: rev };
        const remaining = pred.everything && res.remaining !== undefined ? res.remaining : undefined;
        return { items, raw, revision: rev, continueToken: encodeContinue(rev, lastKey!), remaining };
      }
      if (!res.more) return { items, raw, revision: rev };
    }
  }

  /** create stores a new object (201), or returns the would-be object under dryRun. */
  async create(kind: KindInfo, ns: string, body: JsonObject, opts: WriteOptions): Promise<Outcome> {
    const warnings: string[] = [];
    checkTypeMeta(body, kind);
    const obj = handleUnknownFields(body, kind, opts.fieldValidation, this.r.deps, this.r.catalog, warnings);
    const now = this.r.now();
    // Admission sees the name the client asked for (generateName resolves below, as upstream).
    const attrs = this.attrs('CREATE', kind, ns, String(obj.metadata?.name ?? ''), obj, undefined, opts, '', warnings);
    prepareCreateMeta(obj, kind, ns, now);
    if (isCsrKind(kind)) setCsrRequester(obj, opts.user);
    kind.defaults?.(obj);
    // As upstream, ownership is recorded on the object as sent (decoded and defaulted), before
    // admission: what admission adds (a token volume, tolerations, priority) belongs to no manager,
    // and neither does the status a kind with a status subresource resets on create.
    if (!opts.managedByMutation) this.r.deps.updateManagedFields(undefined, obj, { manager: opts.fieldManager, structName: kind.schema, registry: this.r.catalog.schemas, now: rfc3339(now), apiVersion: apiVersionOf(kind), ignoredFields: resetFields(kind, '') });
    await this.admission?.admit(attrs);
    defaultAndValidate(obj, kind, this.r.deps);
    await this.admission?.validate(attrs);
    const pending = await hookFor(this.r.hooks, kind)?.beforeCreate?.(obj, { dryRun: opts.dryRun });
    const conv = this.conv(kind);
    const stored = conv ? conv.toStorage(obj) : obj;
    if (opts.dryRun) return { code: 201, obj: conv ? conv.fromStorage(stored) : obj, warnings };
    const name = String(obj.metadata.name);
    const key = storageKey(kind, ns, name);
    const text = serialize(stored);
    const res = this.#noted(kind, await settle(pending, () => this.offered(key, text, conv ? undefined : obj, () => this.r.store.create(key, text))));
    if (!res.ok) throw alreadyExists(kind.resource, kind.group, name);
    return { code: 201, obj: stamp(conv ? conv.fromStorage(stored) : obj, res.kv.modRevision), warnings, json: conv ? undefined : rawWithRv(text, res.kv.modRevision) };
  }

  /** update runs `mutate` on the current object and stores the result with compare-and-swap,
   * retrying when the write was unconditional. `subresource` 'status' keeps all but .status.
   * As upstream's GuaranteedUpdate, the first try may start from the watch cache's copy; whatever
   * a stale copy could explain (a failed precondition or compare-and-swap, an error, no change at
   * all) is tried again from the store, so a stale copy costs a retry, never a wrong answer. */
  async update(kind: KindInfo, ns: string, name: string, mutate: Mutation, opts: WriteOptions, subresource = ''): Promise<Outcome> {
    const key = storageKey(kind, ns, name);
    for (let attempt = 0; ; attempt++) {
      const cached = attempt === 0 ? this.cachedForUpdate(kind, key) : undefined;
      let out: Outcome | typeof RETRY;
      try {
        out = await this.tryUpdate(kind, ns, name, key, mutate, opts, subresource, attempt, cached);
      } catch (e) {
        if (cached === undefined) throw e;
        continue; // read the store next time: the failure may be the cached copy's
      }
      if (out !== RETRY) return out;
    }
  }

  /** cachedForUpdate is the watch cache's current copy of `key` (shared: never to be changed), when
   * the kind is cached in its storage version and has no write hooks; else undefined. */
  private cachedForUpdate(kind: KindInfo, key: string): JsonObject | undefined {
    if (!hasWatchCache(kind) || this.conv(kind) || hookFor(this.r.hooks, kind)) return undefined;
    return this.freshCache(kind)?.get(key);
  }

  /** #written: per storage prefix, the newest revision this registry wrote there. */
  readonly #written = new Map<string, number>();

  /** #noted records a successful store write of `kind` in #written and returns its result. */
  #noted<T extends WriteResult>(kind: KindInfo, res: T): T {
    if (!res.ok) return res;
    const prefix = storagePrefix(kind);
    if (res.kv.modRevision > (this.#written.get(prefix) ?? 0)) this.#written.set(prefix, res.kv.modRevision);
    return res;
  }

  #freshCacheAt(prefix: string): ResourceCache | undefined {
    const cache = this.r.caches.peek(prefix);
    return cache?.loaded && cache.revision >= (this.#written.get(prefix) ?? 0) ? cache : undefined;
  }

  /** freshCache is the kind's loaded watch cache when it has seen every write this registry made to
   * the kind, so reads from it see this server's own writes (a cache fed by etcd trails them for a
   * moment); else undefined, and the caller reads the store. */
  freshCache(kind: KindInfo): ResourceCache | undefined { return this.#freshCacheAt(storagePrefix(kind)); }

  /** tryUpdate is one try of update: from `cached` (then any doubtful outcome is RETRY) or from a store read. */
  private async tryUpdate(kind: KindInfo, ns: string, name: string, key: string, mutate: Mutation, opts: WriteOptions, subresource: string, attempt: number, cached?: JsonObject): Promise<Outcome | typeof RETRY> {
    let cur: JsonObject;
    let modRevision: number;
    const conv = this.conv(kind);
    if (cached) {
      cur = cached;
      modRevision = Number(cached.metadata.resourceVersion);
    } else {
      const kv = await this.r.store.get(key);
      if (!kv) throw notFound(kind.resource, kind.group, name);
      cur = conv ? conv.fromStorage(decodeKv(kv)) : decodeKv(kv);
      modRevision = kv.modRevision;
    }
    const warnings: string[] = [];
    const curRv = cur.metadata.resourceVersion as string;
    let obj = await mutate(privateCopy(cur, opts));
    checkTypeMeta(obj, kind);
    const m = obj.metadata as JsonObject;
    if (m.name !== undefined && m.name !== name) {
      throw badRequest(`the name of the object (${String(m.name)}) does not match the name on the URL (${name})`);
    }
    if (kind.namespaced && m.namespace && m.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (m.uid && m.uid !== cur.metadata.uid) {
      throw conflict(kind.resource, kind.group, name, `Precondition failed: UID in precondition: ${String(m.uid)}, UID in object meta: ${String(cur.metadata.uid)}`);
    }
    const conditional = m.resourceVersion !== undefined && m.resourceVersion !== '';
    if (conditional && String(m.resourceVersion) !== curRv) throw conflict(kind.resource, kind.group, name);
    obj = handleUnknownFields(obj, kind, opts.fieldValidation, this.r.deps, this.r.catalog, warnings, opts.patch, cur);
    obj = applySubresourceRules(obj, cur, kind, subresource);
    carryOverMeta(obj, cur);
    const hook = subresource === '' ? hookFor(this.r.hooks, kind) : undefined;
    hook?.prepareUpdate?.(obj, cur);
    const now = this.r.now();
    const attrs = this.attrs('UPDATE', kind, ns, name, obj, cur, opts, subresource, warnings);
    kind.defaults?.(obj);
    // Ownership before admission, as on create (upstream's field manager runs before mutating admission).
    if (!opts.managedByMutation) this.r.deps.updateManagedFields(cur, obj, { manager: opts.fieldManager, structName: kind.schema, registry: this.r.catalog.schemas, now: rfc3339(now), apiVersion: apiVersionOf(kind), subresource: subresource || undefined, ignoredFields: resetFields(kind, subresource) });
    await this.admission?.admit(attrs);
    defaultAndValidate(obj, kind, this.r.deps, cur);
    await this.admission?.validate(attrs);
    const pending = await hook?.beforeUpdate?.(obj, cur, { dryRun: opts.dryRun });
    // After defaulting: an update that only omits defaulted fields changes no spec.
    if (subresource === '' && specChanged(obj, cur, kind)) obj.metadata.generation = (Number(cur.metadata.generation) || 0) + 1;
    obj.metadata.resourceVersion = curRv;
    if (this.finalizersDone(obj, kind)) {
      const out = await settle(pending, () => this.removeNow(kind, key, obj, modRevision, opts, name), false);
      if (!opts.dryRun) await hook?.afterRemove?.(cur);
      return out;
    }
    if (sameIgnoringManagedFields(obj, cur)) {
      await pending?.abort();
      return cached ? RETRY : { code: 200, obj: cur, warnings };
    }
    const stored = conv ? conv.toStorage(obj) : obj;
    if (opts.dryRun) return { code: 200, obj: conv ? conv.fromStorage(stored) : obj, warnings };
    const text = serialize(stored);
    const res = this.#noted(kind, await settle(pending, () => this.offered(key, text, conv ? undefined : obj, () => this.r.store.update(key, text, modRevision))));
    if (res.ok) return { code: 200, obj: stamp(conv ? conv.fromStorage(stored) : obj, res.kv.modRevision), warnings, json: conv ? undefined : rawWithRv(text, res.kv.modRevision) };
    if (cached) return RETRY;
    if (res.reason === 'NotFound') throw notFound(kind.resource, kind.group, name);
    if (conditional || attempt >= MAX_RETRIES) throw conflict(kind.resource, kind.group, name);
    return RETRY;
  }

  private finalizersDone(obj: JsonObject, kind: KindInfo): boolean {
    const m = obj.metadata as JsonObject;
    if (!m.deletionTimestamp) return false;
    if (Array.isArray(m.finalizers) && m.finalizers.length > 0) return false;
    if (isNamespaceKind(kind) && Array.isArray(obj.spec?.finalizers) && obj.spec.finalizers.length > 0) return false;
    return !m.deletionGracePeriodSeconds;
  }

  private async removeNow(kind: KindInfo, key: string, obj: JsonObject, modRevision: number, opts: { dryRun: boolean }, name: string): Promise<Outcome> {
    if (opts.dryRun) return { code: 200, obj, warnings: [] };
    const res = this.#noted(kind, await this.r.store.delete(key, modRevision));
    if (res.ok) return { code: 200, obj: stamp(obj, res.kv.modRevision), warnings: [] };
    if (res.reason === 'NotFound') throw notFound(kind.resource, kind.group, name);
    throw conflict(kind.resource, kind.group, name);
  }

  /** delete removes an object, or marks it terminating when finalizers (or a pod's grace period) hold it. */
  async delete(kind: KindInfo, ns: string, name: string, options: DeleteOptions, opts: DeleteWriteOptions): Promise<Outcome> {
    const out = await this.deleteStored(kind, ns, name, options, opts);
    const conv = this.conv(kind);
    return conv ? { ...out, obj: conv.fromStorage(out.obj) } : out;
  }

  private async deleteStored(kind: KindInfo, ns: string, name: string, options: DeleteOptions, opts: DeleteWriteOptions): Promise<Outcome> {
    const key = storageKey(kind, ns, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.r.store.get(key);
      if (!kv) throw notFound(kind.resource, kind.group, name);
      const obj = decodeKv(kv);
      if (attempt === 0 && this.admission) {
        const conv = this.conv(kind);
        const old = conv ? conv.fromStorage(clone(obj)) : clone(obj);
        const a = this.attrs(opts.subresource === 'eviction' ? 'CREATE' : 'DELETE', kind, ns, name, undefined, old, opts, opts.subresource ?? '', []);
        await this.admission.admit(a);
        await this.admission.validate(a);
      }
      const m = obj.metadata as JsonObject;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== m.uid) {
        throw conflict(kind.resource, kind.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(m.uid)}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== m.resourceVersion) {
        throw conflict(kind.resource, kind.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(m.resourceVersion)}`);
      }
      const fin: string[] = Array.isArray(m.finalizers) ? [...m.finalizers] : [];
      const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
      if (policy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(policy)) {
        throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
      }
      if (options.gracePeriodSeconds !== undefined && (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)) {
        if (!(Number.isInteger(options.gracePeriodSeconds) && options.gracePeriodSeconds < 0)) throw badRequest('gracePeriodSeconds must be an integer');
      }
      if (policy === 'Foreground' && !fin.includes('foregroundDeletion')) fin.push('foregroundDeletion');
      if (policy === 'Orphan' && !fin.includes('orphan')) fin.push('orphan');
      const nsHeld = isNamespaceKind(kind) && Array.isArray(obj.spec?.finalizers) && obj.spec.finalizers.length > 0;
      let grace = 0;
      if (kind.group === '' && kind.resource === 'pods') {
        const g = options.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
        const done = obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed';
        grace = obj.spec?.nodeName && !done ? Math.max(0, Math.trunc(g)) : 0;
      }
      const held = fin.length > 0 || nsHeld || grace > 0;
      if (!held) {
        if (opts.dryRun) return { code: 200, obj, warnings: [] };
        const res = this.#noted(kind, await this.r.store.delete(key, kv.modRevision));
        if (res.ok) {
          await hookFor(this.r.hooks, kind)?.afterRemove?.(obj);
          return { code: 200, obj: decodeKv(res.kv), warnings: [] };
        }
        if (res.reason === 'NotFound') throw notFound(kind.resource, kind.group, name);
        if (attempt >= MAX_RETRIES) throw conflict(kind.resource, kind.group, name);
        continue;
      }
      if (m.deletionTimestamp) {
        const curGrace = Number(m.deletionGracePeriodSeconds ?? 0);
        const sameFin = fin.length === (m.finalizers?.length ?? 0);
        if (sameFin && (grace >= curGrace || kind.resource !== 'pods')) return { code: 200, obj, warnings: [] };
      }
      const now = this.r.now();
      m.deletionTimestamp = rfc3339(now + grace * 1000);
      m.deletionGracePeriodSeconds = grace;
      if (fin.length > 0) m.finalizers = fin;
      if (isNamespaceKind(kind)) obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
      if (opts.dryRun) return { code: 200, obj, warnings: [] };
      const res = this.#noted(kind, await this.r.store.update(key, serialize(obj), kv.modRevision));
      if (res.ok) return { code: 200, obj: stamp(obj, res.kv.modRevision), warnings: [] };
      if (res.reason === 'NotFound') throw notFound(kind.resource, kind.group, name);
      if (attempt >= MAX_RETRIES) throw conflict(kind.resource, kind.group, name);
    }
  }

  /** deleteCollection deletes every object a list query matches; returns the deleted objects. */
  async deleteCollection(kind: KindInfo, ns: string, pred: Predicate, options: DeleteOptions, opts: DeleteWriteOptions): Promise<JsonObject[]> {
    const page = await this.scan(kind, storagePrefix(kind, ns), pred ?? EVERYTHING, 0, undefined, undefined);
    const out: JsonObject[] = [];
    for (const o of page.items) {
      try {
        const r = await this.delete(kind, o.metadata.namespace ?? '', o.metadata.name, options, opts);
        out.push(r.obj);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 404)) throw e;
      }
    }
    return out;
  }
}

