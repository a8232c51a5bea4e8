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
 * identity checks alone decide. Approval writes condition Approved (reason AutoApproved) through
 * the `approval` subresource. Anything else is left for a human (`kubectl certificate approve`).
 */
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

  return {
    name: 'csrapproving', queue, informers: [csrs],
    async reconcile(name) {
      const csr = csrs.cache.get(name);
      if (!csr || hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied') || csr.status?.certificate) return;
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
      if (!approved) return;
      const next = withCondition(csr, 'Approved', 'AutoApproved', APPROVE_MESSAGE, ctx.clock.now());
      try {
        await ctx.client.updateSubresource(RESOURCES.certificatesigningrequests, '', 'approval', next);
      } catch (e) {
        // A server without the approval subresource yet takes the condition through status.
        if (!isStatusError(e, 404)) throw e;
        if (e.status.details?.name) return; // the CSR itself is gone
        await ctx.client.updateStatus(RESOURCES.certificatesigningrequests, '', next);
      }
      ctx.log.info('csrapproving: approved', { csr: name, node: req.nodeName, requestor: username });
    },
  };
}
