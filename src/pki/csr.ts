/**
 * @module pki/csr — PKCS#10 certificate signing requests: create one with a fresh ECDSA P-256 key,
 * read one back (subject, SANs, public key, signature validity) and sign one with the cluster CA
 * with the key usages a CertificateSigningRequest asks for.
 *
 * Built on @peculiar/x509; the synchronous signature check uses node:crypto over the request's
 * DER-encoded CertificationRequestInfo.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes, verify } from 'node:crypto';
import { isIP } from 'node:net';

x509.cryptoProvider.set(globalThis.crypto);

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const BACKDATE_MS = 5 * 60 * 1000;

/** The key usages a CSR may request and signCertificateRequest understands (Kubernetes spellings). */
export type CertificateUsage = 'client auth' | 'server auth' | 'digital signature' | 'key encipherment';

/** Subject and SANs of a new certificate request. */
export interface CertificateRequestOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** What parseCertificateRequest reads from a PEM CSR; `valid` is whether its self-signature verifies. */
export interface ParsedCertificateRequest {
  readonly commonName: string;
  readonly organizations: string[];
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly publicKeyPem: string;
  readonly valid: boolean;
}

/** Options of signCertificateRequest: the usages to grant, lifetime in days (default 365) and issue time. */
export interface SignCertificateRequestOptions {
  readonly usages: readonly CertificateUsage[];
  readonly days?: number;
  readonly now?: Date;
}

/** createCertificateRequest makes a fresh ECDSA P-256 key and a CSR for it; both PEM (key PKCS#8). */
export async function createCertificateRequest(opts: CertificateRequestOptions): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await globalThis.crypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
  const sans = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [...(opts.organizations ?? []).map((o) => ({ O: [o] })), { CN: [opts.commonName] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  const der = await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { csrPem: csr.toString('pem'), keyPem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

/** derElement returns [start of contents, end] of the DER element whose header starts at `at`. */
function derElement(der: Uint8Array, at: number): [number, number] {
  let len = der[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[p++];
  }
  if (p + len > der.length) throw new Error('truncated DER');
  return [p, p + len];
}

/** selfSignatureValid checks a CSR's signature over its CertificationRequestInfo with its own public key. */
function selfSignatureValid(req: x509.Pkcs10CertificateRequest, publicKeyPem: string): boolean {
  try {
    const der = new Uint8Array(req.rawData);
    const [outer] = derElement(der, 0);
    const [, infoEnd] = derElement(der, outer);
    const tbs = der.subarray(outer, infoEnd);
    const algEnd = derElement(der, infoEnd)[1];
    const [sigStart, sigEnd] = derElement(der, algEnd);
    const signature = der.subarray(sigStart + 1, sigEnd); // skip the BIT STRING's unused-bits byte
    const hash = (req.signatureAlgorithm as { hash?: { name?: string } }).hash?.name ?? 'SHA-256';
    return verify(hash.replace('-', '').toLowerCase(), tbs, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}

/** requestedSans returns the subject alternative names a CSR asks for. */
function requestedSans(req: x509.Pkcs10CertificateRequest): { type: string; value: string }[] {
  const ext = req.getExtension('2.5.29.17');
  if (ext === null) return [];
  return new x509.SubjectAlternativeNameExtension(ext.rawData).names.items.map((n) => ({ type: n.type, value: n.value }));
}

/** parseCertificateRequest reads a PEM CSR's subject, SANs and public key and checks its self-signature; throws on unparseable input. */
export function parseCertificateRequest(csrPem: string): ParsedCertificateRequest {
  const req = new x509.Pkcs10CertificateRequest(csrPem);
  const names = requestedSans(req);
  const publicKeyPem = req.publicKey.toString('pem');
  return {
    commonName: req.subjectName.getField('CN')[0] ?? '',
    organizations: req.subjectName.getField('O'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    publicKeyPem,
    valid: selfSignatureValid(req, publicKeyPem),
  };
}

/** serialNumber returns a random positive 128-bit serial in hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** signCertificateRequest issues a certificate for a CSR's subject, SANs and key, signed by the CA, with the requested usages. */
export async function signCertificateRequest(caCert: string, caKey: string, csrPem: string, opts: SignCertificateRequestOptions): Promise<string> {
  const req = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await req.verify())) throw new Error('certificate request signature is invalid');
  const ca = new x509.X509Certificate(caCert);
  const caDer = createPrivateKey(caKey).export({ format: 'der', type: 'pkcs8' });
  const signingKey = await globalThis.crypto.subtle.importKey('pkcs8', caDer, EC_ALGORITHM, false, ['sign']);
  const now = opts.now ?? new Date();
  let keyUsage = 0;
  if (opts.usages.includes('digital signature')) keyUsage |= x509.KeyUsageFlags.digitalSignature;
  if (opts.usages.includes('key encipherment')) keyUsage |= x509.KeyUsageFlags.keyEncipherment;
  const eku: string[] = [];
  if (opts.usages.includes('client auth')) eku.push(x509.ExtendedKeyUsage.clientAuth);
  if (opts.usages.includes('server auth')) eku.push(x509.ExtendedKeyUsage.serverAuth);
  const publicKey = await req.publicKey.export();
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyUsage !== 0) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (eku.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(eku));
  const sans = requestedSans(req).filter((n) => n.type === 'dns' || (n.type === 'ip' && isIP(n.value) !== 0));
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans.map((n) => ({ type: n.type as 'dns' | 'ip', value: n.value }))));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: req.subjectName,
    issuer: ca.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (opts.days ?? 365) * DAY_MS),
    publicKey,
    signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return cert.toString('pem');
}

/** certificateSubject returns the CN and O entries of a PEM certificate (for checking an issued certificate). */
export function certificateSubject(certPem: string): { commonName: string; organizations: string[] } {
  const name = new x509.X509Certificate(certPem).subjectName;
  return { commonName: name.getField('CN')[0] ?? '', organizations: name.getField('O') };
}

/** certificateNotAfter returns the expiry time of a PEM certificate. */
export function certificateNotAfter(certPem: string): Date {
  return new X509Certificate(certPem).validToDate;
}
