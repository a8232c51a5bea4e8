/**
 * @module store/types — the Store contract every backend (memory, sqlite, etcd) fulfils.
 *
 * The model is etcd v3's: one global, strictly increasing revision; every write gets the next
 * revision; a key remembers the revision that created it (createRevision) and the one that last
 * wrote it (modRevision). An object's Kubernetes resourceVersion is its modRevision; a list's is
 * the store revision at read time. Expected outcomes (already exists, conflict, not found,
 * compacted) are values, never exceptions; a thrown error means the backend itself failed.
 */

/** KeyValue is one live key at one revision. `value` is the stored bytes as UTF-8 text (JSON). */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
}

/** WriteResult is the outcome of create/update/delete. On success `kv` is the key as written
 * (for delete: the last state, with modRevision = the revision of the delete). On a failed
 * precondition `current` is the key's current state, if it exists. */
export type WriteResult =
  | { readonly ok: true; readonly kv: KeyValue; readonly revision: number }
  | { readonly ok: false; readonly reason: 'AlreadyExists' | 'Conflict' | 'NotFound'; readonly current?: KeyValue };

/** ListOptions: a prefix range read. `startAfter` (exclusive) resumes a paged read; `revision`
 * reads a past snapshot (0/undefined = now) and fails with Compacted below the compact revision. */
export interface ListOptions {
  readonly limit?: number;
  readonly startAfter?: string;
  readonly revision?: number;
}

/** ListResult: `revision` is the snapshot the items were read at; `more` says items remain. */
export type ListResult =
  | { readonly ok: true; readonly items: readonly KeyValue[]; readonly revision: number; readonly more: boolean; readonly remaining?: number }
  | { readonly ok: false; readonly reason: 'Compacted'; readonly compactRevision: number };

/** WatchEvent is one change. For 'delete', `kv` is the last state with modRevision = the delete's
 * revision and `prev` is the state before. For 'put', `prev` is the previous state when one existed
 * (undefined on create). */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  readonly prev?: KeyValue;
}

/** WatchListener receives events in revision order, in batches (one batch per committed group).
 * `onCompacted` is called at most once, instead of any event, when `afterRevision` is older than
 * the compact revision; the watch is then over. */
export interface WatchListener {
  onEvents(events: readonly WatchEvent[]): void;
  onCompacted(compactRevision: number): void;
  /** onError: the backend lost the watch (e.g. etcd connection); the watch is over. */
  onError?(err: Error): void;
}

/** Store is a revisioned key-value store with compare-and-swap, prefix watches and compaction. */
export interface Store {
  /** name: the backend ("sqlite", "etcd", "memory") for logs and metrics. */
  readonly name: string;
  /** currentRevision returns the latest committed revision (0 for an empty store). */
  currentRevision(): Promise<number>;
  /** get returns the key's latest state, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** list reads keys with `prefix`, sorted by key, at one snapshot revision. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** count returns how many keys have `prefix` now. */
  count(prefix: string): Promise<number>;
  /** create writes `key` only if absent; durable before it resolves. */
  create(key: string, value: string): Promise<WriteResult>;
  /** update writes `key` only if its modRevision equals `expectedRevision`. */
  update(key: string, value: string, expectedRevision: number): Promise<WriteResult>;
  /** delete removes `key`, only if its modRevision equals `expectedRevision` when given. */
  delete(key: string, expectedRevision?: number): Promise<WriteResult>;
  /** watch delivers every change to keys with `prefix` after `afterRevision`, until `signal` aborts. */
  watch(prefix: string, afterRevision: number, listener: WatchListener, signal: AbortSignal): void;
  /** compact forgets history at and below `revision` (latest state of live keys is kept). */
  compact(revision: number): Promise<void>;
  /** compactRevision returns the revision of the last compaction (0 if never). */
  compactRevision(): Promise<number>;
  /** close releases files, connections and watches. */
  close(): Promise<void>;
}
