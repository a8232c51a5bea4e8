/**
 * @module api/selectors/names — the string-format checks of apimachinery's util/validation
 * (qualified names, label values, DNS-1123 labels and subdomains, DNS-1035 labels, config-map
 * keys, port names, percents). Each returns the list of problems in upstream's exact words;
 * an empty list means valid. Label selectors and object validation both build on these.
 */

const QNAME_CHAR = '[A-Za-z0-9]';
const QNAME_EXT = '[-A-Za-z0-9_.]';
const QUALIFIED_NAME_FMT = `(${QNAME_CHAR}${QNAME_EXT}*)?${QNAME_CHAR}`;
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const CONFIG_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const PERCENT_FMT = '[0-9]+%';

const full = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const QUALIFIED_NAME_RE = full(QUALIFIED_NAME_FMT);
const LABEL_VALUE_RE = full(LABEL_VALUE_FMT);
const DNS1123_LABEL_RE = full(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN_RE = full(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL_RE = full(DNS1035_LABEL_FMT);
const CONFIG_KEY_RE = full(CONFIG_KEY_FMT);
const PERCENT_RE = full(PERCENT_FMT);

/** emptyError is upstream's "must be non-empty". */
export function emptyError(): string { return 'must be non-empty'; }
/** maxLenError is upstream's "must be no more than N characters". */
export function maxLenError(n: number): string { return `must be no more than ${n} characters`; }
/** regexError renders upstream's RegexError text (note the doubled space between examples, as upstream prints). */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => { if (i > 0) s += ' or '; s += `'${e}', `; });
  return `${s}regex used for validation is '${fmt}')`;
}
/** inclusiveRangeError is upstream's "must be between A and B, inclusive". */
export function inclusiveRangeError(lo: number, hi: number): string { return `must be between ${lo} and ${hi}, inclusive`; }

/** isDNS1123Subdomain checks a lowercase RFC 1123 subdomain (max 253). */
export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** isDNS1123Label checks a lowercase RFC 1123 label (max 63). */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(v)) {
    if (DNS1123_SUBDOMAIN_RE.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** isDNS1035Label checks a DNS-1035 label (max 63; starts with a letter). */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!DNS1035_LABEL_RE.test(v)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

/** isQualifiedName checks `[prefix/]name` as label keys, annotation keys and finalizers use. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** isValidLabelValue checks a label value (empty allowed, max 63). */
export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(v)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** isValidPathSegmentName checks names used as one URL path segment (no '/', '%', not '.' or '..'). */
export function isValidPathSegmentName(v: string): string[] {
  for (const bad of ['.', '..']) if (v === bad) return [`may not be '${bad}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (v.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** isConfigMapKey checks a ConfigMap/Secret data key. */
export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLenError(253));
  if (!CONFIG_KEY_RE.test(v)) errs.push(regexError(CONFIG_KEY_MSG, CONFIG_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  if (v === '.') errs.push("must not be '.'");
  else if (v === '..') errs.push("must not be '..'");
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** isValidPortNum checks 1..65535. */
export function isValidPortNum(n: number): string[] {
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** isValidPortName checks an IANA_SVC_NAME (container and service port names). */
export function isValidPortName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** isValidPercent checks "N%". */
export function isValidPercent(v: string): string[] {
  return PERCENT_RE.test(v) ? [] : [regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, '1%', '93%')];
}

/** isValidIP tells whether `v` is an IPv4 or IPv6 address in canonical-enough form. */
export function isValidIP(v: string): boolean {
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  if (v4.test(v)) return true;
  if (!v.includes(':') || !/^[0-9a-fA-F:.]+$/.test(v)) return false;
  const dbl = v.split('::');
  if (dbl.length > 2) return false;
  const groups = v.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1] ?? '';
  const hasV4 = last.includes('.');
  if (hasV4 && !v4.test(last)) return false;
  const n = groups.length + (hasV4 ? 1 : 0);
  if (groups.some((g) => !g.includes('.') && !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return dbl.length === 2 ? n < 8 : n === 8;
}

/** isValidCIDR tells whether `v` is `ip/prefix` with a prefix in range. */
export function isValidCIDR(v: string): boolean {
  const i = v.indexOf('/');
  if (i < 0) return false;
  const ip = v.slice(0, i);
  const bits = v.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits) || !isValidIP(ip)) return false;
  return Number(bits) <= (ip.includes(':') ? 128 : 32);
}
