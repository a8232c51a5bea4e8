/**
 * @module apiserver/auth/service — the API server's authentication and authorization, wired:
 * informers from the watch caches into the RBAC index and the node graph, the authenticator with
 * cache-backed lookups, the authorizer chain (system:masters, Node, RBAC), the RBAC escalation and
 * bind checks of Role/Binding writes, and the in-process ClusterRole aggregation (upstream runs
 * the latter as the clusterrole-aggregation controller; it should move to src/controllers).
 */
import type { IncomingMessage } from 'node:http';
import { forbidden, isStatusError, type JsonObject, type KindInfo } from '../../api/index.ts';
import { storageKey, storagePrefix, type Catalog } from '../registry/catalog.ts';
import type { ResourceRegistry } from '../registry/resource-store.ts';
import type { WatchCaches } from '../watch-cache.ts';
import { Authenticator, type AuthnResult, type ObjectLookup } from './authn.ts';
import { CacheInformer } from './informer.ts';
import { JwtSigner, type ServiceAccountKeyPems } from './jwt.ts';
import { NODE_RULES, NodeAuthorizer, NodeGraph, nodeNameOf } from './node.ts';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_ROLE_BINDINGS, BOOTSTRAP_ROLES } from './bootstrap-policy.ts';
import { aggregateRules, RbacAuthorizer, RbacIndex, type RbacResource } from './rbac.ts';
import { describeRule, forbiddenMessage, normalizeRules, qualifiedResource, uncovered } from './rules.ts';
import { SYSTEM_MASTERS, type Decision, type PolicyRule, type RequestAttributes, type UserInfo } from './types.ts';

const RBAC = 'rbac.authorization.k8s.io';

/** AuthServiceOptions are what the auth service works with. */
export interface AuthServiceOptions {
  readonly registry: ResourceRegistry;
  readonly catalog: Catalog;
  readonly caches: WatchCaches;
  readonly now: () => number;
  /** serviceAccountKeys sign and verify service-account tokens; an ephemeral pair when absent. */
  readonly serviceAccountKeys?: ServiceAccountKeyPems;
}

/** AuthService authenticates and authorizes the API server's requests. */
export class AuthService {
  readonly index = new RbacIndex();
  readonly graph = new NodeGraph();
  readonly rbac = new RbacAuthorizer(this.index);
  readonly node = new NodeAuthorizer(this.graph);
  readonly signer: JwtSigner;
  readonly authenticator: Authenticator;
  private readonly o: AuthServiceOptions;
  private readonly informers: CacheInformer[] = [];
  private aggregationTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(o: AuthServiceOptions) {
    this.o = o;
    this.signer = new JwtSigner(o.serviceAccountKeys);
    this.authenticator = new Authenticator({ lookup: this.lookup(), signer: this.signer, now: o.now });
  }

  /** start loads the RBAC objects, pods and PVCs and keeps them current; aggregation starts too. */
  async start(): Promise<void> {
    const feeds: [string, string, (o: JsonObject) => void, (o: JsonObject) => void, () => void][] = [];
    for (const r of ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'] as const satisfies readonly RbacResource[]) {
      feeds.push([RBAC, r, (o) => this.index.put(r, o), (o) => this.index.remove(r, o), () => this.index.clear(r)]);
    }
    feeds.push(['', 'pods', (o) => this.graph.putPod(o), (o) => this.graph.removePod(o), () => this.graph.clearPods()]);
    feeds.push(['', 'persistentvolumeclaims', (o) => this.graph.putPvc(o), (o) => this.graph.removePvc(o), () => this.graph.clearPvcs()]);
    for (const [group, resource, put, remove, reset] of feeds) {
      const kind = this.o.catalog.lookup(group, 'v1', resource);
      if (!kind) continue;
      const inf = new CacheInformer(this.o.caches, storagePrefix(kind), { put, remove, reset });
      this.informers.push(inf);
      await inf.start();
    }
    if (!this.o.catalog.lookup(RBAC, 'v1', 'clusterroles')) {
      // RBAC is not served (a reduced catalog): the bootstrap policy applies, held in memory only.
      for (const o of BOOTSTRAP_CLUSTER_ROLES) this.index.put('clusterroles', o);
      for (const o of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) this.index.put('clusterrolebindings', o);
      for (const o of BOOTSTRAP_ROLES) this.index.put('roles', o);
      for (const o of BOOTSTRAP_ROLE_BINDINGS) this.index.put('rolebindings', o);
    }
    this.index.onChange((r) => { if (r === 'clusterroles') this.scheduleAggregation(); });
    this.scheduleAggregation();
  }

  /** close stops the informers and the aggregation. */
  close(): void {
    this.closed = true;
    if (this.aggregationTimer) clearTimeout(this.aggregationTimer);
    for (const i of this.informers) i.close();
  }

  /** authenticate authenticates one request (401 on failure is the caller's). */
  authenticate(req: IncomingMessage): Promise<AuthnResult> { return this.authenticator.authenticateRequest(req); }

  /** authorize runs the chain: system:masters, the Node authorizer, RBAC. */
  authorize(user: UserInfo, a: RequestAttributes): Decision {
    if (user.groups.includes(SYSTEM_MASTERS)) return { decision: 'allow', reason: `the user is in the ${SYSTEM_MASTERS} group` };
    const n = this.node.authorize(user, a);
    if (n.decision !== 'noOpinion') return n;
    const r = this.rbac.authorize(user, a);
    if (r.decision !== 'noOpinion') return r;
    return { decision: 'noOpinion', reason: n.reason || r.reason };
  }

