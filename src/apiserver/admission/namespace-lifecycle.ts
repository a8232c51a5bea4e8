/**
 * @module apiserver/admission/namespace-lifecycle — NamespaceLifecycle: no new content in a
 * missing (404) or terminating (403) namespace, and the system namespaces cannot be deleted.
 */
import { forbidden, notFound } from '../../api/index.ts';
import { admissionForbidden, isKind, type AdmissionPlugin } from './types.ts';

/** IMMORTAL_NAMESPACES may never be deleted. */
export const IMMORTAL_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public']);

/** namespaceLifecycle is the NamespaceLifecycle admission plugin. */
export function namespaceLifecycle(): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async admit(a, ctx) {
      if (a.operation === 'DELETE' && isKind(a, '', 'namespaces') && a.subresource === '' && IMMORTAL_NAMESPACES.has(a.name)) {
        throw forbidden(`namespaces "${a.name}" is forbidden: this namespace may not be deleted`, { name: a.name, kind: 'namespaces' });
      }
      if (a.operation !== 'CREATE' || !a.kind.namespaced || a.subresource !== '' || !a.namespace) return;
      const state = await ctx.namespaceState(a.namespace);
      if (state === 'missing') throw notFound('namespaces', '', a.namespace);
      if (state === 'terminating') {
        const why = `unable to create new content in namespace ${a.namespace} because it is being terminated`;
        const err = admissionForbidden(a, why);
        err.status.details = { ...(err.status.details ?? {}), causes: [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }] };
        throw err;
      }
    },
  };
}
