/**
 * @module api/printers/common — the building blocks of Table columns: human durations exactly
 * as apimachinery's duration.HumanDuration, the NAME / AGE / CREATED AT columns, and small
 * readers for timestamps and containers. Cells follow upstream's `<none>`, `<unknown>`,
 * `<invalid>` conventions.
 */
import type { ColumnDef, JsonObject } from '../kinds/types.ts';

/** humanDuration renders a duration in ms as kubectl does ("5s", "2m30s", "5h", "3d", "2y"; "<invalid>" below -1s). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** parseTime reads an RFC 3339 timestamp into ms, or undefined when absent/unparseable. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** since renders the age of a timestamp as translateTimestampSince does ("<unknown>" when absent). */
export function since(ts: unknown, now: number): string {
  const t = parseTime(ts);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
}

/** ColumnOptions are the optional parts of a ColumnDef. */
export interface ColumnOptions { readonly priority?: number; readonly format?: string; readonly description?: string }

/** column builds a ColumnDef. */
export function column(name: string, type: ColumnDef['type'], cell: ColumnDef['cell'], opts: ColumnOptions = {}): ColumnDef {
  return { name, type, cell, ...opts };
}

/** nameColumn is the NAME column (format "name"), first in every Table unless a kind's columns carry their own. */
export const nameColumn: ColumnDef = column('Name', 'string', (o) => o.metadata?.name ?? '', {
  format: 'name', description: 'Name of the object, unique within its namespace.',
});

/** ageColumn is the AGE column (time since creation). */
export const ageColumn: ColumnDef = column('Age', 'string', (o, now) => since(o.metadata?.creationTimestamp, now), {
  description: 'Time since the object was created.',
});

/** createdAtColumn is the CREATED AT column of upstream's default table convertor (RFC 3339, UTC). */
export const createdAtColumn: ColumnDef = column('Created At', 'date', (o) => {
  const t = parseTime(o.metadata?.creationTimestamp);
  return t === undefined ? null : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}, { description: 'Time the object was created.' });

/** containerCells joins container names and images with "," (layoutContainerCells). */
export function containerCells(podSpec: JsonObject | undefined): { names: string; images: string } {
  const cs: JsonObject[] = Array.isArray(podSpec?.containers) ? podSpec.containers : [];
  return { names: cs.map((c) => c?.name ?? '').join(','), images: cs.map((c) => c?.image ?? '').join(',') };
}

/** containerColumns are the wide CONTAINERS and IMAGES columns for a pod template at `templateOf(obj)`. */
export function containerColumns(templateOf: (o: JsonObject) => JsonObject | undefined): ColumnDef[] {
  return [
    column('Containers', 'string', (o) => containerCells(templateOf(o)?.spec).names, { priority: 1, description: 'Names of each container in the template.' }),
    column('Images', 'string', (o) => containerCells(templateOf(o)?.spec).images, { priority: 1, description: 'Images referenced by each container in the template.' }),
  ];
}

/** int reads an integer-ish value with a default of 0. */
export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** str reads a string value with a default of "". */
export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '';
}

/** boolText renders a bool as upstream's printBool ("True"/"False"); undefined gives "<unset>". */
export function boolText(v: unknown): string {
  if (v === undefined || v === null) return '<unset>';
  return v === true ? 'True' : 'False';
}

/** listWithMore joins items with "," and appends " + N more..." past `max` (listWithMoreString). */
export function listWithMore(items: readonly string[], max: number, empty = '<unset>'): string {
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? empty : shown;
}

/** quantityText renders a quantity the way it was written (numbers as decimal strings). */
export function quantityText(v: unknown): string {
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' ? v : '';
}
