/**
 * @module apiserver/auth/rbac — the RBAC authorizer: in-memory indexes of Roles, ClusterRoles,
 * RoleBindings and ClusterRoleBindings (fed by informers, never a store read per request), the
 * subject matching of bindings, the rules a user holds in a namespace, and ClusterRole aggregation.
 */
import type { JsonObject } from '../../api/index.ts';
import { normalizeRules, rulesAllow, selectorMatches } from './rules.ts';
import { SYSTEM_MASTERS, type Authorizer, type Decision, type PolicyRule, type RequestAttributes, type UserInfo } from './types.ts';

/** RbacResource names the four RBAC resources the index holds. */
export type RbacResource = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

interface Binding { name: string; namespace: string; roleKind: string; roleName: string; subjects: JsonObject[] }
interface Role { name: string; rules: PolicyRule[]; labels: Record<string, string>; aggregation?: JsonObject[] }

const key = (ns: string, name: string): string => `${ns}/${name}`;

/** RbacIndex holds the current RBAC objects by namespace and name. */
export class RbacIndex {
  readonly roles = new Map<string, Role>();
  readonly clusterRoles = new Map<string, Role>();
  readonly roleBindings = new Map<string, Map<string, Binding>>();
  readonly clusterRoleBindings = new Map<string, Binding>();
  private readonly listeners = new Set<(resource: RbacResource) => void>();

  /** put records the current state of one object of `resource`. */
  put(resource: RbacResource, obj: JsonObject): void {
    const m = (obj.metadata ?? {}) as JsonObject;
    const name = String(m.name ?? '');
    const ns = String(m.namespace ?? '');
    if (resource === 'roles' || resource === 'clusterroles') {
      const sels = obj.aggregationRule?.clusterRoleSelectors;
      const role: Role = { name, rules: normalizeRules(obj.rules), labels: (m.labels ?? {}) as Record<string, string>, ...(Array.isArray(sels) ? { aggregation: sels as JsonObject[] } : {}) };
      if (resource === 'roles') this.roles.set(key(ns, name), role);
      else this.clusterRoles.set(name, role);
    } else {
      const ref = (obj.roleRef ?? {}) as JsonObject;
      const b: Binding = { name, namespace: ns, roleKind: String(ref.kind ?? ''), roleName: String(ref.name ?? ''), subjects: Array.isArray(obj.subjects) ? obj.subjects as JsonObject[] : [] };
      if (resource === 'clusterrolebindings') this.clusterRoleBindings.set(name, b);
      else {
        let inNs = this.roleBindings.get(ns);
        if (!inNs) { inNs = new Map(); this.roleBindings.set(ns, inNs); }
        inNs.set(name, b);
      }
    }
    this.changed(resource);
  }

  /** remove forgets one object of `resource`. */
  remove(resource: RbacResource, obj: JsonObject): void {
    const name = String(obj.metadata?.name ?? '');
    const ns = String(obj.metadata?.namespace ?? '');
    if (resource === 'roles') this.roles.delete(key(ns, name));
    else if (resource === 'clusterroles') this.clusterRoles.delete(name);
    else if (resource === 'clusterrolebindings') this.clusterRoleBindings.delete(name);
    else this.roleBindings.get(ns)?.delete(name);
    this.changed(resource);
  }

  /** clear forgets every object of `resource` (before a relist). */
  clear(resource: RbacResource): void {
    if (resource === 'roles') this.roles.clear();
    else if (resource === 'clusterroles') this.clusterRoles.clear();
    else if (resource === 'clusterrolebindings') this.clusterRoleBindings.clear();
    else this.roleBindings.clear();
    this.changed(resource);
  }

