/**
 * @module api/validation/quantity — resource quantities ("100m", "1.5Gi", "2e3") read into
 * numbers for comparison (requests ≤ limits, positive storage). Formatting stays the caller's
 * text; precision is that of a double, plenty for comparing resource amounts.
 */

/** QUANTITY_MESSAGE is upstream's error for a string that is not a quantity. */
export const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** parseQuantity returns the value of a quantity (string or number), or undefined when it is not one. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(v);
  if (!m) return undefined;
  const num = Number(m[1]);
  const suffix = m[2];
  if (suffix in SUFFIX) return num * SUFFIX[suffix];
  const e = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (e) return num * 10 ** Number(e[1]);
  return undefined;
}

/** isQuantity tells whether `v` is a valid quantity. */
export function isQuantity(v: unknown): boolean {
  return parseQuantity(v) !== undefined;
}

/** quantityText renders a quantity value as written ("1Gi"; numbers in decimal). */
export function quantityText(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
}
