/**
 * @module apiserver/auth/node — the Node authorizer: a kubelet identity (`system:node:<name>` in
 * `system:nodes`) may read the Secrets, ConfigMaps, PVCs and PVs that pods bound to its node use,
 * request tokens for their service accounts, change only its own Node and Lease and the status of
 * its own pods, and otherwise do what the `system:node` rules grant (events, CSRs, reviews, reads).
 * The pod/PVC graph is kept in memory from informers.
 */
import type { JsonObject } from '../../api/index.ts';
import { rulesAllow } from './rules.ts';
import { NODES_GROUP, type Authorizer, type Decision, type PolicyRule, type RequestAttributes, type UserInfo } from './types.ts';

const R = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });

/** NODE_RULES are upstream's rules of a node identity (the `system:node` ClusterRole). */
export const NODE_RULES: readonly PolicyRule[] = [
  R(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  R(['update', 'patch'], [''], ['nodes/status']),
  R(['update', 'patch'], [''], ['nodes']),
  R(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']),
  R(['get', 'list', 'watch'], [''], ['pods']),
  R(['create', 'delete'], [''], ['pods']),
  R(['update', 'patch'], [''], ['pods/status']),
  R(['create'], [''], ['pods/eviction']),
  R(['get'], [''], ['secrets', 'configmaps']),
  R(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  R(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  R(['get'], [''], ['endpoints']),
  R(['get', 'list', 'watch'], [''], ['services']),
  R(['create'], [''], ['serviceaccounts/token']),
  R(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  R(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  R(['get'], ['storage.k8s.io'], ['volumeattachments']),
  R(['get', 'list', 'watch'], ['storage.k8s.io'], ['csidrivers', 'storageclasses']),
  R(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  R(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  R(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  R(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
];

interface PodRefs { node: string; ns: string; secrets: string[]; configmaps: string[]; pvcs: string[]; serviceAccount: string }

const names = (v: unknown): string[] => (typeof v === 'string' && v ? [v] : []);

/** podReferences lists what a pod uses: Secrets, ConfigMaps, PVCs (volumes, projected sources,
 * env valueFrom, envFrom, imagePullSecrets, ephemeral volumes) and its service account. */
export function podReferences(pod: JsonObject): PodRefs {
  const spec = (pod.spec ?? {}) as JsonObject;
  const secrets: string[] = []; const configmaps: string[] = []; const pvcs: string[] = [];
  for (const s of (spec.imagePullSecrets ?? []) as JsonObject[]) secrets.push(...names(s?.name));
  for (const v of (spec.volumes ?? []) as JsonObject[]) {
    if (!v) continue;
    secrets.push(...names(v.secret?.secretName), ...names(v.azureFile?.secretName), ...names(v.csi?.nodePublishSecretRef?.name),
      ...names(v.cephfs?.secretRef?.name), ...names(v.rbd?.secretRef?.name), ...names(v.iscsi?.secretRef?.name), ...names(v.flexVolume?.secretRef?.name));
    configmaps.push(...names(v.configMap?.name));
    pvcs.push(...names(v.persistentVolumeClaim?.claimName));
    if (v.ephemeral) pvcs.push(`${String(pod.metadata?.name)}-${String(v.name)}`);
    for (const src of (v.projected?.sources ?? []) as JsonObject[]) {
      secrets.push(...names(src?.secret?.name));
      configmaps.push(...names(src?.configMap?.name));
    }
  }
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) {
    for (const c of (list ?? []) as JsonObject[]) {
      for (const e of (c?.env ?? []) as JsonObject[]) {
        secrets.push(...names(e?.valueFrom?.secretKeyRef?.name));
        configmaps.push(...names(e?.valueFrom?.configMapKeyRef?.name));
      }
      for (const e of (c?.envFrom ?? []) as JsonObject[]) {
        secrets.push(...names(e?.secretRef?.name));
        configmaps.push(...names(e?.configMapRef?.name));
      }
    }
  }
  return { node: String(spec.nodeName ?? ''), ns: String(pod.metadata?.namespace ?? ''), secrets, configmaps, pvcs, serviceAccount: String(spec.serviceAccountName || 'default') };
}

/** NodeGraph indexes pods by node and PVCs by name (fed by informers). */
export class NodeGraph {
  private readonly pods = new Map<string, PodRefs>();
  private readonly byNode = new Map<string, Set<string>>();
  private readonly pvcVolumes = new Map<string, string>();

  /** putPod records a pod's node and references. */
  putPod(pod: JsonObject): void {
    this.removePod(pod);
    const refs = podReferences(pod);
    if (!refs.node) return;
    const k = `${refs.ns}/${String(pod.metadata?.name)}`;
    this.pods.set(k, refs);
    let s = this.byNode.get(refs.node);
    if (!s) { s = new Set(); this.byNode.set(refs.node, s); }
    s.add(k);
  }

  /** removePod forgets a pod. */
  removePod(pod: JsonObject): void {
    const k = `${String(pod.metadata?.namespace ?? '')}/${String(pod.metadata?.name)}`;
    const old = this.pods.get(k);
    if (!old) return;
    this.pods.delete(k);
    this.byNode.get(old.node)?.delete(k);
  }

  /** putPvc records the PV a claim is bound to; removePvc forgets it. */
  putPvc(pvc: JsonObject): void { this.pvcVolumes.set(`${String(pvc.metadata?.namespace)}/${String(pvc.metadata?.name)}`, String(pvc.spec?.volumeName ?? '')); }
  removePvc(pvc: JsonObject): void { this.pvcVolumes.delete(`${String(pvc.metadata?.namespace)}/${String(pvc.metadata?.name)}`); }

  /** clearPods / clearPvcs forget everything before a relist. */
  clearPods(): void { this.pods.clear(); this.byNode.clear(); }
  clearPvcs(): void { this.pvcVolumes.clear(); }

  /** podNode returns the node a pod is bound to ('' unknown or unbound). */
  podNode(ns: string, name: string): string { return this.pods.get(`${ns}/${name}`)?.node ?? ''; }

  /** related tells whether a pod on `node` references the object. */
  related(node: string, resource: string, ns: string, name: string): boolean {
    for (const k of this.byNode.get(node) ?? []) {
      const p = this.pods.get(k)!;
      switch (resource) {
        case 'secrets': if (p.ns === ns && p.secrets.includes(name)) return true; break;
        case 'configmaps': if (p.ns === ns && p.configmaps.includes(name)) return true; break;
        case 'persistentvolumeclaims': if (p.ns === ns && p.pvcs.includes(name)) return true; break;
        case 'serviceaccounts': if (p.ns === ns && p.serviceAccount === name) return true; break;
        case 'persistentvolumes': if (p.pvcs.some((c) => this.pvcVolumes.get(`${p.ns}/${c}`) === name)) return true; break;
      }
    }
    return false;
  }
}

/** nodeNameOf returns the node name of a node identity, or undefined for other users. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.username.startsWith('system:node:')) return undefined;
  const n = user.username.slice('system:node:'.length);
  return n || undefined;
}

const ALLOW: Decision = { decision: 'allow', reason: '' };
const noOpinion = (reason: string): Decision => ({ decision: 'noOpinion', reason });

/** NodeAuthorizer decides on the requests of node identities; other users get no opinion. */
export class NodeAuthorizer implements Authorizer {
  readonly graph: NodeGraph;
  constructor(graph: NodeGraph) { this.graph = graph; }

  /** authorize applies the graph checks and the node rules. */
  authorize(user: UserInfo, a: RequestAttributes): Decision {
    const node = nodeNameOf(user);
    if (node === undefined) return noOpinion('');
    if (a.type === 'nonResource') return rulesAllow(NODE_RULES, a) ? ALLOW : noOpinion('');
    const g = a.apiGroup;
    if (g === '' && ['secrets', 'configmaps', 'persistentvolumeclaims', 'persistentvolumes'].includes(a.resource) && !a.subresource) {
      if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
      if (!a.name) return noOpinion('No Object name found');
      return this.graph.related(node, a.resource, a.namespace, a.name) ? ALLOW : noOpinion(`no relationship found between node '${node}' and this object`);
    }
    if (g === '' && a.resource === 'serviceaccounts' && a.subresource === 'token') {
      if (a.verb !== 'create') return noOpinion('can only create tokens for individual service accounts');
      return this.graph.related(node, 'serviceaccounts', a.namespace, a.name) ? ALLOW : noOpinion(`no relationship found between node '${node}' and this object`);
    }
    if (g === '' && a.resource === 'nodes' && a.name && a.name !== node && !['get', 'list', 'watch'].includes(a.verb)) {
      return noOpinion(`node '${node}' cannot modify node '${a.name}'`);
    }
    if (g === 'coordination.k8s.io' && a.resource === 'leases') {
      if (a.namespace !== 'kube-node-lease' || (a.name !== '' && a.name !== node) || (a.name === '' && a.verb !== 'create')) return noOpinion(`can only access node lease with the same name as the requesting node`);
    }
    if (g === 'storage.k8s.io' && a.resource === 'csinodes' && a.verb !== 'create' && a.name !== node) {
      return noOpinion(`can only access CSINode with the same name as the requesting node`);
    }
    if (g === '' && a.resource === 'pods' && a.subresource === 'status' && a.name) {
      const bound = this.graph.podNode(a.namespace, a.name);
      if (bound && bound !== node) return noOpinion(`pod is bound to another node`);
    }
    return rulesAllow(NODE_RULES, a) ? ALLOW : noOpinion('');
  }
}
