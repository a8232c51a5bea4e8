/**
 * @module apiserver/auth/rules — RBAC rule semantics as pure functions: whether a rule allows a
 * request, whether a set of rules covers another (escalation checks), label selectors of
 * ClusterRole aggregation, and the upstream wording of a denied request.
 */
import type { JsonObject } from '../../api/index.ts';
import type { PolicyRule, RequestAttributes, ResourceAttributes, UserInfo } from './types.ts';

const has = (list: readonly string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v));

/** ruleAllows tells whether one policy rule grants the request, with upstream's matching rules
 * (`*` wildcards, `resource/subresource` and `*\/subresource`, resourceNames, URL prefixes `x*`). */
export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.type === 'nonResource') {
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resOk = (rule.resources ?? []).some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
  if (!resOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (a.name !== '' && names.includes(a.name));
}

/** rulesAllow tells whether any of `rules` grants the request. */
export function rulesAllow(rules: readonly PolicyRule[], a: RequestAttributes): boolean {
  return rules.some((r) => ruleAllows(r, a));
}

/** normalizeRules reads the `rules` of a stored Role/ClusterRole into PolicyRules (skipping junk). */
export function normalizeRules(raw: unknown): PolicyRule[] {
  if (!Array.isArray(raw)) return [];
  const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const out: PolicyRule[] = [];
  for (const r of raw) {
    if (!r || typeof r !== 'object') continue;
    const o = r as JsonObject;
    const rule: { -readonly [K in keyof PolicyRule]: PolicyRule[K] } = { verbs: strs(o.verbs) ?? [] };
    for (const k of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
      const v = strs(o[k]);
      if (v && v.length > 0) rule[k] = v;
    }
    out.push(rule);
  }
  return out;
}

type Atom = { verb: string; group?: string; resource?: string; name?: string; url?: string };

function atoms(rule: PolicyRule): Atom[] {
  const out: Atom[] = [];
  for (const verb of rule.verbs) {
    for (const url of rule.nonResourceURLs ?? []) out.push({ verb, url });
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ verb, group, resource });
        for (const name of names) out.push({ verb, group, resource, name });
      }
    }
  }
  return out;
}

function ownerCovers(o: PolicyRule, a: Atom): boolean {
  if (!has(o.verbs, a.verb)) return false;
  if (a.url !== undefined) {
    return (o.nonResourceURLs ?? []).some((u) => u === '*' || u === a.url || (u.endsWith('*') && a.url!.startsWith(u.slice(0, -1))));
  }
  if (!has(o.apiGroups, a.group!)) return false;
  const res = a.resource!;
  const slash = res.indexOf('/');
  const resOk = (o.resources ?? []).some((r) => r === '*' || r === res || (slash > 0 && r === `*${res.slice(slash)}`));
  if (!resOk) return false;
  const names = o.resourceNames ?? [];
  if (names.length === 0) return true;
  return a.name !== undefined && names.includes(a.name);
}

/** uncovered returns the requested rules (broken down to single verb/group/resource/name or
 * verb/URL rules) that no rule of `owner` covers — empty when granting `requested` is no escalation. */
export function uncovered(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const r of requested) {
    for (const a of atoms(r)) {
      if (owner.some((o) => ownerCovers(o, a))) continue;
      out.push(a.url !== undefined ? { verbs: [a.verb], nonResourceURLs: [a.url] }
        : { verbs: [a.verb], apiGroups: [a.group!], resources: [a.resource!], ...(a.name !== undefined ? { resourceNames: [a.name] } : {}) });
    }
  }
  return out;
}

/** describeRule renders a rule the way upstream's escalation errors do. */
export function describeRule(r: PolicyRule): string {
  const q = (l: readonly string[]): string => `[${l.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** selectorMatches evaluates a metav1.LabelSelector (matchLabels and matchExpressions) on labels. */
export function selectorMatches(sel: JsonObject | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  const ml = (sel.matchLabels ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(ml)) if (l[k] !== v) return false;
  for (const e of (sel.matchExpressions ?? []) as JsonObject[]) {
    const key = String(e.key);
    const values = (e.values ?? []) as string[];
    const present = Object.hasOwn(l, key);
    switch (e.operator) {
      case 'In': if (!present || !values.includes(l[key])) return false; break;
      case 'NotIn': if (present && values.includes(l[key])) return false; break;
      case 'Exists': if (!present) return false; break;
      case 'DoesNotExist': if (present) return false; break;
      default: return false;
    }
  }
  return true;
}

/** forbiddenMessage is upstream's "User … cannot …" sentence for a denied request. */
export function forbiddenMessage(user: UserInfo, a: RequestAttributes): string {
  if (a.type === 'nonResource') return `User ${JSON.stringify(user.username)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(user.username)} cannot ${a.verb} resource ${JSON.stringify(res)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/** qualifiedResource is `resource` or `resource.group`, as Status messages name resources. */
export function qualifiedResource(a: ResourceAttributes): string {
  return a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
}
