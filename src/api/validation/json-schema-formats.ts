/**
 * @module api/validation/json-schema-formats — the string formats a CRD schema's `format` is
 * checked against, with the rules of kube-openapi's format registry (names compare without case,
 * dashes or underscores: `date-time` is `datetime`). A format not known here is not checked.
 */

const RX_HOSTNAME = /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const RX_UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const RX_UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const RX_UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const RX_UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const RX_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RX_TIME = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(([.,][0-9]+)?)([zZ]|([+-][0-9]{2}:[0-9]{2}))$/;
const RX_HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const OCTET = '\\s*(0|[1-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\\s*';
const RX_RGBCOLOR = new RegExp(`^rgb\\(${OCTET},${OCTET},${OCTET}\\)$`);
const RX_MAC = /^(?:[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}|[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){7}|[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){19}|[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){2}|[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){3}|[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4}){9})$/;
const RX_EMAIL = /^(?:[^<>@\s]+\s*<)?[^<>@\s]+@[^<>@\s]+>?$/;
const RX_URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$|^\/\S*$/;
const RX_DURATION = /^(?:-?\s?(?:\d+(?:\.\d*)?|\.\d+)\s*(?:ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|sec|min|hr)\s*)+$/;
const RX_SSN = /^\d{3}[- ]?\d{2}[- ]?\d{4}$/;
const RX_OBJECTID = /^[0-9a-fA-F]{24}$/;
const UTF8 = new TextEncoder();

/** isDate accepts a full date ("2006-01-02") with a day that exists in its month. */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[mo - 1];
}

/** isDateTime accepts an RFC 3339 date-time as kube-openapi does (`T` or `t`, `Z` or an offset, optional fraction). */
export function isDateTime(s: string): boolean {
  if (s.length < 4) return false;
  const parts = s.toLowerCase().split('t');
  if (parts.length < 2 || !isDate(parts[0])) return false;
  const m = RX_TIME.exec(parts[1]);
  if (!m) return false;
  return m[1] <= '23' && m[2] <= '59' && m[3] <= '59';
}

/** isIPv4 accepts four dotted decimal octets (leading zeros allowed, as Go's sloppy parser does). */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** isIPv6 accepts an IPv6 address (with an embedded IPv4 tail allowed; no zone). */
export function isIPv6(s: string): boolean {
  if (!s.includes(':') || s.includes('%')) return false;
  let head = s;
  let groups = 8;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    head = s.slice(0, lastColon + 1) + '0';
    groups = 7;
  }
  const dbl = head.split('::');
  if (dbl.length > 2) return false;
  const hex = (p: string): boolean => /^[0-9a-fA-F]{1,4}$/.test(p);
  const side = (t: string): string[] | undefined => {
    if (t === '') return [];
    const g = t.split(':');
    return g.every(hex) ? g : undefined;
  };
  if (dbl.length === 1) {
    const g = side(head);
    return g !== undefined && g.length === groups;
  }
  const a = side(dbl[0]);
  const b = side(dbl[1]);
  return a !== undefined && b !== undefined && a.length + b.length < groups;
}

/** isCIDR accepts `ip/prefix` for IPv4 (0–32) or IPv6 (0–128). */
export function isCIDR(s: string): boolean {
  const i = s.indexOf('/');
  if (i < 0) return false;
  const ip = s.slice(0, i);
  const bits = s.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (isIPv4(ip)) return Number(bits) <= 32;
  return isIPv6(ip) && Number(bits) <= 128;
}

/** isHostname accepts an RFC 1123 host name (labels up to 63, total up to 255 characters; Unicode letters allowed). */
export function isHostname(s: string): boolean {
  if (!RX_HOSTNAME.test(s) || s.length > 255) return false;
  return s.split('.').every((p) => UTF8.encode(p).length <= 63);
}

const CHECKS: Readonly<Record<string, (s: string) => boolean>> = {
  byte: (s) => RX_BASE64.test(s),
  date: isDate,
  datetime: isDateTime,
  uuid: (s) => RX_UUID.test(s),
  uuid3: (s) => RX_UUID3.test(s),
  uuid4: (s) => RX_UUID4.test(s),
  uuid5: (s) => RX_UUID5.test(s),
  hostname: isHostname,
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: isCIDR,
  mac: (s) => RX_MAC.test(s),
  email: (s) => RX_EMAIL.test(s),
  uri: (s) => RX_URI.test(s),
  hexcolor: (s) => RX_HEXCOLOR.test(s),
  rgbcolor: (s) => RX_RGBCOLOR.test(s),
  duration: (s) => RX_DURATION.test(s),
  ssn: (s) => RX_SSN.test(s),
  bsonobjectid: (s) => RX_OBJECTID.test(s),
};

/** normalizeFormat compares format names as the registry does ("date-time" → "datetime"). */
export function normalizeFormat(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** stringFormatOk tells whether `s` satisfies string format `format`; unknown formats always pass. */
export function stringFormatOk(format: string, s: string): boolean {
  const check = CHECKS[normalizeFormat(format)];
  return check ? check(s) : true;
}
