/**
 * @module api/kinds/subresources — what discovery says about each subresource: the kind its
 * requests and responses carry (`deployments/scale` → autoscaling/v1 Scale, `pods/eviction` →
 * policy/v1 Eviction) and its verbs, as upstream lists them.
 */
import type { KindInfo } from './types.ts';

/** SubresourceInfo is the discovery view of one subresource of one kind. */
export interface SubresourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly verbs: readonly string[];
}

const GUP = ['get', 'patch', 'update'];
const PROXY = ['create', 'delete', 'get', 'patch', 'update'];
const CONNECT = ['create', 'get'];

/** FIXED: subresources whose kind does not depend on the parent ([group, version, kind, verbs]). */
const FIXED: Readonly<Record<string, readonly [string, string, string, readonly string[]]>> = {
  scale: ['autoscaling', 'v1', 'Scale', GUP],
  eviction: ['policy', 'v1', 'Eviction', ['create']],
  binding: ['', 'v1', 'Binding', ['create']],
  token: ['authentication.k8s.io', 'v1', 'TokenRequest', ['create']],
  exec: ['', 'v1', 'PodExecOptions', CONNECT],
  attach: ['', 'v1', 'PodAttachOptions', CONNECT],
  portforward: ['', 'v1', 'PodPortForwardOptions', CONNECT],
};
const PROXY_KIND: Readonly<Record<string, string>> = { pods: 'PodProxyOptions', services: 'ServiceProxyOptions', nodes: 'NodeProxyOptions' };
/** SAME_KIND: subresources that carry the parent kind, with their verbs. */
const SAME_KIND: Readonly<Record<string, readonly string[]>> = {
  status: GUP, approval: GUP, ephemeralcontainers: GUP, resize: GUP, log: ['get'], finalize: ['update'],
};

/** subresourceInfo returns the kind and verbs of `sub` on `parent`, or undefined if unknown. */
export function subresourceInfo(parent: KindInfo, sub: string): SubresourceInfo | undefined {
  const fixed = FIXED[sub];
  if (fixed) return { group: fixed[0], version: fixed[1], kind: fixed[2], verbs: fixed[3] };
  if (sub === 'proxy') {
    const k = PROXY_KIND[parent.resource];
    return k ? { group: '', version: 'v1', kind: k, verbs: PROXY } : undefined;
  }
  const verbs = SAME_KIND[sub];
  return verbs ? { group: parent.group, version: parent.version, kind: parent.kind, verbs } : undefined;
}

/** isStreamingSubresource tells the subresources that are served by connection upgrade or streaming
 * (not by the generic object handlers): log, exec, attach, portforward, proxy. */
export function isStreamingSubresource(sub: string): boolean {
  return sub === 'log' || sub === 'exec' || sub === 'attach' || sub === 'portforward' || sub === 'proxy';
}
