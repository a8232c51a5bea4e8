/**
 * @module apiserver/cached-object — one object as the watch cache holds it. Parsed, with
 * metadata.managedFields (a third or more of a parsed object, read by almost no one) left as JSON
 * text and parsed on first use; equal short strings shared with the cache's other objects; and its
 * stored text only while a recent event needs it: once the object's last event has left the ring,
 * the entry keeps just the managedFields slice of that text (`compact`), and serializes the rest
 * from the parsed form when asked.
 */
import type { Interner, JsonObject } from '../api/index.ts';
import type { KeyValue } from '../store/types.ts';

/** decodeKv parses a stored value and stamps its resourceVersion. */
export function decodeKv(kv: KeyValue): JsonObject {
  const obj = JSON.parse(kv.value) as JsonObject;
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

const RAW_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/** rawWithRv returns the stored JSON with metadata.resourceVersion spliced in, without parsing,
 * when the value starts with apiVersion, kind, metadata (as the registry writes it); else undefined. */
export function rawWithRv(value: string, rev: number): string | undefined {
  const m = RAW_HEAD.exec(value);
  if (!m) return undefined;
  const at = m[0].length;
  const rv = `"resourceVersion":"${rev}"`;
  return value.charCodeAt(at) === 125 /* } */ ? `${value.slice(0, at)}${rv}${value.slice(at)}` : `${value.slice(0, at)}${rv},${value.slice(at)}`;
}

/** CachedObject is one current object and its serialized form. */
export interface CachedObject { readonly key: string; readonly obj: JsonObject; json(): string }

/** detached maps a cached object's metadata to the JSON its managedFields are parsed from on first
 * use: the whole stored text, or (after compact) the managedFields array alone. */
const detached = new WeakMap<object, string>();

function materialize(meta: JsonObject, v: unknown): void {
  Object.defineProperty(meta, 'managedFields', { value: v, writable: true, enumerable: true, configurable: true });
}

const MF_KEY = '"managedFields":[';

/** managedFieldsSpan finds metadata.managedFields in a stored object's text and parses only that
 * array, where it can be cut out: the first `"managedFields":[` that is a key (after `{` or `,`; in
 * a string its quote would be escaped) is metadata's own, as the registry writes metadata before
 * any other object; and the only slice from that `[` to a `]` that parses is the whole array (a
 * shorter one ends inside a string or an inner value). Undefined after a few `]` that do not close it. */
function managedFieldsSpan(text: string): { start: number; end: number; value: unknown } | undefined {
  const k = text.indexOf(MF_KEY);
  const before = k > 0 ? text.charCodeAt(k - 1) : 0;
  if (k > 0 && (before === 123 /* { */ || before === 44 /* , */) && RAW_HEAD.test(text)) {
    const start = k + MF_KEY.length - 1;
    let end = text.indexOf(']', start);
    for (let tries = 0; end > 0 && tries < 8; tries++) {
      try {
        return { start, end: end + 1, value: JSON.parse(text.slice(start, end + 1)) as unknown };
      } catch {
        end = text.indexOf(']', end + 1);
      }
    }
  }
  return undefined;
}

/** managedFieldsIn reads metadata.managedFields out of a stored object's text (or out of a
 * managedFields array's own JSON), parsing the whole text only when the array cannot be cut out. */
export function managedFieldsIn(text: string): unknown {
  if (text.charCodeAt(0) === 91 /* [ */) return JSON.parse(text) as unknown;
  const span = managedFieldsSpan(text);
  return span ? span.value : (JSON.parse(text) as JsonObject).metadata?.managedFields;
}

/** MANAGED_FIELDS_ACCESSOR reads a detached metadata.managedFields back from its JSON (once). */
const MANAGED_FIELDS_ACCESSOR: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: JsonObject): unknown {
    const text = detached.get(this);
    detached.delete(this);
    const v: unknown = text === undefined ? undefined : managedFieldsIn(text);
    materialize(this, v);
    return v;
  },
  set(this: JsonObject, v: unknown): void {
    detached.delete(this);
    materialize(this, v);
  },
};

function detach(meta: JsonObject, text: string): void {
  detached.set(meta, text);
  Object.defineProperty(meta, 'managedFields', MANAGED_FIELDS_ACCESSOR);
}

/** decodeCached parses a stored value for the cache, managedFields detached (every reader still
 * sees them: JSON.stringify, spreads and clones included) and short strings interned. */
