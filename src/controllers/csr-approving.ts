/**
 * @module controllers/csr-approving — auto-approves kubelet client certificate requests, as
 * kube-controller-manager's csrapproving controller does.
 *
 * A CSR for signer `kubernetes.io/kube-apiserver-client-kubelet` asking for
 * `CN=system:node:<name>, O=system:nodes`, no SANs, usages exactly {digital signature, client auth}
 * (key encipherment allowed) is approved when
 * - its requestor is that node renewing its own certificate (`spec.username` equals the CN) and a
 *   SubjectAccessReview allows `create certificatesigningrequests/selfnodeclient`, or
 * - its requestor is a bootstrap-token user (group `system:bootstrappers`) and a review allows
 *   `create certificatesigningrequests/nodeclient`.
 * While the server answers SubjectAccessReviews without a decision (no authorizer yet), the
 * identity checks alone decide.
 *
 * A CSR for signer `kubernetes.io/kubelet-serving` (which upstream leaves to an external approver)
 * is approved when its requestor `system:node:<name>` (in `system:nodes`) asks for
 * `CN=system:node:<name>, O=system:nodes`, usages within {digital signature, key encipherment,
 * server auth} including server auth, only IP/DNS SANs (at least one) and every one of them an
 * address of Node `<name>` (`status.addresses`).
 *
 * Approval writes condition Approved (reason AutoApproved) through the `approval` subresource.
 * Anything else is left pending for a human (`kubectl certificate approve`); nothing is denied.
 */
import { isIP } from 'node:net';
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { hasCondition, NODE_PREFIX, parseRequest, sameStrings, SIGNERS, usagesOf, withCondition } from './csr.ts';

/** APPROVE_MESSAGE is upstream's approval message. */
export const APPROVE_MESSAGE = 'Auto approving kubelet client certificate after SubjectAccessReview.';

/** isNodeClientRequest checks subject, SANs and usages of a kubelet client CSR. */
export function isNodeClientRequest(csr: JsonObject): { ok: true; nodeName: string } | { ok: false } {
  if (csr.spec?.signerName !== SIGNERS.kubeletClient) return { ok: false };
  const p = parseRequest(csr);
  if (!p || !p.commonName.startsWith(NODE_PREFIX) || p.commonName.length === NODE_PREFIX.length) return { ok: false };
  if (!sameStrings(p.organizations, ['system:nodes']) || p.organizations.length !== 1) return { ok: false };
  if (p.dnsNames.length || p.ipAddresses.length || p.otherSans) return { ok: false };
  const usages = usagesOf(csr);
  const ok = sameStrings(usages, ['digital signature', 'client auth']) || sameStrings(usages, ['digital signature', 'key encipherment', 'client auth']);
  return ok ? { ok: true, nodeName: p.commonName.slice(NODE_PREFIX.length) } : { ok: false };
}

/** SERVING_APPROVE_MESSAGE is the message of an approved kubelet serving CSR. */
export const SERVING_APPROVE_MESSAGE = 'Auto approving kubelet serving certificate: the node asks for its own name and addresses.';

const SERVING_USAGES = new Set(['digital signature', 'key encipherment', 'server auth']);

/** isNodeServingRequest checks requestor, subject, usages and SAN kinds of a kubelet serving CSR (the SAN values are checked against the Node by servingSansMatchNode). */
export function isNodeServingRequest(csr: JsonObject): { ok: true; nodeName: string; dnsNames: string[]; ipAddresses: string[] } | { ok: false } {
  if (csr.spec?.signerName !== SIGNERS.kubeletServing) return { ok: false };
  const p = parseRequest(csr);
  if (!p || !p.commonName.startsWith(NODE_PREFIX) || p.commonName.length === NODE_PREFIX.length) return { ok: false };
  const groups: unknown[] = Array.isArray(csr.spec?.groups) ? csr.spec.groups : [];
  if (csr.spec?.username !== p.commonName || !groups.includes('system:nodes')) return { ok: false };
  if (p.organizations.length !== 1 || p.organizations[0] !== 'system:nodes') return { ok: false };
  const usages = usagesOf(csr);
  if (!usages.includes('server auth') || !usages.every((u) => SERVING_USAGES.has(u))) return { ok: false };
  if (p.otherSans || p.dnsNames.length + p.ipAddresses.length === 0) return { ok: false };
  return { ok: true, nodeName: p.commonName.slice(NODE_PREFIX.length), dnsNames: p.dnsNames, ipAddresses: p.ipAddresses };
}

