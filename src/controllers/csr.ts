/**
 * @module controllers/csr — what the CSR controllers share: reading a CertificateSigningRequest
 * (its PKCS#10 request, conditions, usages), the well-known signer names, and issuing a
 * certificate with the cluster CA. Built on @peculiar/x509 over the platform WebCrypto.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import type { JsonObject } from '../api/index.ts';

x509.cryptoProvider.set(globalThis.crypto);

/** SIGNERS are the signer names the built-in signer serves. */
export const SIGNERS = {
  kubeletClient: 'kubernetes.io/kube-apiserver-client-kubelet',
  apiserverClient: 'kubernetes.io/kube-apiserver-client',
  kubeletServing: 'kubernetes.io/kubelet-serving',
} as const;

/** ParsedRequest is the subject and SANs of a CSR, and whether its self-signature verifies. */
export interface ParsedRequest {
  readonly commonName: string;
  readonly organizations: string[];
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly otherSans: number;
  readonly request: x509.Pkcs10CertificateRequest;
}

/** parseRequest decodes `spec.request` (base64 of a PEM CSR); undefined when it is not a parseable CSR. */
export function parseRequest(csr: JsonObject): ParsedRequest | undefined {
  const b64 = csr.spec?.request;
  if (typeof b64 !== 'string' || !b64) return undefined;
  try {
    const pem = Buffer.from(b64, 'base64').toString('utf8');
    const req = new x509.Pkcs10CertificateRequest(pem.includes('-----BEGIN') ? pem : Buffer.from(b64, 'base64'));
    const ext = req.getExtension('2.5.29.17');
    const sans = ext ? new x509.SubjectAlternativeNameExtension(ext.rawData).names.items : [];
    return {
      commonName: req.subjectName.getField('CN')[0] ?? '',
      organizations: req.subjectName.getField('O'),
      dnsNames: sans.filter((n) => n.type === 'dns').map((n) => n.value),
      ipAddresses: sans.filter((n) => n.type === 'ip').map((n) => n.value),
      otherSans: sans.filter((n) => n.type !== 'dns' && n.type !== 'ip').length,
      request: req,
    };
  } catch {
    return undefined;
  }
}

/** hasCondition says whether the CSR has a condition of `type` with status True. */
export function hasCondition(csr: JsonObject, type: 'Approved' | 'Denied' | 'Failed'): boolean {
  const conds = Array.isArray(csr.status?.conditions) ? csr.status.conditions as JsonObject[] : [];
  return conds.some((c) => c.type === type && (c.status ?? 'True') === 'True');
}

/** withCondition returns a deep copy of the CSR with a condition appended. */
export function withCondition(csr: JsonObject, type: 'Approved' | 'Failed', reason: string, message: string, now: number): JsonObject {
  const next = structuredClone(csr);
  const t = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  next.status = { ...(next.status ?? {}), conditions: [...(next.status?.conditions ?? []), { type, status: 'True', reason, message, lastUpdateTime: t, lastTransitionTime: t }] };
  return next;
}

/** usagesOf returns `spec.usages` as a list of strings. */
export function usagesOf(csr: JsonObject): string[] {
  return Array.isArray(csr.spec?.usages) ? (csr.spec.usages as unknown[]).map(String) : [];
}

/** sameStrings compares two lists as sets. */
export function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** NODE_PREFIX is the CN prefix of node identities. */
export const NODE_PREFIX = 'system:node:';

/** signingKeyOf imports the CA's PEM private key (EC or RSA) for WebCrypto signing. */
async function signingKeyOf(caKey: string): Promise<{ key: webcrypto.CryptoKey; algorithm: { name: string; hash: string } }> {
  const k = createPrivateKey(caKey);
  const der = k.export({ format: 'der', type: 'pkcs8' });
  if (k.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await globalThis.crypto.subtle.importKey('pkcs8', der, alg, false, ['sign']), algorithm: alg };
  }
  const curve = k.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
  return {
    key: await globalThis.crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, false, ['sign']),
    algorithm: { name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' },
  };
}

/** IssueOptions: the granted usages, validity window and SANs (already checked by the caller). */
export interface IssueOptions {
  readonly usages: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** issueCertificate signs the request's subject and key with the CA; returns the certificate PEM. */
export async function issueCertificate(caCert: string, caKey: string, parsed: ParsedRequest, opts: IssueOptions): Promise<string> {
  const ca = new x509.X509Certificate(caCert);
  const { key, algorithm } = await signingKeyOf(caKey);
  let keyUsage = 0;
  if (opts.usages.includes('digital signature')) keyUsage |= x509.KeyUsageFlags.digitalSignature;
  if (opts.usages.includes('key encipherment')) keyUsage |= x509.KeyUsageFlags.keyEncipherment;
  const eku: string[] = [];
  if (opts.usages.includes('client auth')) eku.push(x509.ExtendedKeyUsage.clientAuth);
  if (opts.usages.includes('server auth')) eku.push(x509.ExtendedKeyUsage.serverAuth);
  const publicKey = await parsed.request.publicKey.export();
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (eku.length) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  const sans = [...opts.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...opts.ipAddresses.map((value) => ({ type: 'ip' as const, value }))];
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey));
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'), subject: parsed.request.subjectName, issuer: ca.subjectName,
    notBefore: opts.notBefore, notAfter: opts.notAfter, publicKey, signingKey: key, signingAlgorithm: algorithm, extensions,
  });
  return cert.toString('pem');
}

/** caNotAfter returns the CA certificate's expiry in epoch ms. */
export function caNotAfter(caCert: string): number {
  return new X509Certificate(caCert).validToDate.getTime();
}
