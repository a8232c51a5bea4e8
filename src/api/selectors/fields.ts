/**
 * @module api/selectors/fields — field selectors as apimachinery's fields.ParseSelector has them:
 * `a=b`, `a==b`, `a!=b`, terms joined by `,` (AND), values escaped with `\,` `\=` `\\`. Matching
 * goes through a getter so each kind decides which fields it can select on.
 */

/** FieldTerm is one `field op value` term; `value` is unescaped. */
export interface FieldTerm {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** FieldSelector is an AND of terms; no terms matches everything. */
export interface FieldSelector { readonly terms: readonly FieldTerm[] }

/** FieldSelectorResult is a parse outcome. */
export type FieldSelectorResult = { ok: true; selector: FieldSelector } | { ok: false; error: string };

function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') { terms.push(s.slice(start, i)); start = i + 1; }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, '!=' | '==' | '=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** unescapeFieldValue undoes `\\`, `\,`, `\=`; unescaped `,`/`=` and unknown escapes are errors (upstream wording). */
export function unescapeFieldValue(s: string): { ok: true; value: string } | { ok: false; error: string } {
  if (!/[\\,=]/.test(s)) return { ok: true, value: s };
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else return { ok: false, error: `invalid field selector: invalid escape sequence: \\${c}` };
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') return { ok: false, error: `invalid field selector: unescaped character in value: ${c.codePointAt(0)}` };
    else out += c;
  }
  if (inSlash) return { ok: false, error: 'invalid field selector: invalid escape sequence: \\' };
  return { ok: true, value: out };
}

/** escapeFieldValue escapes a literal for use in a field selector (fields.EscapeValue). */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** parseFieldSelector parses the `fieldSelector` query grammar; terms come out sorted as upstream sorts them. */
export function parseFieldSelector(text: string): FieldSelectorResult {
  const parts = splitTerms(text).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) return { ok: false, error: `invalid selector: '${text}'; can't understand '${part}'` };
    const [field, op, rhs] = split;
    const v = unescapeFieldValue(rhs);
    if (!v.ok) return { ok: false, error: v.error };
    terms.push({ field, operator: op === '!=' ? '!=' : '=', value: v.value });
  }
  return { ok: true, selector: { terms } };
}

/** matchesFields tells whether every term holds; a field the getter does not know reads as "". */
export function matchesFields(selector: FieldSelector, get: (field: string) => string | undefined): boolean {
  return selector.terms.every((t) => {
    const v = get(t.field) ?? '';
    return t.operator === '=' ? v === t.value : v !== t.value;
  });
}

/** fieldSelectorFields lists the distinct fields the selector uses, in order. */
export function fieldSelectorFields(selector: FieldSelector): string[] {
  return [...new Set(selector.terms.map((t) => t.field))];
}

/** fieldSelectorString prints a selector canonically (`a=b,c!=d`, values escaped). */
export function fieldSelectorString(selector: FieldSelector): string {
  return selector.terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
}

/** requiresExactMatch returns the value when the selector pins `field` with `=` (used to narrow lists, e.g. by metadata.name). */
export function requiresExactMatch(selector: FieldSelector, field: string): string | undefined {
  return selector.terms.find((t) => t.field === field && t.operator === '=')?.value;
}
