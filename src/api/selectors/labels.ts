/**
 * @module api/selectors/labels — label selectors as apimachinery has them: the string grammar
 * (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`), conversion from
 * a metav1.LabelSelector object, matching and canonical printing. Errors use upstream's wording
 * ("unable to parse requirement: …", "found ',', expected: …").
 */
import { isQualifiedName, isValidLabelValue } from './names.ts';

/** LabelOperator is a selection.Operator as apimachinery spells it. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** LabelRequirement is one term of a label selector; `values` are sorted and unique. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** LabelSelector is a parsed selector: an AND of requirements; `nothing` matches no object (nil metav1 selector). */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  readonly nothing?: boolean;
}

/** LabelSelectorResult is a parse outcome. */
export type LabelSelectorResult = { ok: true; selector: LabelSelector } | { ok: false; error: string };

/** everythingLabels is the selector that matches every object. */
export const everythingLabels: LabelSelector = { requirements: [] };
/** nothingLabels is the selector that matches no object. */
export const nothingLabels: LabelSelector = { requirements: [], nothing: true };

type Tok = 'id' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | '<' | 'in' | '!=' | 'notin' | '(' | 'error';
const SYMBOLS: Record<string, Tok> = { ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', '<': '<', '!=': '!=', '(': '(' };
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

function lex(s: string): { tok: Tok; lit: string }[] {
  const out: { tok: Tok; lit: string }[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) { out.push({ tok: 'eos', lit: '' }); return out; }
    if (isSpecial(s[i])) {
      let buf = '';
      let last: { tok: Tok; lit: string } | undefined;
      while (i < s.length && isSpecial(s[i])) {
        buf += s[i];
        const t = SYMBOLS[buf];
        if (t) { last = { tok: t, lit: buf }; i++; } else if (last) { break; } else { i++; }
      }
      if (!last) { out.push({ tok: 'error', lit: `error expected: keyword found '${buf}'` }); return out; }
      out.push(last);
    } else {
      let buf = '';
      while (i < s.length && !isSpace(s[i]) && !isSpecial(s[i])) buf += s[i++];
      out.push({ tok: buf === 'in' ? 'in' : buf === 'notin' ? 'notin' : 'id', lit: buf });
    }
  }
}

class Parser {
  private pos = 0;
  private readonly items: { tok: Tok; lit: string }[];
  constructor(text: string) { this.items = lex(text); }
  look(values: boolean): { tok: Tok; lit: string } {
    const it = this.items[Math.min(this.pos, this.items.length - 1)];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }
  take(values: boolean): { tok: Tok; lit: string } {
    const it = this.look(values);
    if (this.pos < this.items.length - 1) this.pos++;
    return it;
  }
}

class ParseError extends Error {}

function keyError(key: string, field: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? `${field}: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}` : undefined;
}

/** newRequirement validates a requirement like labels.NewRequirement; returns the error text or the requirement. */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[], path?: string): LabelRequirement | string {
  const errs: string[] = [];
  const p = (child: string): string => (path ? `${path}.${child}` : child);
  const ke = keyError(key, p('key'));
  if (ke) errs.push(ke);
  const vp = p('values');
  const show = `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(`${vp}: Invalid value: ${show}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(`${vp}: Invalid value: ${show}: exact-match compatibility requires one single value`);
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(`${vp}: Invalid value: ${show}: values set must be empty for exists and does not exist`);
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(`${vp}: Invalid value: ${show}: for 'Gt', 'Lt' operators, exactly one value is required`);
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(`${vp}[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`);
      });
      break;
  }
  values.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(`${vp}[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${ve.join('; ')}`);
  });
  if (errs.length === 1) return errs[0];
  if (errs.length > 1) return `[${errs.join(', ')}]`;
  return { key, operator, values: [...new Set(values)].sort() };
}

function parseValues(p: Parser): string[] {
  let t = p.take(true);
  if (t.tok !== '(') throw new ParseError(`found '${t.lit}' expected: '('`);
  t = p.look(true);
  if (t.tok === ')') { p.take(true); return ['']; }
  if (t.tok !== 'id' && t.tok !== ',') throw new ParseError(`found '${t.lit}', expected: ',', ')' or identifier`);
  const set = new Set<string>();
  for (;;) {
    const c = p.take(true);
    if (c.tok === 'id') {
      set.add(c.lit);
      const n = p.look(true);
      if (n.tok === ',') continue;
      if (n.tok === ')') break;
      throw new ParseError(`found '${n.lit}', expected: ',' or ')'`);
    } else if (c.tok === ',') {
      if (set.size === 0) set.add('');
      const n = p.look(true);
      if (n.tok === ')') { set.add(''); break; }
      if (n.tok === ',') { p.take(true); set.add(''); }
    } else {
      throw new ParseError(`found '${c.lit}', expected: ',', or identifier`);
    }
  }
  const close = p.take(true);
  if (close.tok !== ')') throw new ParseError(`found '${t.lit}', expected: ')'`);
  return [...set];
}

