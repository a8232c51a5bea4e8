/**
 * @module apiserver/table — Table (meta.k8s.io) and PartialObjectMetadata renderings of objects
 * for `kubectl get`: NAME plus the kind's columns (or NAME, AGE), cells formatted server-side.
 */
import { humanDuration, tableColumns, type ColumnDef, type JsonObject, type KindInfo } from '../api/index.ts';

export { humanDuration };

/** IncludeObject is the `includeObject` query parameter. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** columnsOf returns all the kind's Table columns: the kind's own (which may place NAME itself,
 * as StorageClass and Event do) with NAME first when they do not, or NAME, AGE when it has none. */
export function columnsOf(kind: KindInfo): readonly ColumnDef[] {
  return tableColumns(kind.columns);
}

/** columnDefinitions renders the Table header for `kind`. */
export function columnDefinitions(kind: KindInfo): JsonObject[] {
  return columnsOf(kind).map((c) => ({ name: c.name, type: c.type === 'date' ? 'string' : c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 }));
}

/** partialMetadata wraps an object's metadata as PartialObjectMetadata. */
export function partialMetadata(obj: JsonObject, version: 'v1' | 'v1beta1' = 'v1'): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** tableRow renders one row. */
export function tableRow(kind: KindInfo, obj: JsonObject, now: number, include: IncludeObject): JsonObject {
  const cols = columnsOf(kind);
  const cells: unknown[] = new Array(cols.length);
  for (let i = 0; i < cols.length; i++) {
    let v: unknown;
    try { v = cols[i].cell(obj, now); } catch { v = '<error>'; }
    cells[i] = v === undefined ? null : v;
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
