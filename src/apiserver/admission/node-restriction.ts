/**
 * @module apiserver/admission/node-restriction — NodeRestriction: a kubelet (`system:node:<name>`
 * in `system:nodes`) changes only its own Node (never its taints, nor labels outside the kubelet
 * set), its own Lease in kube-node-lease, mirror pods and the status of pods bound to it,
 * evictions of its own pods, and node CSRs for itself.
 */
import type { JsonObject } from '../../api/index.ts';
import { deepEqual } from '../registry/prepare.ts';
import { csrCommonName } from './csr-subject.ts';
import { MIRROR_ANNOTATION } from './service-account.ts';
import { admissionForbidden, isKind, type AdmissionAttributes, type AdmissionPlugin, type AdmissionUser } from './types.ts';

/** KUBELET_LABELS are the kubernetes.io labels a kubelet may set on its Node. */
export const KUBELET_LABELS: ReadonlySet<string> = new Set([
  'kubernetes.io/hostname', 'kubernetes.io/arch', 'kubernetes.io/os',
  'beta.kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region', 'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
]);

const inDomain = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

/** forbiddenNodeLabel tells whether a kubelet may not set or change label `key`. */
export function forbiddenNodeLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return false;
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const ns = key.slice(0, slash);
  if (inDomain(ns, 'kubelet.kubernetes.io') || inDomain(ns, 'node.kubernetes.io')) return false;
  if (inDomain(ns, 'node-restriction.kubernetes.io')) return true;
  return inDomain(ns, 'kubernetes.io') || inDomain(ns, 'k8s.io');
}

/** nodeNameOfUser returns `<name>` for a `system:node:<name>` member of `system:nodes`, else undefined. */
export function nodeNameOfUser(user: AdmissionUser): string | undefined {
  if (!user.groups.includes('system:nodes') || !user.username.startsWith('system:node:')) return undefined;
  return user.username.slice('system:node:'.length) || undefined;
}

function labelsOf(o: JsonObject | undefined): Record<string, string> { return (o?.metadata?.labels ?? {}) as Record<string, string>; }

function changedLabels(obj: JsonObject | undefined, old: JsonObject | undefined): string[] {
  const n = labelsOf(obj);
  const o = labelsOf(old);
  const keys = new Set([...Object.keys(n), ...Object.keys(o)]);
  return [...keys].filter((k) => n[k] !== o[k]).sort();
}

function admitNode(a: AdmissionAttributes, node: string): void {
  const requested = a.name || String(a.object?.metadata?.name ?? '');
  if (requested !== node) throw admissionForbidden(a, `node "${node}" is not allowed to modify node "${requested}"`);
  if (a.operation === 'CREATE') {
    const bad = changedLabels(a.object, undefined).filter(forbiddenNodeLabel);
    if (bad.length > 0) throw admissionForbidden(a, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (a.operation === 'UPDATE') {
    if (!deepEqual(a.object?.spec?.taints ?? [], a.oldObject?.spec?.taints ?? [])) throw admissionForbidden(a, `node "${node}" is not allowed to modify taints`);
    const bad = changedLabels(a.object, a.oldObject).filter(forbiddenNodeLabel);
    if (bad.length > 0) throw admissionForbidden(a, `node "${node}" is not allowed to modify labels: ${bad.join(', ')}`);
  }
}

function admitPod(a: AdmissionAttributes, node: string): void {
  const pod = a.object ?? a.oldObject;
  if (a.subresource === 'eviction') {
    if (a.oldObject?.spec?.nodeName !== node) throw admissionForbidden(a, `node "${node}" can only evict pods with spec.nodeName set to itself`);
    return;
  }
  if (a.subresource === 'status') {
    if (a.oldObject?.spec?.nodeName !== node) throw admissionForbidden(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
    return;
  }
  if (a.subresource !== '') return;
  if (a.operation === 'CREATE') {
    if (pod?.metadata?.annotations?.[MIRROR_ANNOTATION] === undefined) throw admissionForbidden(a, `pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    if (pod.spec?.nodeName !== node) throw admissionForbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
    return;
  }
  if (a.operation === 'DELETE') {
    if (a.oldObject?.spec?.nodeName !== node) throw admissionForbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
    return;
  }
  throw admissionForbidden(a, `unexpected operation ${a.operation}, node "${node}" can only create and delete mirror pods`);
}

function admitLease(a: AdmissionAttributes, node: string): void {
  if (a.namespace !== 'kube-node-lease') throw admissionForbidden(a, 'can only access node lease in the "kube-node-lease" namespace');
  const name = a.name || String(a.object?.metadata?.name ?? '');
  if (name !== node) throw admissionForbidden(a, 'can only access node lease with the same name as the requesting node');
}

const NODE_SIGNERS = new Set(['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']);

function admitCsr(a: AdmissionAttributes, node: string, commonNameOf: (pem: string) => string | undefined): void {
  if (a.operation !== 'CREATE' || a.subresource !== '' || !a.object) return;
  const signer = String(a.object.spec?.signerName ?? '');
  if (!NODE_SIGNERS.has(signer)) return;
  const req = String(a.object.spec?.request ?? '');
  const cn = commonNameOf(Buffer.from(req, 'base64').toString('utf8'));
  if (cn !== undefined && cn !== `system:node:${node}`) throw admissionForbidden(a, `can only create a node CSR with CN=system:node:${node}`);
}

/** nodeRestriction is the NodeRestriction admission plugin; `commonNameOf` reads a CSR PEM's subject CN. */
export function nodeRestriction(opts: { commonNameOf?: (pem: string) => string | undefined } = {}): AdmissionPlugin {
  const commonNameOf = opts.commonNameOf ?? csrCommonName;
  return {
    name: 'NodeRestriction',
    admit(a) {
      const node = nodeNameOfUser(a.user);
      if (node === undefined) return;
      if (isKind(a, '', 'nodes')) {
        if (a.subresource === '' || a.subresource === 'status') admitNode(a, node);
      } else if (isKind(a, '', 'pods')) admitPod(a, node);
      else if (isKind(a, 'coordination.k8s.io', 'leases')) admitLease(a, node);
      else if (isKind(a, 'certificates.k8s.io', 'certificatesigningrequests')) admitCsr(a, node, commonNameOf);
    },
  };
}
