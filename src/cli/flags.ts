/**
 * @module cli/flags — parsers for flag values (ports, IPs, CIDRs, file modes, repeatable lists).
 * Each throws commander's InvalidArgumentError, which commander reports as a usage error.
 */
import { InvalidArgumentError } from 'commander';
import { isIP } from 'node:net';

/** parsePort accepts an integer 0–65535 (0: pick a free port). */
export function parsePort(value: string): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new InvalidArgumentError('Not a port number (0-65535).');
  return n;
}

/** parsePositiveInt accepts a whole number of at least 1. */
export function parsePositiveInt(value: string): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1)) throw new InvalidArgumentError('Not a whole number of at least 1.');
  return n;
}

/** parseNonNegativeInt accepts a whole number of 0 or more. */
export function parseNonNegativeInt(value: string): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(n)) throw new InvalidArgumentError('Not a whole number of 0 or more.');
  return n;
}

/** parseIp accepts an IPv4 or IPv6 address (IPv6 optionally in brackets) and returns it without brackets. */
export function parseIp(value: string): string {
  const ip = value.replace(/^\[(.*)\]$/, '$1');
  if (isIP(ip) === 0) throw new InvalidArgumentError('Not an IP address.');
  return ip;
}

/** parseCidr accepts `address/prefix` with an IPv4 (prefix 0–32) or IPv6 (prefix 0–128) address. */
export function parseCidr(value: string): string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const family = m ? isIP(m[1]) : 0;
  if (!m || family === 0 || Number(m[2]) > (family === 4 ? 32 : 128)) {
    throw new InvalidArgumentError('Not a CIDR (e.g. 10.42.0.0/16).');
  }
  return value;
}

/** parseFileMode accepts an octal permission such as `0600`, `644` or `0o640`. */
export function parseFileMode(value: string): number {
  const m = /^(?:0o?)?([0-7]{3,4})$/.exec(value);
  if (!m) throw new InvalidArgumentError('Not an octal file mode (e.g. 0600).');
  return parseInt(m[1], 8);
}

/** collectList appends the comma-separated, non-empty parts of `value` to `previous` (a repeatable flag). */
export function collectList(value: string, previous: readonly string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

/** parseServerUrl accepts an absolute `https://host[:port]` URL, as client certificates need TLS. */
export function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('Not a URL (e.g. https://10.0.0.5:6443).');
  }
  if (url.protocol !== 'https:') throw new InvalidArgumentError('Must be an https:// URL.');
  return value.replace(/\/+$/, '');
}

/** parsePortRange accepts `first-last` with 1 ≤ first ≤ last ≤ 65535 and returns it normalized. */
export function parsePortRange(value: string): string {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2]) : NaN;
  if (!m || first < 1 || last > 65535 || first > last) throw new InvalidArgumentError(`expected a port range like 30000-32767, got "${value}"`);
  return `${first}-${last}`;
}
