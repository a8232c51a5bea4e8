/**
 * @module apiserver/admission/testing — fixtures for the admission plugins' unit tests: an
 * in-memory AdmissionContext, minimal kinds and an attributes builder.
 */
import type { JsonObject, KindInfo } from '../../api/index.ts';
import type { AdmissionAttributes, AdmissionContext, AdmissionOperation, AdmissionUser } from './types.ts';

/** kindOf builds a minimal KindInfo. */
export function kindOf(group: string, resource: string, kind: string, namespaced = true): KindInfo {
  return { group, version: 'v1', kind, listKind: `${kind}List`, resource, singular: kind.toLowerCase(), namespaced, verbs: ['create', 'get', 'list', 'update', 'delete'], schema: `x.${kind}` };
}

/** KINDS are the kinds the unit tests use. */
export const KINDS = {
  pods: kindOf('', 'pods', 'Pod'), nodes: kindOf('', 'nodes', 'Node', false), namespaces: kindOf('', 'namespaces', 'Namespace', false),
  services: kindOf('', 'services', 'Service'), configmaps: kindOf('', 'configmaps', 'ConfigMap'), leases: kindOf('coordination.k8s.io', 'leases', 'Lease'),
  csrs: kindOf('certificates.k8s.io', 'certificatesigningrequests', 'CertificateSigningRequest', false), deployments: kindOf('apps', 'deployments', 'Deployment'),
  priorityclasses: kindOf('scheduling.k8s.io', 'priorityclasses', 'PriorityClass', false), resourcequotas: kindOf('', 'resourcequotas', 'ResourceQuota'),
} as const;

/** FakeContext is an AdmissionContext over a list of objects, recording status updates. */
export interface FakeContext extends AdmissionContext { readonly statusUpdates: { name: string; status: JsonObject }[] }

/** fakeContext serves `objects` (each tagged with its group/resource); `served` limits the resources served. */
export function fakeContext(objects: readonly { group: string; resource: string; obj: JsonObject }[], served?: readonly string[]): FakeContext {
  const statusUpdates: { name: string; status: JsonObject }[] = [];
  const isServed = (g: string, r: string): boolean => !served || served.includes(`${g}/${r}`);
  const inNs = (o: JsonObject, ns: string): boolean => !ns || o.metadata?.namespace === undefined || o.metadata.namespace === ns;
  return {
    statusUpdates,
    served: isServed,
    get: (g, r, ns, name) => Promise.resolve(isServed(g, r) ? structuredClone(objects.find((x) => x.group === g && x.resource === r && x.obj.metadata?.name === name && inNs(x.obj, ns))?.obj) : undefined),
    list: (g, r, ns) => Promise.resolve(isServed(g, r) ? objects.filter((x) => x.group === g && x.resource === r && inNs(x.obj, ns)).map((x) => structuredClone(x.obj)) : []),
    updateStatus: (_g, _r, _ns, name, status) => { statusUpdates.push({ name, status }); return Promise.resolve(); },
    namespaceState: (ns) => {
      const o = objects.find((x) => x.resource === 'namespaces' && x.obj.metadata?.name === ns)?.obj;
      return Promise.resolve(!o ? 'missing' : o.metadata?.deletionTimestamp || o.status?.phase === 'Terminating' ? 'terminating' : 'active');
    },
    now: () => Date.parse('2026-01-01T00:00:00Z'),
  };
}

/** ADMIN is a cluster administrator. */
export const ADMIN: AdmissionUser = { username: 'alice', groups: ['system:masters', 'system:authenticated'] };

/** attrs builds admission attributes (namespace "ns", user ADMIN unless given). */
export function attrs(operation: AdmissionOperation, kind: KindInfo, object: JsonObject | undefined, more: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation, kind, subresource: '', namespace: kind.namespaced ? 'ns' : '', name: String(object?.metadata?.name ?? more.oldObject?.metadata?.name ?? ''),
    object, user: ADMIN, dryRun: false, warnings: [], ...more,
  };
}

/** pod builds a pod in namespace "ns" with one container per name. */
export function pod(name: string, spec: JsonObject = {}, containers: readonly string[] = ['c']): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { containers: containers.map((c) => ({ name: c, image: 'busybox' })), ...spec } };
}

/** rejection runs `fn` and returns the refusal's code and message ('' when it succeeded). */
export async function rejection(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return '';
  } catch (e) {
    const s = e as { code?: number; message?: string };
    if (typeof s.code !== 'number') throw e;
    return `${s.code} ${String(s.message)}`;
  }
}
