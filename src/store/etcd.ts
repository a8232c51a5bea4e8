/**
 * @module store/etcd — the Store on etcd v3 through the `etcd3` client's raw KV/Watch RPCs.
 *
 * create = txn(mod_revision == 0 ? put : range); update/delete = txn(mod_revision == expected and
 * the key exists ? put/delete(prev_kv) : range). A list is a series of bounded range requests at
 * the revision of the first (never one unbounded range: etcd answers in one gRPC message, and the
 * client's receive limit is finite); watches are one gRPC watch stream each, from afterRevision + 1
 * with prev_kv. The client runs without etcd3's retry and circuit-breaker policies, so one failed
 * call never fails later ones; idempotent reads retry UNAVAILABLE themselves. etcd's "compacted" answers map
 * to Compacted / onCompacted; the compact revision is learnt from our own compactions, from watch
 * cancellations, or probed by a binary search over historical reads.
 */
import { Etcd3, GRPCResourceExhastedError, GRPCUnavailableError, type IKeyValue, type IOptions, type IRangeResponse, type IRequestOp, type IWatchResponse } from 'etcd3';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchListener, WriteResult } from './types.ts';
import { closedError } from './watch-hub.ts';

/** EtcdStoreOptions: TLS material (PEM) for https endpoints, the dial timeout, and read sizing. */
export interface EtcdStoreOptions {
  readonly tls?: { readonly ca: string; readonly cert?: string; readonly key?: string };
  readonly dialTimeoutMs?: number;
  /** listPageSize: keys in the first etcd range request of a list (default LIST_PAGE_SIZE); later
   * requests of the same list are sized by bytes (see MAX_PAGE_BYTES). */
  readonly listPageSize?: number;
  /** maxReceiveMessageBytes: the gRPC client's receive limit (default MAX_RECEIVE_BYTES). */
  readonly maxReceiveMessageBytes?: number;
}

/** LIST_PAGE_SIZE: keys in the first range request of a list; at Kubernetes object sizes
 * (1–10 KB) it stays far below the gRPC receive limit. */
export const LIST_PAGE_SIZE = 500;

/** MAX_PAGE_BYTES / PAGE_BYTES_SHARE: later range requests of a list aim at min(MAX_PAGE_BYTES,
 * receive limit × PAGE_BYTES_SHARE) bytes, at most MAX_PAGE_KEYS keys. */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;
const PAGE_BYTES_SHARE = 0.25;
const MAX_PAGE_KEYS = 10_000;

/** MAX_RECEIVE_BYTES: the gRPC receive limit, a second line of defence behind paging (one key
 * may hold up to etcd's request limit, 1.5 MiB by default, so a page of large values can exceed 4 MiB). */
export const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** passThrough is a fault-handling policy that just runs the call: no retries (a retried txn could
 * report our own lost-ack write as AlreadyExists/Conflict) and no circuit breaker (whose default
 * opens after three failures of any recoverable kind, e.g. one oversized response retried three
 * times, and then fails every later call for 5 s). Reads retry transient failures themselves. */
const passThrough: Policy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: async (fn, signal) => fn({ signal: signal ?? new AbortController().signal }),
};

/** isTransient: the channel failed before or while talking to etcd (worth one more try for reads). */
const isTransient = (err: unknown): boolean => err instanceof GRPCUnavailableError;

const ZERO = Buffer.from([0]);

/** bytePrefixEnd is etcd's range_end for a prefix: the prefix with its last byte below 0xff incremented. */
function bytePrefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return ZERO; // every key
}

