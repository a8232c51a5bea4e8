/**
 * @module apiserver/table — Table (meta.k8s.io) and PartialObjectMetadata renderings of objects
 * for `kubectl get`: NAME plus the kind's columns (or NAME, AGE), cells formatted server-side.
 */
import type { ColumnDef, JsonObject, KindInfo } from '../api/index.ts';

/** IncludeObject is the `includeObject` query parameter. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** humanDuration renders an age the way kubectl does (`45s`, `5m`, `3h4m`, `2d`, `3y`). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 0) return '<invalid>';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (y < 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** ageCell renders the AGE of an object from its creationTimestamp. */
export function ageCell(obj: JsonObject, now: number): string {
  const ts = obj.metadata?.creationTimestamp;
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

const NAME_COLUMN = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. It is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0 };
const AGE_COLUMN: ColumnDef = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', cell: ageCell };

/** columnsOf returns the kind's columns after NAME (AGE alone when it defines none). */
export function columnsOf(kind: KindInfo): readonly ColumnDef[] {
  return kind.columns && kind.columns.length > 0 ? kind.columns : [AGE_COLUMN];
}

/** columnDefinitions renders the Table header for `kind`. */
export function columnDefinitions(kind: KindInfo): JsonObject[] {
  const out: JsonObject[] = [NAME_COLUMN];
  for (const c of columnsOf(kind)) {
    out.push({ name: c.name, type: c.type === 'date' ? 'string' : c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 });
  }
  return out;
}

/** partialMetadata wraps an object's metadata as PartialObjectMetadata. */
export function partialMetadata(obj: JsonObject, version: 'v1' | 'v1beta1' = 'v1'): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** tableRow renders one row. */
export function tableRow(kind: KindInfo, obj: JsonObject, now: number, include: IncludeObject): JsonObject {
  const cols = columnsOf(kind);
  const cells: unknown[] = new Array(cols.length + 1);
  cells[0] = obj.metadata?.name ?? '';
  for (let i = 0; i < cols.length; i++) {
    let v: unknown;
    try { v = cols[i].cell(obj, now); } catch { v = '<error>'; }
    cells[i + 1] = v === undefined ? null : v;
  }
  const row: JsonObject = { cells };
  if (include === 'Metadata') row.object = partialMetadata(obj);
  else if (include === 'Object') row.object = obj;
  return row;
}

/** buildTable renders objects as a Table; `withHeader` false omits columnDefinitions (watch events after the first). */
export function buildTable(kind: KindInfo, items: readonly JsonObject[], opts: {
  now: number; include: IncludeObject; version: 'v1' | 'v1beta1'; resourceVersion?: string; continueToken?: string; remaining?: number; withHeader?: boolean;
}): JsonObject {
  const metadata: JsonObject = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  if (opts.remaining !== undefined) metadata.remainingItemCount = opts.remaining;
  return {
    kind: 'Table', apiVersion: `meta.k8s.io/${opts.version}`, metadata,
    columnDefinitions: opts.withHeader === false ? null : columnDefinitions(kind),
    rows: items.map((o) => tableRow(kind, o, opts.now, opts.include)),
  };
}

/** parseIncludeObject reads `includeObject` (default Metadata). */
export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** jsonPathCell reads a simple JSONPath (`.spec.x`, `.status.conditions[0].type`) for CRD columns. */
export function jsonPathCell(path: string, type: string): (obj: JsonObject, now: number) => string | number | boolean | null {
  const parts: (string | number)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]/g;
  let m: RegExpExecArray | null;
  const p = path.trim().replace(/^\{|\}$/g, '');
  while ((m = re.exec(p)) !== null) parts.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
  return (obj, now) => {
    let v: any = obj;
    for (const k of parts) {
      if (v === null || typeof v !== 'object') return null;
      v = v[k];
    }
    if (v === undefined || v === null) return null;
    if (type === 'date') {
      const t = Date.parse(String(v));
      return Number.isNaN(t) ? String(v) : humanDuration(now - t);
    }
    if (typeof v === 'object') return JSON.stringify(v);
    if (type === 'integer' || type === 'number') return typeof v === 'number' ? v : Number(v);
    if (type === 'boolean') return Boolean(v);
    return String(v);
  };
}
