/**
 * @module client/fake — an in-memory ApiClient that records every call as an action, for
 * controller tests in sample-controller's style: seed the informer caches, call `reconcile`,
 * assert the ordered actions. Objects it is given are kept (create/update) so later calls see
 * them; a reactor can answer or fail any action first.
 */
import { alreadyExists, notFound, type JsonObject } from '../api/index.ts';
import type { ApiClient, DeleteOptions, ListOptions, ObjectList, PatchOptions, PatchType, WatchEvent, WatchOptions, WriteOptions } from './rest.ts';
import type { Resource } from './resources.ts';

/** FakeAction is one recorded call. */
export interface FakeAction {
  readonly verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'watch';
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
  readonly object?: JsonObject;
  readonly patch?: unknown;
  readonly patchType?: PatchType;
}

/** Reactor may answer an action (return an object), fail it (throw), or pass (return undefined). */
export type Reactor = (a: FakeAction) => JsonObject | undefined;

/** FakeClient is a recording in-memory ApiClient. */
export class FakeClient implements ApiClient {
  readonly actions: FakeAction[] = [];
  readonly objects = new Map<string, JsonObject>();
  readonly #reactors: Reactor[] = [];
  #rv = 1;

  /** react adds a reactor consulted (in order of addition) before the in-memory tracker. */
  react(r: Reactor): this { this.#reactors.push(r); return this; }

  /** seed stores objects without recording actions. */
  seed(r: Resource, ...objs: JsonObject[]): this {
    for (const o of objs) this.objects.set(this.#key(r, String(o.metadata?.namespace ?? ''), String(o.metadata?.name)), structuredClone(o));
    return this;
  }

  /** verbs renders the recorded actions compactly: `create serviceaccounts team-a/default`, `update certificatesigningrequests x/approval`. */
  verbs(): string[] {
    return this.actions.map((a) => `${a.verb} ${a.resource} ${a.namespace ? `${a.namespace}/` : ''}${a.name}${a.subresource ? `/${a.subresource}` : ''}`.trimEnd());
  }

  #key(r: Resource, ns: string, name: string): string { return `${r.group}/${r.resource}/${r.namespaced ? ns : ''}/${name}`; }

  #record(a: FakeAction): JsonObject | undefined {
    this.actions.push(a);
    for (const r of this.#reactors) {
      const out = r(a);
      if (out !== undefined) return out;
    }
    return undefined;
  }

  #stamp(obj: JsonObject, ns: string, r: Resource): JsonObject {
    const o = structuredClone(obj);
    o.metadata = { ...(o.metadata ?? {}), resourceVersion: String(++this.#rv) };
    if (r.namespaced && ns) o.metadata.namespace = ns;
    o.metadata.uid ??= `uid-${this.#rv}`;
    return o;
  }

  async get<T = JsonObject>(r: Resource, namespace: string, name: string): Promise<T> {
    const out = this.#record({ verb: 'get', resource: r.resource, namespace, name, subresource: '' });
    if (out) return out as T;
    const o = this.objects.get(this.#key(r, namespace, name));
    if (!o) throw notFound(r.resource, r.group, name);
    return structuredClone(o) as T;
  }

  async list<T = JsonObject>(r: Resource, namespace: string, _opts?: ListOptions): Promise<ObjectList<T>> {
    const out = this.#record({ verb: 'list', resource: r.resource, namespace, name: '', subresource: '' });
    if (out) return out as unknown as ObjectList<T>;
    const prefix = `${r.group}/${r.resource}/`;
    const items = [...this.objects.entries()].filter(([k, o]) => k.startsWith(prefix) && (!namespace || o.metadata?.namespace === namespace)).map(([, o]) => structuredClone(o));
    return { items: items as T[], metadata: { resourceVersion: String(this.#rv) } };
  }

  async create<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, _opts?: WriteOptions): Promise<T> {
    const name = String(obj.metadata?.name ?? '');
    const out = this.#record({ verb: 'create', resource: r.resource, namespace, name, subresource: '', object: structuredClone(obj) });
    if (out) return out as T;
    const key = this.#key(r, namespace, name);
    if (this.objects.has(key)) throw alreadyExists(r.resource, r.group, name);
    const stored = this.#stamp(obj, namespace, r);
    this.objects.set(key, stored);
    return structuredClone(stored) as T;
  }

  update<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts?: WriteOptions): Promise<T> {
    return this.updateSubresource(r, namespace, '', obj, opts);
  }

  updateStatus<T = JsonObject>(r: Resource, namespace: string, obj: JsonObject, opts?: WriteOptions): Promise<T> {
    return this.updateSubresource(r, namespace, 'status', obj, opts);
  }

  async createSubresource<T = JsonObject>(r: Resource, namespace: string, name: string, subresource: string, obj: JsonObject, _opts?: WriteOptions): Promise<T> {
    const out = this.#record({ verb: 'create', resource: r.resource, namespace, name, subresource, object: structuredClone(obj) });
    return (out ?? structuredClone(obj)) as T;
  }

  async updateSubresource<T = JsonObject>(r: Resource, namespace: string, subresource: string, obj: JsonObject, _opts?: WriteOptions): Promise<T> {
    const name = String(obj.metadata?.name ?? '');
    const out = this.#record({ verb: 'update', resource: r.resource, namespace, name, subresource, object: structuredClone(obj) });
    if (out) return out as T;
    const stored = this.#stamp(obj, namespace, r);
    this.objects.set(this.#key(r, namespace, name), stored);
    return structuredClone(stored) as T;
  }

  async patch<T = JsonObject>(r: Resource, namespace: string, name: string, type: PatchType, patch: unknown, opts: PatchOptions = {}): Promise<T> {
    const out = this.#record({ verb: 'patch', resource: r.resource, namespace, name, subresource: opts.subresource ?? '', patch, patchType: type });
    if (out) return out as T;
    const cur = this.objects.get(this.#key(r, namespace, name));
    if (!cur) throw notFound(r.resource, r.group, name);
    return structuredClone(cur) as T;
  }

  async delete(r: Resource, namespace: string, name: string, _opts?: DeleteOptions): Promise<void> {
    const out = this.#record({ verb: 'delete', resource: r.resource, namespace, name, subresource: '' });
    if (out) return;
    if (!this.objects.delete(this.#key(r, namespace, name))) throw notFound(r.resource, r.group, name);
  }

  readonly #watchers = new Set<{ r: Resource; namespace: string; push(e: WatchEvent): void }>();

  /** emit delivers an event to the open watches of `r` (whose namespace matches). */
  emit(r: Resource, event: WatchEvent): void {
    for (const w of this.#watchers) {
      if (w.r.group === r.group && w.r.resource === r.resource && (!w.namespace || w.namespace === event.object.metadata?.namespace)) w.push(event);
    }
  }

  /** watch records the call and then yields what `emit` sends until the signal aborts. */
  async *watch<T = JsonObject>(r: Resource, namespace: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    this.#record({ verb: 'watch', resource: r.resource, namespace, name: '', subresource: '' });
    const pending: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const w = { r, namespace, push: (e: WatchEvent) => { pending.push(e); wake?.(); } };
    const onAbort = (): void => wake?.();
    opts.signal?.addEventListener('abort', onAbort);
    this.#watchers.add(w);
    try {
      while (!opts.signal?.aborted) {
        const e = pending.shift();
        if (e) { yield e as WatchEvent<T>; continue; }
        await new Promise<void>((res) => { wake = res; });
        wake = undefined;
      }
    } finally {
      this.#watchers.delete(w);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }
}
