/**
 * @module apiserver/bootstrap — objects every cluster starts with: the namespaces default,
 * kube-system, kube-public and kube-node-lease.
 */
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
