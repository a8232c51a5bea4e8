/**
 * @module agent/cluster-config — what a joined node learns of the cluster's networking from
 * `kube-system/kubeadm-config` (kubeadm's ConfigMap, written by the server): the pod and service
 * CIDRs and the DNS domain in its `ClusterConfiguration` document. Nodes may read it (the bootstrap
 * policy's `kubeadm:nodes-kubeadm-config` Role); a server that does not publish it leaves the
 * agent with its defaults.
 */
import { parse as parseYaml } from 'yaml';
import type { JsonObject } from '../api/index.ts';
import { isStatusError } from '../api/index.ts';
import { RESOURCES } from '../client/index.ts';
import type { ApiClient } from '../client/index.ts';

/** ClusterNetworking is the networking part of a ClusterConfiguration. */
export interface ClusterNetworking { readonly podSubnet?: string; readonly serviceSubnet?: string; readonly dnsDomain?: string }

/** parseClusterNetworking reads `networking` from a ClusterConfiguration document; {} when it has none or is not YAML. */
export function parseClusterNetworking(text: string): ClusterNetworking {
  let doc: unknown;
  try { doc = parseYaml(text); } catch { return {}; }
  const n = (doc as JsonObject | null)?.networking as Record<string, unknown> | undefined;
  if (!n || typeof n !== 'object') return {};
  const out: { podSubnet?: string; serviceSubnet?: string; dnsDomain?: string } = {};
  for (const k of ['podSubnet', 'serviceSubnet', 'dnsDomain'] as const) if (typeof n[k] === 'string' && n[k]) out[k] = n[k];
  return out;
}

/** readClusterNetworking fetches kube-system/kubeadm-config; {} when the server has none (404) or lets this node not read it (403). */
export async function readClusterNetworking(client: ApiClient, signal?: AbortSignal): Promise<ClusterNetworking> {
  try {
    const cm = await client.get(RESOURCES.configmaps, 'kube-system', 'kubeadm-config', signal ? { signal } : {});
    const text = cm.data?.ClusterConfiguration;
    return typeof text === 'string' ? parseClusterNetworking(text) : {};
  } catch (e) {
    if (isStatusError(e, 404) || isStatusError(e, 403)) return {};
    throw e;
  }
}
