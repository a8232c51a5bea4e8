/**
 * @module controllers/csr-signing — signs approved CertificateSigningRequests with the cluster CA
 * for the built-in signers (kube-controller-manager's csrsigning controller):
 * - `kubernetes.io/kube-apiserver-client-kubelet`: `CN=system:node:<name>, O=system:nodes`, no SANs, client auth;
 * - `kubernetes.io/kubelet-serving`: the same subject, DNS/IP SANs only (at least one), server auth;
 * - `kubernetes.io/kube-apiserver-client`: any subject, no SANs required, client auth.
 * Lifetime: `spec.expirationSeconds` (at least 600 s), default and cap one year, never past the
 * CA's own expiry; certificates start 5 minutes in the past for clock skew. The certificate goes
 * to `status.certificate` through the `status` subresource; a request that breaks its signer's
 * rules is marked Failed (reason SignerValidationFailure) and never retried.
 */
import { isStatusError, type JsonObject } from '../api/index.ts';
import { RESOURCES, WorkQueue } from '../client/index.ts';
import type { Controller, ControllerContext } from './controller.ts';
import { caNotAfter, hasCondition, issueCertificate, NODE_PREFIX, parseRequest, SIGNERS, usagesOf, withCondition, type ParsedRequest } from './csr.ts';

const YEAR_S = 365 * 24 * 3600;
const MIN_S = 600;
const BACKDATE_MS = 5 * 60 * 1000;

type SignerName = (typeof SIGNERS)[keyof typeof SIGNERS];
const SUPPORTED = new Set<string>(Object.values(SIGNERS));

/** validateForSigner returns why a request may not be signed by `signer`, or undefined when it may. */
export function validateForSigner(signer: SignerName, p: ParsedRequest, usages: readonly string[]): string | undefined {
  const allowed = signer === SIGNERS.kubeletServing
    ? ['digital signature', 'key encipherment', 'server auth']
    : ['digital signature', 'key encipherment', 'client auth'];
  const bad = usages.filter((u) => !allowed.includes(u));
  if (bad.length) return `invalid usage for ${signer}: ${JSON.stringify(bad)}`;
  const required = signer === SIGNERS.kubeletServing ? 'server auth' : 'client auth';
  if (!usages.includes(required)) return `missing required usage for ${signer}: "${required}"`;
  if (p.otherSans) return 'only DNS and IP subject alternative names are allowed';
  if (signer === SIGNERS.apiserverClient) return p.commonName ? undefined : 'subject common name is required';
  if (!p.commonName.startsWith(NODE_PREFIX) || p.commonName.length === NODE_PREFIX.length) return `subject common name must begin with "${NODE_PREFIX}"`;
  if (p.organizations.length !== 1 || p.organizations[0] !== 'system:nodes') return 'subject organization must be exactly ["system:nodes"]';
  if (signer === SIGNERS.kubeletClient) {
    if (p.dnsNames.length || p.ipAddresses.length) return 'subject alternative names are not allowed for kubelet client certificates';
    return undefined;
  }
  if (!p.dnsNames.length && !p.ipAddresses.length) return 'at least one DNS or IP subject alternative name is required';
  return undefined;
}

/** lifetimeSeconds applies `spec.expirationSeconds` to the default (one year): at least 600 s, at most one year. */
export function lifetimeSeconds(expirationSeconds: unknown): number {
  const n = typeof expirationSeconds === 'number' && Number.isFinite(expirationSeconds) ? Math.floor(expirationSeconds) : YEAR_S;
  return Math.min(YEAR_S, Math.max(MIN_S, n));
}

/** newCsrSigner wires a CSR informer to the signing reconcile, with the cluster CA's PEM certificate and key. */
export function newCsrSigner(ctx: ControllerContext, ca: { caCert: string; caKey: string }): Controller {
  const csrs = ctx.factory.forResource(RESOURCES.certificatesigningrequests);
  const queue = new WorkQueue<string>({ clock: ctx.clock, name: 'csrsigning' });
  const enqueue = (o: JsonObject): void => queue.add(String(o.metadata?.name));
  csrs.addEventHandler({ add: enqueue, update: (_o, n) => enqueue(n) });
  const caExpiry = caNotAfter(ca.caCert);

  async function fail(csr: JsonObject, message: string): Promise<void> {
    await ctx.client.updateStatus(RESOURCES.certificatesigningrequests, '', withCondition(csr, 'Failed', 'SignerValidationFailure', message, ctx.clock.now()));
    ctx.log.info('csrsigning: request failed validation', { csr: csr.metadata?.name, message });
  }

  return {
    name: 'csrsigning', queue, informers: [csrs], workers: 2,
    async reconcile(name) {
      const csr = csrs.cache.get(name);
      if (!csr || !SUPPORTED.has(String(csr.spec?.signerName))) return;
      if (!hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied') || hasCondition(csr, 'Failed') || csr.status?.certificate) return;
      const signer = csr.spec.signerName as SignerName;
      const parsed = parseRequest(csr);
      if (!parsed || !(await parsed.request.verify())) { await fail(csr, 'the certificate request is malformed or its signature is invalid'); return; }
      const usages = usagesOf(csr);
      const why = validateForSigner(signer, parsed, usages);
      if (why) { await fail(csr, why); return; }
      const now = ctx.clock.now();
      const notAfter = Math.min(now + lifetimeSeconds(csr.spec?.expirationSeconds) * 1000, caExpiry);
      const pem = await issueCertificate(ca.caCert, ca.caKey, parsed, {
        usages, notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(notAfter),
        dnsNames: signer === SIGNERS.kubeletServing ? parsed.dnsNames : [],
        ipAddresses: signer === SIGNERS.kubeletServing ? parsed.ipAddresses : [],
      });
      const next = structuredClone(csr);
      next.status = { ...(next.status ?? {}), certificate: Buffer.from(pem).toString('base64') };
      try {
        await ctx.client.updateStatus(RESOURCES.certificatesigningrequests, '', next);
      } catch (e) {
        if (isStatusError(e, 404)) return;
        throw e;
      }
      ctx.log.info('csrsigning: signed', { csr: name, signer, subject: parsed.commonName });
    },
  };
}
