/**
 * @module apiserver/bootstrap — objects every cluster starts with: the namespaces default,
 * kube-system, kube-public and kube-node-lease, and (as kubeadm keeps it) `kube-system/kubeadm-config`
 * whose `ClusterConfiguration` tells joining nodes the cluster's pod and service CIDRs and DNS domain.
 */
import { stringify } from 'yaml';
import { isStatusError } from '../api/index.ts';
import type { Catalog } from './registry/catalog.ts';
import type { ResourceRegistry } from './registry/resource-store.ts';

/** SYSTEM_NAMESPACES are created at start when absent. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** ensureSystemNamespaces creates the system namespaces that do not exist yet. */
export async function ensureSystemNamespaces(registry: ResourceRegistry, catalog: Catalog): Promise<void> {
  const kind = catalog.lookup('', 'v1', 'namespaces');
  if (!kind) return;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await registry.create(kind, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { dryRun: false, fieldManager: 'windlass', fieldValidation: 'Ignore' });
    } catch (e) {
      if (!isStatusError(e, 409)) throw e;
    }
  }
}

/** ClusterNetworking is what kubeadm-config's ClusterConfiguration says of the cluster's networking (agent/cluster-config.ts reads it). */
export interface ClusterNetworking { readonly podSubnet?: string; readonly serviceSubnet?: string; readonly dnsDomain?: string }

/** KUBEADM_CONFIG names the ConfigMap (kubeadm's) that carries the ClusterConfiguration. */
export const KUBEADM_CONFIG = { namespace: 'kube-system', name: 'kubeadm-config', key: 'ClusterConfiguration' } as const;

/** clusterConfigurationYaml renders kubeadm's ClusterConfiguration (v1beta3) for `networking`. */
export function clusterConfigurationYaml(n: ClusterNetworking, extra: { kubernetesVersion: string; controlPlaneEndpoint?: string }): string {
  return stringify({
    apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'ClusterConfiguration', clusterName: 'windlass', kubernetesVersion: extra.kubernetesVersion,
    ...(extra.controlPlaneEndpoint ? { controlPlaneEndpoint: extra.controlPlaneEndpoint } : {}),
    networking: { dnsDomain: n.dnsDomain ?? 'cluster.local', ...(n.podSubnet ? { podSubnet: n.podSubnet } : {}), ...(n.serviceSubnet ? { serviceSubnet: n.serviceSubnet } : {}) },
  });
}

/** ensureClusterConfiguration creates kube-system/kubeadm-config, or rewrites it when this server's networking differs from what it holds. */
export async function ensureClusterConfiguration(registry: ResourceRegistry, catalog: Catalog, yaml: string): Promise<void> {
  const kind = catalog.lookup('', 'v1', 'configmaps');
  if (!kind) return;
  const opts = { dryRun: false, fieldManager: 'windlass', fieldValidation: 'Ignore' } as const;
  const data = { [KUBEADM_CONFIG.key]: yaml };
  try {
    await registry.create(kind, KUBEADM_CONFIG.namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: KUBEADM_CONFIG.name, namespace: KUBEADM_CONFIG.namespace }, data }, opts);
  } catch (e) {
    if (!isStatusError(e, 409)) throw e;
    await registry.update(kind, KUBEADM_CONFIG.namespace, KUBEADM_CONFIG.name, (cur) => {
      cur.data = { ...(cur.data ?? {}), ...data };
      delete cur.metadata.resourceVersion;
      return cur;
    }, opts);
  }
}