function kvOf(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

const isCompacted = (err: unknown): boolean => err instanceof Error && /required revision has been compacted/.test(err.message);

class EtcdStore implements Store {
  readonly name = 'etcd';
  readonly #client: Etcd3;
  readonly #pageSize: number;
  readonly #pageBytes: number;
  #knownCompact = 0;
  #closed = false;
  readonly #streams = new Set<{ cancel(): void }>();

  constructor(client: Etcd3, pageSize: number, maxReceiveBytes: number) {
    this.#client = client;
    this.#pageSize = pageSize;
    this.#pageBytes = Math.max(1, Math.min(MAX_PAGE_BYTES, Math.floor(maxReceiveBytes * PAGE_BYTES_SHARE)));
  }

  #check(): void {
    if (this.#closed) throw closedError(this.name);
  }

  #mustExist(key: Buffer, expected: number | undefined): NonNullable<Parameters<Etcd3['kv']['txn']>[0]['compare']> {
    const cmp: NonNullable<Parameters<Etcd3['kv']['txn']>[0]['compare']> = [{ key, target: 'Version', result: 'Greater', version: 0 }];
    if (expected !== undefined) cmp.push({ key, target: 'Mod', result: 'Equal', mod_revision: expected });
    return cmp;
  }

  /** #failure turns the failure branch's range response into NotFound / Conflict / AlreadyExists. */
  #failure(responses: { response_range?: { kvs: IKeyValue[] } }[], exists: 'AlreadyExists' | 'Conflict'): WriteResult {
    const kv = responses[0]?.response_range?.kvs[0];
    if (!kv) return { ok: false, reason: 'NotFound' };
    return { ok: false, reason: exists, current: kvOf(kv) };
  }

  async currentRevision(): Promise<number> {
    this.#check();
    const res = await this.#read(() => this.#client.kv.range({ key: ZERO, count_only: true }));
    return Number(res.header.revision);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#check();
    const res = await this.#read(() => this.#client.kv.range({ key: Buffer.from(key) }));
    return res.kvs[0] ? kvOf(res.kvs[0]) : undefined;
  }

  /** #read runs an idempotent read, retrying transient channel failures a couple of times. */
  async #read<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (attempt >= 2 || !isTransient(err) || this.#closed) throw err;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
  }

  #range(key: Buffer, end: Buffer, limit: number, revision: number): Promise<IRangeResponse> {
    return this.#read(() => this.#client.kv.range({ key: key.length ? key : ZERO, range_end: end, limit, revision }));
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.#check();
    const p = Buffer.from(prefix);
    let start = p;
    if (opts.startAfter !== undefined) {
      const after = Buffer.concat([Buffer.from(opts.startAfter), ZERO]);
      if (Buffer.compare(after, start) > 0) start = after;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const revision = opts.revision && opts.revision > 0 ? opts.revision : 0;
    if (revision > 0 && revision < this.#knownCompact) return { ok: false, reason: 'Compacted', compactRevision: this.#knownCompact };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#pagedRange(start, bytePrefixEnd(p), limit, revision);
      } catch (err) {
        if (!isCompacted(err)) throw err;
        // A read of "now" whose snapshot was compacted between two of its pages starts over.
        if (revision === 0 && attempt < 3) continue;
        return { ok: false, reason: 'Compacted', compactRevision: await this.#probeCompactRevision() };
      }
    }
  }

  /** #pagedRange reads up to `limit` keys (0 = all) of [start, end) in range requests, every one
   * at the revision of the first, so the result is one snapshot. The first request asks for the
   * page size; later ones aim at PAGE_BYTES_SHARE of the receive limit from the average key+value
   * size so far (etcd counts the rest of the range on every request, so many small pages cost
   * O(n²/page)); a page that still comes back too large is retried at half the keys. */
  async #pagedRange(start: Buffer, end: Buffer, limit: number, revision: number): Promise<ListResult> {
    const items: KeyValue[] = [];
    let keys = this.#pageSize;
    let from = start;
    let rev = revision;
    let total = -1; // keys in [start, end) at rev, from the first response
    let bytes = 0;
    let more = true;
    while (more && (limit === 0 || items.length < limit)) {
      const want = limit > 0 ? Math.min(limit - items.length, keys) : keys;
      let res: IRangeResponse;
      try {
        res = await this.#range(from, end, want, rev);
      } catch (err) {
        if (!(err instanceof GRPCResourceExhastedError) || want <= 1) throw err;
        keys = Math.max(1, Math.floor(want / 2));
        continue;
      }
      if (total < 0) {
        rev = rev || Number(res.header.revision);
        total = Number(res.count);
      }
      for (const kv of res.kvs) {
        items.push(kvOf(kv));
        bytes += kv.key.length + kv.value.length;
      }
      const last = res.kvs[res.kvs.length - 1]?.key;
      more = res.more && last !== undefined;
      if (last) from = Buffer.concat([last, ZERO]);
      if (items.length > 0) keys = Math.max(1, Math.min(MAX_PAGE_KEYS, Math.floor(this.#pageBytes / (bytes / items.length))));
    }
    return { ok: true, items, revision: rev, more, remaining: Math.max(0, total - items.length) };
  }

  async count(prefix: string): Promise<number> {
    this.#check();
    const p = Buffer.from(prefix);
    const res = await this.#read(() => this.#client.kv.range({ key: p.length ? p : ZERO, range_end: bytePrefixEnd(p), count_only: true }));
    return Number(res.count);
  }

  async create(key: string, value: string): Promise<WriteResult> {
    this.#check();
    const k = Buffer.from(key);
    const res = await this.#client.kv.txn({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) return this.#failure(res.responses, 'AlreadyExists');
    const rev = Number(res.header.revision);
    return { ok: true, kv: { key, value, createRevision: rev, modRevision: rev }, revision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<WriteResult> {
    this.#check();
    const k = Buffer.from(key);
    const res = await this.#client.kv.txn({
      compare: this.#mustExist(k, expectedRevision),
      success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) return this.#failure(res.responses, 'Conflict');
    const rev = Number(res.header.revision);
    const prev = res.responses[0]?.response_put?.prev_kv;
    const createRevision = prev ? Number(prev.create_revision) : rev;
    return { ok: true, kv: { key, value, createRevision, modRevision: rev }, revision: rev };
  }

  async delete(key: string, expectedRevision?: number): Promise<WriteResult> {
    this.#check();
    const k = Buffer.from(key);
    const del: IRequestOp = { request_delete_range: { key: k, prev_kv: true } };
    const res = await this.#client.kv.txn({
      compare: this.#mustExist(k, expectedRevision),
      success: [del],
      failure: [{ request_range: { key: k } }],
    });
    if (!res.succeeded) return this.#failure(res.responses, 'Conflict');
    const rev = Number(res.header.revision);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) return { ok: false, reason: 'NotFound' }; // deleted concurrently between compare and delete: cannot happen in one txn
    return { ok: true, kv: { ...kvOf(prev), modRevision: rev }, revision: rev };
  }

  watch(prefix: string, afterRevision: number, listener: WatchListener, signal: AbortSignal): void {
    this.#check();
    if (signal.aborted) return;
    let done = false;
    let stream: { cancel(): void; end(): void } | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', finish);
      if (stream) {
        this.#streams.delete(stream);
        stream.cancel();
      }
    };
    signal.addEventListener('abort', finish, { once: true });
    const fail = (err: unknown): void => {
      if (done) return;
      finish();
      listener.onError?.(err instanceof Error ? err : new Error(String(err)));
    };
    if (afterRevision < this.#knownCompact) {
      const rev = this.#knownCompact;
      queueMicrotask(() => {
        if (done) return;
        finish();
        listener.onCompacted(rev);
      });
      return;
    }
    const p = Buffer.from(prefix);
    this.#client.watchClient.watch().then((s) => {
      if (done || this.#closed) {
        s.cancel();
        return;
      }
      stream = s;
      this.#streams.add(s);
      s.on('data', (res: IWatchResponse) => {
        if (done) return;
        if (res.canceled) {
          const compactRev = Number(res.compact_revision);
          finish();
          if (compactRev > 0) {
            this.#knownCompact = Math.max(this.#knownCompact, compactRev);
            listener.onCompacted(compactRev);
          } else {
            listener.onError?.(new Error(`etcd watch canceled: ${res.cancel_reason || 'no reason given'}`));
          }
          return;
        }
        if (res.events.length === 0) return;
        const events = res.events.map((ev): WatchEvent => {
          if (ev.type === 'Delete') {
            const prev = ev.prev_kv ? kvOf(ev.prev_kv) : undefined;
            const base = prev ?? { key: ev.kv.key.toString('utf8'), value: '', createRevision: 0, modRevision: 0 };
            return { type: 'delete', kv: { ...base, modRevision: Number(ev.kv.mod_revision) }, prev };
          }
          const kv = kvOf(ev.kv);
          return ev.prev_kv ? { type: 'put', kv, prev: kvOf(ev.prev_kv) } : { type: 'put', kv };
        });
        try {
          listener.onEvents(events);
        } catch (err) {
          fail(err);
        }
      });
      s.on('error', (err: unknown) => fail(err));
      s.on('end', () => fail(new Error('etcd watch stream ended')));
      s.write({ create_request: { key: p.length ? p : ZERO, range_end: bytePrefixEnd(p), start_revision: afterRevision + 1, prev_kv: true } });
    }, fail);
  }

  async compact(revision: number): Promise<void> {
    this.#check();
    if (revision <= this.#knownCompact) return;
    try {
      await this.#client.kv.compact({ revision, physical: true });
    } catch (err) {
      if (!isCompacted(err)) throw err; // already compacted at or past `revision`
    }
    this.#knownCompact = Math.max(this.#knownCompact, revision);
  }

  async compactRevision(): Promise<number> {
    this.#check();
    return this.#probeCompactRevision();
  }

  /** #probeCompactRevision finds the oldest readable revision by binary search (reads below it fail). */
  async #probeCompactRevision(): Promise<number> {
    const readable = async (rev: number): Promise<boolean> => {
      try {
        await this.#client.kv.range({ key: ZERO, count_only: true, revision: rev });
        return true;
      } catch (err) {
        if (isCompacted(err)) return false;
        throw err;
      }
    };
    let lo = Math.max(1, this.#knownCompact);
    if (await readable(lo)) return this.#knownCompact;
    let hi = await this.currentRevision(); // always readable
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    this.#knownCompact = Math.max(this.#knownCompact, hi);
    return this.#knownCompact;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#streams) s.cancel();
    this.#streams.clear();
    this.#client.close();
  }
}