  /** onChange registers a listener called after every change; returns the unsubscribe function. */
  onChange(fn: (resource: RbacResource) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(resource: RbacResource): void { for (const l of this.listeners) l(resource); }

  /** roleRules returns the rules of a binding's roleRef (empty when the role does not exist). */
  roleRules(roleKind: string, roleName: string, namespace: string): PolicyRule[] {
    if (roleKind === 'ClusterRole') return this.clusterRoles.get(roleName)?.rules ?? [];
    if (roleKind === 'Role') return this.roles.get(key(namespace, roleName))?.rules ?? [];
    return [];
  }
}

/** subjectMatches tells whether an rbac Subject names `user` (`bindingNs` defaults ServiceAccount namespaces). */
export function subjectMatches(s: JsonObject, user: UserInfo, bindingNs: string): boolean {
  switch (s.kind) {
    case 'User': return s.name === user.username;
    case 'Group': return user.groups.includes(String(s.name));
    case 'ServiceAccount': {
      const ns = String(s.namespace || bindingNs);
      return user.username === `system:serviceaccount:${ns}:${String(s.name)}`;
    }
    default: return false;
  }
}

/** RbacAuthorizer answers requests from an RbacIndex; members of system:masters may do everything. */
export class RbacAuthorizer implements Authorizer {
  readonly index: RbacIndex;
  constructor(index: RbacIndex) { this.index = index; }

  /** authorize allows the request when some binding that names the user grants it. */
  authorize(user: UserInfo, a: RequestAttributes): Decision {
    if (user.groups.includes(SYSTEM_MASTERS)) return { decision: 'allow', reason: `the user is in the ${SYSTEM_MASTERS} group` };
    const ix = this.index;
    for (const b of ix.clusterRoleBindings.values()) {
      if (b.roleKind !== 'ClusterRole' || !b.subjects.some((s) => subjectMatches(s, user, ''))) continue;
      if (rulesAllow(ix.roleRules('ClusterRole', b.roleName, ''), a)) {
        return { decision: 'allow', reason: `RBAC: allowed by ClusterRoleBinding ${JSON.stringify(b.name)} of ClusterRole ${JSON.stringify(b.roleName)} to ${subjectText(b.subjects, user)}` };
      }
    }
    if (a.type === 'resource' && a.namespace) {
      for (const b of ix.roleBindings.get(a.namespace)?.values() ?? []) {
        if (!b.subjects.some((s) => subjectMatches(s, user, b.namespace))) continue;
        if (rulesAllow(ix.roleRules(b.roleKind, b.roleName, b.namespace), a)) {
          return { decision: 'allow', reason: `RBAC: allowed by RoleBinding ${JSON.stringify(`${b.name}/${b.namespace}`)} of ${b.roleKind} ${JSON.stringify(b.roleName)} to ${subjectText(b.subjects, user)}` };
        }
      }
    }
    return { decision: 'noOpinion', reason: '' };
  }

  /** rulesFor lists the rules `user` holds in `namespace` ('' = cluster-wide bindings only). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const ix = this.index;
    const out: PolicyRule[] = [];
    if (user.groups.includes(SYSTEM_MASTERS)) out.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] });
    for (const b of ix.clusterRoleBindings.values()) {
      if (b.roleKind === 'ClusterRole' && b.subjects.some((s) => subjectMatches(s, user, ''))) out.push(...ix.roleRules('ClusterRole', b.roleName, ''));
    }
    if (namespace) {
      for (const b of ix.roleBindings.get(namespace)?.values() ?? []) {
        if (b.subjects.some((s) => subjectMatches(s, user, b.namespace))) out.push(...ix.roleRules(b.roleKind, b.roleName, b.namespace));
      }
    }
    return out;
  }
}

function subjectText(subjects: readonly JsonObject[], user: UserInfo): string {
  const s = subjects.find((x) => subjectMatches(x, user, '')) ?? subjects[0];
  return s ? `${String(s.kind)} ${JSON.stringify(s.name)}` : 'nobody';
}

/** aggregateRules computes the rules of an aggregating ClusterRole: the rules of every other
 * ClusterRole matched by one of its selectors, in selector then name order, without duplicates. */
export function aggregateRules(name: string, selectors: readonly JsonObject[], roles: ReadonlyMap<string, { rules: readonly PolicyRule[]; labels: Record<string, string> }>): PolicyRule[] {
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const names = [...roles.keys()].sort();
  for (const sel of selectors) {
    for (const n of names) {
      if (n === name) continue;
      const r = roles.get(n)!;
      if (!selectorMatches(sel, r.labels)) continue;
      for (const rule of r.rules) {
        const k = JSON.stringify(rule);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(rule);
      }
    }
  }
  return out;
}