function parseRequirement(p: Parser): LabelRequirement {
  let op: LabelOperator | undefined;
  let t = p.take(true);
  if (t.tok === '!') { op = '!'; t = p.take(true); }
  if (t.tok !== 'id') throw new ParseError(`found '${t.lit}', expected: identifier`);
  const key = t.lit;
  const ke = keyError(key, '<nil>');
  if (ke) throw new ParseError(ke);
  const n = p.look(true).tok;
  if (n === 'eos' || n === ',') op ??= 'exists';
  let values: string[] = [];
  if (op !== 'exists' && op !== '!') {
    const o = p.take(false);
    const ops: Partial<Record<Tok, LabelOperator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    op = ops[o.tok];
    if (!op) throw new ParseError(`found '${o.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    if (op === 'in' || op === 'notin') values = parseValues(p);
    else {
      const v = p.look(true);
      if (v.tok === 'eos' || v.tok === ',') values = [''];
      else {
        const c = p.take(true);
        if (c.tok !== 'id') throw new ParseError(`found '${c.lit}', expected: identifier`);
        values = [c.lit];
      }
    }
  }
  const r = newRequirement(key, op, values);
  if (typeof r === 'string') throw new ParseError(r);
  return r;
}

function sortReqs(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** parseLabelSelector parses the `labelSelector` query grammar exactly as apimachinery's labels.Parse. */
export function parseLabelSelector(text: string): LabelSelectorResult {
  const p = new Parser(text);
  const reqs: LabelRequirement[] = [];
  try {
    for (;;) {
      const t = p.look(true);
      if (t.tok === 'eos') break;
      if (t.tok === 'error') throw new ParseError(t.lit);
      if (t.tok !== 'id' && t.tok !== '!') throw new ParseError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(parseRequirement(p));
      } catch (e) {
        if (e instanceof ParseError) throw new ParseError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const sep = p.take(true);
      if (sep.tok === 'eos') break;
      if (sep.tok !== ',') throw new ParseError(`found '${sep.lit}', expected: ',' or 'end of string'`);
      const n = p.look(true);
      if (n.tok !== 'id' && n.tok !== '!') throw new ParseError(`found '${n.lit}', expected: identifier after ','`);
    }
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.message };
    throw e;
  }
  return { ok: true, selector: { requirements: sortReqs(reqs) } };
}

/** labelSelectorFromMeta converts a metav1.LabelSelector (matchLabels + matchExpressions) like LabelSelectorAsSelector;
 * undefined/null gives `nothing`, an empty object gives everything. */
export function labelSelectorFromMeta(sel: Record<string, any> | undefined | null): LabelSelectorResult {
  if (sel === undefined || sel === null) return { ok: true, selector: nothingLabels };
  const ml: Record<string, unknown> = sel.matchLabels ?? {};
  const me: Record<string, any>[] = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(ml)) {
    const r = newRequirement(k, '=', [String(v)]);
    if (typeof r === 'string') return { ok: false, error: r };
    reqs.push(r);
  }
  const ops: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };
  for (const e of me) {
    const op = ops[String(e?.operator)];
    if (!op) return { ok: false, error: `${JSON.stringify(String(e?.operator ?? ''))} is not a valid label selector operator` };
    const r = newRequirement(String(e.key ?? ''), op, Array.isArray(e.values) ? e.values.map(String) : []);
    if (typeof r === 'string') return { ok: false, error: r };
    reqs.push(r);
  }
  return { ok: true, selector: { requirements: sortReqs(reqs) } };
}

function matchOne(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=': case '==': case 'in': return has && r.values.includes(v as string);
    case '!=': case 'notin': return !has || !r.values.includes(v as string);
    case 'exists': return has;
    case '!': return !has;
    case 'gt': case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(v as string) || r.values.length !== 1) return false;
      const a = BigInt(v as string);
      const b = BigInt(r.values[0]);
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

/** matchesLabels tells whether `labels` satisfy every requirement of `selector`. */
export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (selector.nothing) return false;
  const l = labels ?? {};
  return selector.requirements.every((r) => matchOne(r, l));
}

/** isEmptyLabelSelector tells whether the selector matches everything (no requirements). */
export function isEmptyLabelSelector(selector: LabelSelector): boolean {
  return !selector.nothing && selector.requirements.length === 0;
}

/** requirementString prints one requirement as apimachinery's Requirement.String. */
export function requirementString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
    case 'in': case 'notin': return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt': return `${r.key}>${r.values[0]}`;
    case 'lt': return `${r.key}<${r.values[0]}`;
    case '=': case '==': case '!=': return `${r.key}${r.operator}${r.values[0]}`;
  }
}

/** labelSelectorString prints a selector canonically (`app=web,tier in (a,b)`); "" for everything/nothing. */
export function labelSelectorString(selector: LabelSelector): string {
  return selector.requirements.map(requirementString).join(',');
}

/** formatLabelSelector renders a metav1.LabelSelector like metav1.FormatLabelSelector (`<none>` when empty, `<error>` when invalid). */
export function formatLabelSelector(sel: Record<string, any> | undefined | null): string {
  const r = labelSelectorFromMeta(sel);
  if (!r.ok) return '<error>';
  return labelSelectorString(r.selector) || '<none>';
}

/** formatLabels renders a label map as `a=b,c=d` sorted by key, `<none>` when empty (labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(',');
}