/** canonicalIp writes an IP address in one canonical form (IPv6 compressed, lower case); other text is returned lower-cased. */
function canonicalIp(ip: string): string {
  if (isIP(ip) === 6) {
    try {
      return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    } catch {
      return ip.toLowerCase();
    }
  }
  return ip.toLowerCase();
}

/** servingSansMatchNode says whether every DNS and IP SAN is one of the Node's `status.addresses`. */
export function servingSansMatchNode(node: JsonObject, dnsNames: readonly string[], ipAddresses: readonly string[]): boolean {
  const addrs: unknown[] = Array.isArray(node.status?.addresses) ? node.status.addresses : [];
  const known = new Set(addrs.map((a) => (a as { address?: unknown } | undefined)?.address).filter((v): v is string => typeof v === 'string').map(canonicalIp));
  return [...dnsNames, ...ipAddresses].every((n) => known.has(canonicalIp(n)));
}

/** newCsrApprover wires a CSR informer to the auto-approval reconcile. */
export function newCsrApprover(ctx: ControllerContext): Controller {
  const csrs = ctx.factory.forResource(RESOURCES.certificatesigningrequests);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'csrapproving' });
  const enqueue = (o: JsonObject): void => queue.add(String(o.metadata?.name));
  csrs.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n) });

  /** review asks the server whether the requestor may create the subresource; undefined when the server gives no decision. */
  async function review(csr: JsonObject, subresource: 'nodeclient' | 'selfnodeclient'): Promise<boolean | undefined> {
    const spec = csr.spec ?? {};
    const sar: JsonObject = {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: {
        user: spec.username, groups: spec.groups, ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}),
        resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource },
      },
    };
    try {
      const res = await ctx.client.create(RESOURCES.subjectaccessreviews, '', sar);
      return typeof res.status?.allowed === 'boolean' ? res.status.allowed : undefined;
    } catch (e) {
      // No SubjectAccessReview endpoint yet (404/405), or a server that stores rather than answers
      // reviews (422 for the missing name): no decision.
      if (isStatusError(e, 404) || isStatusError(e, 405) || isStatusError(e, 422)) return undefined;
      throw e;
    }
  }

  /** approve writes condition Approved through the approval subresource; false when the CSR is gone. */
  async function approve(csr: JsonObject, message: string): Promise<boolean> {
    const next = withCondition(csr, 'Approved', 'AutoApproved', message, ctx.clock.now());
    try {
      await ctx.client.updateSubresource(RESOURCES.certificatesigningrequests, '', 'approval', next);
    } catch (e) {
      // A server without the approval subresource yet takes the condition through status.
      if (!isStatusError(e, 404)) throw e;
      if (e.status.details?.name) return false; // the CSR itself is gone
      await ctx.client.updateStatus(RESOURCES.certificatesigningrequests, '', next);
    }
    return true;
  }

  return {
    name: 'csrapproving', queue, informers: [csrs],
    async reconcile(name) {
      const csr = csrs.cache.get(name);
      if (!csr || hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied') || csr.status?.certificate) return;
      if (csr.spec?.signerName === SIGNERS.kubeletServing) {
        const serving = isNodeServingRequest(csr);
        if (!serving.ok) return;
        let node: JsonObject;
        try {
          node = await ctx.client.get(RESOURCES.nodes, '', serving.nodeName);
        } catch (e) {
          if (isStatusError(e, 404)) return; // no such Node (yet): leave it pending
          throw e;
        }
        if (!servingSansMatchNode(node, serving.dnsNames, serving.ipAddresses)) return;
        if (await approve(csr, SERVING_APPROVE_MESSAGE)) ctx.log.info('csrapproving: approved serving certificate', { csr: name, node: serving.nodeName });
        return;
      }
      const req = isNodeClientRequest(csr);
      if (!req.ok) return;
      const username = String(csr.spec?.username ?? '');
      const groups: string[] = Array.isArray(csr.spec?.groups) ? csr.spec.groups.map(String) : [];
      const checks: ('selfnodeclient' | 'nodeclient')[] = [];
      if (username === `${NODE_PREFIX}${req.nodeName}`) checks.push('selfnodeclient');
      if (groups.includes('system:bootstrappers')) checks.push('nodeclient');
      let approved = false;
      for (const sub of checks) {
        const allowed = await review(csr, sub);
        if (allowed !== false) { approved = true; break; }
      }
      if (!approved || !(await approve(csr, APPROVE_MESSAGE))) return;
      ctx.log.info('csrapproving: approved', { csr: name, node: req.nodeName, requestor: username });
    },
  };
}