export function decodeCached(kv: KeyValue, intern?: Interner): JsonObject {
  const obj = decodeKv(kv);
  const m = obj.metadata as JsonObject;
  if (m.managedFields === undefined) return intern ? intern(obj) : obj;
  const { managedFields: _mf, ...rest } = m;
  obj.metadata = rest;
  intern?.(obj);
  detach(rest, kv.value);
  return obj;
}

/** adopt makes the cache's copy of an object its writer handed over (see WrittenObjects): top level
 * and metadata are copied, nested values shared (the writer no longer changes them, and interning
 * only swaps strings for equal ones); managedFields is detached as decodeCached does. `previous`,
 * the cache's copy the write started from, was interned already: what the object shares with it is skipped. */
export function adopt(obj: JsonObject, kv: KeyValue, intern?: Interner, previous?: JsonObject): JsonObject {
  const { managedFields, ...meta } = obj.metadata as JsonObject;
  meta.resourceVersion = String(kv.modRevision);
  const out = { ...obj, metadata: meta };
  intern?.(out, previous);
  if (managedFields !== undefined) detach(meta, kv.value);
  return out;
}

/** stringifyCached serializes a cached object without parsing its detached managedFields: they are
 * spliced in as the JSON they are kept as. */
export function stringifyCached(obj: JsonObject): string {
  const meta = obj.metadata as JsonObject | undefined;
  const held = meta === undefined ? undefined : detached.get(meta);
  if (held === undefined) return JSON.stringify(obj);
  let mf = held;
  if (held.charCodeAt(0) !== 91 /* [ */) {
    const span = managedFieldsSpan(held);
    if (!span) return JSON.stringify(obj);
    mf = held.slice(span.start, span.end);
  }
  const rest: JsonObject = {};
  for (const k of Object.keys(meta!)) if (k !== 'managedFields') rest[k] = meta![k];
  const restJson = JSON.stringify(rest);
  const metaJson = restJson === '{}' ? `{"managedFields":${mf}}` : `{"managedFields":${mf},${restJson.slice(1)}`;
  const parts: string[] = [];
  for (const k of Object.keys(obj)) {
    const v: unknown = obj[k];
    if (k === 'metadata') parts.push(`"metadata":${metaJson}`);
    else if (v !== undefined && typeof v !== 'function') parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** ownCopy returns a string equal to `s` that does not keep a larger string alive (V8 may make a
 * slice a view into its parent). */
function ownCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Entry is a CachedObject that keeps the parsed object and, while it may be replayed, its stored
 * text (not the event that made it nor the state before it). Once superseded (it then lives on
 * only in the ring, as an event's old or new state) it drops the parsed object and parses the
 * text again if a late reader (a replay to a filtered watcher) asks; once compacted (current, but
 * its event has left the ring) it drops the text instead. */
export class Entry implements CachedObject {
  readonly key: string;
  #obj: JsonObject | undefined;
  #text: string | undefined;
  readonly #rev: number;
  readonly #intern: Interner | undefined;

  constructor(kv: KeyValue, obj: JsonObject, intern?: Interner) {
    this.key = kv.key;
    this.#obj = obj;
    this.#text = kv.value;
    this.#rev = kv.modRevision;
    this.#intern = intern;
  }

  get obj(): JsonObject {
    return this.#obj ??= decodeCached({ key: this.key, value: this.#text!, createRevision: 0, modRevision: this.#rev }, this.#intern);
  }

  /** superseded drops the parsed object when the text can bring it back. */
  superseded(): void {
    if (this.#text !== undefined) this.#obj = undefined;
  }

  /** compact drops the stored text of a current object that no ring event needs any more, keeping
 * only its managedFields' JSON (as its own string) for the detached accessor. */
  compact(): void {
    const t = this.#text;
    const obj = this.#obj;
    if (t === undefined || obj === undefined) return;
    const meta = obj.metadata as JsonObject;
    if (detached.get(meta) === t) {
      const span = managedFieldsSpan(t);
      if (!span) return;
      detached.set(meta, ownCopy(t.slice(span.start, span.end)));
    }
    this.#text = undefined;
  }

  /** compacted: the entry no longer holds its stored text (an update's event then keeps the store's copy of this state). */
  get compacted(): boolean { return this.#text === undefined; }

  json(): string {
    const t = this.#text;
    if (t === undefined) return stringifyCached(this.obj);
    const j = rawWithRv(t, this.#rev);
    if (j === undefined) {
      this.#obj = this.obj;
      this.#text = undefined;
      return stringifyCached(this.#obj);
    }
    return j;
  }
}