/** openEtcdStore connects to etcd (`http(s)://host:port` endpoints) and checks it answers. */
export async function openEtcdStore(endpoints: string[], opts: EtcdStoreOptions = {}): Promise<Store> {
  const maxReceive = opts.maxReceiveMessageBytes ?? MAX_RECEIVE_BYTES;
  const client = new Etcd3({
    hosts: endpoints,
    dialTimeout: opts.dialTimeoutMs ?? 5000,
    grpcOptions: { 'grpc.max_receive_message_length': maxReceive },
    faultHandling: { host: () => passThrough, global: passThrough },
    credentials: opts.tls
      ? {
          rootCertificate: Buffer.from(opts.tls.ca),
          privateKey: opts.tls.key ? Buffer.from(opts.tls.key) : undefined,
          certChain: opts.tls.cert ? Buffer.from(opts.tls.cert) : undefined,
        }
      : undefined,
  });
  try {
    await client.kv.range({ key: ZERO, count_only: true });
  } catch (err) {
    client.close();
    throw new Error(`etcd at ${endpoints.join(',')} is not reachable: ${err instanceof Error ? err.message : String(err)}`);
  }
  return new EtcdStore(client, Math.max(1, Math.floor(opts.listPageSize ?? LIST_PAGE_SIZE)), maxReceive);
}
