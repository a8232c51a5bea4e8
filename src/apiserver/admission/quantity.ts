/**
 * @module apiserver/admission/quantity — resource quantities ("100m", "1.5", "2Gi", "1e3") as exact
 * nano-unit integers, with upstream's canonical rendering, for LimitRanger and ResourceQuota.
 */

/** Quantity is a parsed resource.Quantity: nano-units and whether it was written in binary SI. */
export interface Quantity { readonly nano: bigint; readonly binary: boolean }

const NANO = 1_000_000_000n;
const BIN: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DEC: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** parseQuantity parses a quantity (a number is taken as plain units); undefined when malformed. */
export function parseQuantity(v: unknown): Quantity | undefined {
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string') return undefined;
  const m = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  const [, sign, num, suffix, exp] = m;
  const [ip, fp = ''] = num.split('.');
  const digits = BigInt((ip || '0') + fp);
  let scale = -fp.length;
  let mult = 1n;
  const binary = suffix !== undefined && suffix in BIN;
  if (binary) mult = BIN[suffix];
  else if (suffix !== undefined) scale += DEC[suffix];
  else if (exp !== undefined) scale += Number(exp);
  // value = digits * mult * 10^scale, in nano-units: * 10^9, rounded up (as upstream rounds to nano).
  let n = digits * mult;
  const e = scale + 9;
  if (e >= 0) n *= 10n ** BigInt(e);
  else {
    const d = 10n ** BigInt(-e);
    n = (n + d - 1n) / d;
  }
  return { nano: sign === '-' ? -n : n, binary };
}

/** formatQuantity renders a quantity in upstream's canonical form ("500m", "2", "1Gi", "1500", "2k"). */
export function formatQuantity(q: Quantity): string {
  const neg = q.nano < 0n;
  const n = neg ? -q.nano : q.nano;
  const s = neg ? '-' : '';
  if (n === 0n) return '0';
  if (n % NANO === 0n) {
    const units = n / NANO;
    if (q.binary) {
      for (const suf of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) if (units % BIN[suf] === 0n) return `${s}${units / BIN[suf]}${suf}`;
      return `${s}${units}`;
    }
    for (const [suf, p] of [['E', 18], ['P', 15], ['T', 12], ['G', 9], ['M', 6], ['k', 3]] as const) {
      const d = 10n ** BigInt(p);
      if (units % d === 0n) return `${s}${units / d}${suf}`;
    }
    return `${s}${units}`;
  }
  if (n % 1_000_000n === 0n) return `${s}${n / 1_000_000n}m`;
  if (n % 1000n === 0n) return `${s}${n / 1000n}u`;
  return `${s}${n}n`;
}

/** addQuantity sums two quantities, keeping the first one's format. */
export function addQuantity(a: Quantity, b: Quantity): Quantity { return { nano: a.nano + b.nano, binary: a.binary }; }

/** ZERO is the zero quantity. */
export const ZERO: Quantity = { nano: 0n, binary: false };

/** ResourceList is a map of resource name to quantity. */
export type ResourceList = Map<string, Quantity>;

/** toResourceList parses a JSON ResourceList (malformed entries are skipped). */
export function toResourceList(o: unknown): ResourceList {
  const out: ResourceList = new Map();
  if (!o || typeof o !== 'object') return out;
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    const q = parseQuantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

/** addTo adds `q` to `list[key]` in place. */
export function addTo(list: ResourceList, key: string, q: Quantity): void {
  const cur = list.get(key);
  list.set(key, cur ? addQuantity(cur, q) : q);
}