  /** check throws upstream's 403 Forbidden unless the request is allowed. */
  check(user: UserInfo, a: RequestAttributes): void {
    const d = this.authorize(user, a);
    if (d.decision === 'allow') return;
    const msg = forbiddenMessage(user, a) + (d.reason ? `: ${d.reason}` : '');
    if (a.type === 'nonResource') throw forbidden(`forbidden: ${msg}`, {});
    const qr = qualifiedResource(a);
    throw forbidden(a.name ? `${qr} ${JSON.stringify(a.name)} is forbidden: ${msg}` : `${qr} is forbidden: ${msg}`,
      { ...(a.name ? { name: a.name } : {}), group: a.apiGroup, kind: a.resource });
  }

  /** rulesFor lists the rules `user` holds in `namespace` (RBAC plus the node rules of node identities). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const rules = this.rbac.rulesFor(user, namespace);
    return nodeNameOf(user) !== undefined ? [...NODE_RULES, ...rules] : rules;
  }

  /** guardRbacWrite refuses (403) a Role/ClusterRole write granting permissions the user does not
   * hold (unless it may `escalate`) and a binding to a role whose permissions it lacks (unless it may `bind`). */
  guardRbacWrite(kind: KindInfo, ns: string, obj: JsonObject, old: JsonObject | undefined, user: UserInfo): void {
    if (kind.group !== RBAC) return;
    const name = String(obj.metadata?.name ?? '');
    const resource = kind.resource;
    const base = { type: 'resource', apiGroup: RBAC, apiVersion: kind.version, subresource: '', namespace: ns } as const;
    const refuse = (why: string): never => {
      throw forbidden(`${resource}.${RBAC} ${JSON.stringify(name)} is forbidden: ${why}`, { name, group: RBAC, kind: resource });
    };
    const lacking = (missing: PolicyRule[]): string =>
      `user ${JSON.stringify(user.username)} (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(describeRule).join('\n')}`;
    if (resource === 'roles' || resource === 'clusterroles') {
      const rules = normalizeRules(obj.rules);
      if (old && JSON.stringify(normalizeRules(old.rules)) === JSON.stringify(rules) && JSON.stringify(old.aggregationRule) === JSON.stringify(obj.aggregationRule)) return;
      if (this.authorize(user, { ...base, verb: 'escalate', resource, name }).decision === 'allow') return;
      if (obj.aggregationRule) refuse('must have cluster-admin privileges to use the aggregationRule');
      const missing = uncovered(this.rbac.rulesFor(user, ns), rules);
      if (missing.length > 0) refuse(lacking(missing));
      return;
    }
    if (resource !== 'rolebindings' && resource !== 'clusterrolebindings') return;
    const ref = (obj.roleRef ?? {}) as JsonObject;
    const refKind = String(ref.kind ?? '');
    const refName = String(ref.name ?? '');
    if (this.authorize(user, { ...base, verb: 'bind', resource: refKind === 'ClusterRole' ? 'clusterroles' : 'roles', name: refName }).decision === 'allow') return;
    const missing = uncovered(this.rbac.rulesFor(user, ns), this.index.roleRules(refKind, refName, ns));
    if (missing.length > 0) refuse(lacking(missing));
  }

  private lookup(): ObjectLookup {
    const { catalog, caches, registry } = this.o;
    return {
      get: async (resource, ns, name) => {
        const kind = catalog.lookup('', 'v1', resource);
        if (!kind) return undefined;
        const cached = caches.peek(storagePrefix(kind))?.get(storageKey(kind, ns, name));
        if (cached) return cached;
        try {
          return await registry.get(kind, ns, name);
        } catch (e) {
          if (isStatusError(e, 404)) return undefined;
          throw e;
        }
      },
    };
  }

  private scheduleAggregation(): void {
    if (this.closed || this.aggregationTimer) return;
    this.aggregationTimer = setTimeout(() => {
      this.aggregationTimer = undefined;
      this.aggregate().catch((e: unknown) => { if (!this.closed) process.emitWarning(`apiserver: clusterrole aggregation: ${e instanceof Error ? e.message : String(e)}`); });
    }, 0);
  }

  /** aggregate writes the computed rules of every aggregating ClusterRole whose stored rules differ. */
  private async aggregate(): Promise<void> {
    const kind = this.o.catalog.lookup(RBAC, 'v1', 'clusterroles');
    if (!kind) return;
    for (const [name, role] of this.index.clusterRoles) {
      if (!role.aggregation || this.closed) continue;
      const rules = aggregateRules(name, role.aggregation, this.index.clusterRoles);
      if (JSON.stringify(rules) === JSON.stringify(role.rules)) continue;
      try {
        // Unconditional (no resourceVersion): a concurrent write makes the registry retry with the new state.
        await this.o.registry.update(kind, '', name, (cur) => {
          const next = { ...cur, metadata: { ...cur.metadata }, rules: aggregateRules(name, ((cur.aggregationRule?.clusterRoleSelectors ?? []) as JsonObject[]), this.index.clusterRoles) };
          delete next.metadata.resourceVersion;
          return next;
        },
          { dryRun: false, fieldManager: 'clusterrole-aggregation-controller', fieldValidation: 'Ignore' });
      } catch (e) {
        if (!isStatusError(e, 404)) throw e;
      }
    }
  }
}
