/**
 * @module pki/certs — ECDSA P-256 keys and X.509 certificates for the cluster: the self-signed
 * cluster CA, the API server's serving certificate and client certificates signed by the CA.
 *
 * Certificates and keys travel as PEM strings (certificate: `CERTIFICATE`, key: PKCS#8
 * `PRIVATE KEY`), which is what node:tls, kubectl and client-go all accept. Built on
 * @peculiar/x509 over the platform WebCrypto; `now` is injectable where validity matters.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import type { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

x509.cryptoProvider.set(globalThis.crypto);

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Certificates start slightly in the past so that peers with a skewed clock accept them. */
const BACKDATE_MS = 5 * 60 * 1000;

/** The names every API server certificate carries besides the hosts it is started with. */
export const DEFAULT_SERVER_HOSTS: readonly string[] = [
  'localhost', '127.0.0.1', '::1',
  'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local',
];

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface CertAndKey {
  readonly cert: string;
  readonly key: string;
}

/** Options for a client certificate: subject CN (user name), O entries (groups) and lifetime. */
export interface ClientCertificateOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly days?: number;
  /** now: the issue time (default: the current time). */
  readonly now?: Date;
}

/** Options for a serving certificate: the hosts (DNS names or IPs) it is valid for, and lifetime. */
export interface ServerCertificateOptions {
  readonly hosts: readonly string[];
  readonly commonName?: string;
  readonly days?: number;
  readonly now?: Date;
}

/** generateKeyPair creates an extractable ECDSA P-256 key pair. */
async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify']);
}

/** privateKeyPem encodes a private CryptoKey as PKCS#8 PEM. */
async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await globalThis.crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** importPrivateKey reads a PEM EC private key (PKCS#8 or SEC1 `EC PRIVATE KEY`) as a signing CryptoKey. */
async function importPrivateKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return globalThis.crypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}

/** serialNumber returns a random positive 128-bit serial in hex, with no leading zero byte. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** validity returns the notBefore/notAfter pair for a certificate issued at `now` for `days`. */
function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** sanEntries splits hosts into IP and DNS subject-alternative-name entries, without duplicates. */
export function sanEntries(hosts: readonly string[]): { type: 'ip' | 'dns'; value: string }[] {
  const seen = new Set<string>();
  const out: { type: 'ip' | 'dns'; value: string }[] = [];
  for (const raw of hosts) {
    const host = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (host === '') continue;
    const type = isIP(host) ? 'ip' : 'dns';
    const value = type === 'dns' ? host.toLowerCase() : host;
    if (seen.has(`${type}:${value}`)) continue;
    seen.add(`${type}:${value}`);
    out.push({ type, value });
  }
  return out;
}

/** createCertificateAuthority makes a self-signed CA (default 10 years) named `CN=windlass-ca@<unix seconds>`. */
export async function createCertificateAuthority(opts: { commonName?: string; days?: number; now?: Date } = {}): Promise<CertAndKey> {
  const now = opts.now ?? new Date();
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [opts.commonName ?? `windlass-ca@${Math.floor(now.getTime() / 1000)}`] }],
    ...validity(now, opts.days ?? 3650),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/** signLeaf issues a CA-signed end-entity certificate for a fresh key with the given subject and extensions. */
async function signLeaf(caCert: string, caKey: string, subject: x509.JsonName, days: number, now: Date,
  extensions: x509.Extension[]): Promise<CertAndKey> {
  const ca = new x509.X509Certificate(caCert);
  const signingKey = await importPrivateKey(caKey);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: ca.subjectName,
    ...validity(now, days),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...extensions,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privateKeyPem(keys.privateKey) };
}

/** issueServerCertificate signs a serving certificate (default 1 year, EKU serverAuth) for `hosts` plus DEFAULT_SERVER_HOSTS. */
export async function issueServerCertificate(caCert: string, caKey: string, opts: ServerCertificateOptions): Promise<CertAndKey> {
  const names = sanEntries([...opts.hosts, ...DEFAULT_SERVER_HOSTS]);
  return signLeaf(caCert, caKey, [{ CN: [opts.commonName ?? 'kube-apiserver'] }], opts.days ?? 365, opts.now ?? new Date(), [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(names),
  ]);
}

/** issueClientCertificate signs a client certificate (EKU clientAuth) whose CN is the user and whose O entries are its groups. */
export async function issueClientCertificate(caCert: string, caKey: string, opts: ClientCertificateOptions): Promise<CertAndKey> {
  const subject: x509.JsonName = [...(opts.organizations ?? []).map((o) => ({ O: [o] })), { CN: [opts.commonName] }];
  return signLeaf(caCert, caKey, subject, opts.days ?? 365, opts.now ?? new Date(), [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
}

/** isIssuedBy reports whether `cert` names `caCert` as issuer and carries a valid signature by its key. */
export function isIssuedBy(cert: string, caCert: string): boolean {
  try {
    const leaf = new X509Certificate(cert);
    const ca = new X509Certificate(caCert);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** coversHost reports whether a PEM serving certificate is valid for `host` (a DNS name or an IP). */
export function coversHost(cert: string, host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  const c = new X509Certificate(cert);
  return isIP(h) ? c.checkIP(h) !== undefined : c.checkHost(h, { subject: 'never', wildcards: false }) !== undefined;
}

/** expiresWithin reports whether a PEM certificate is already expired or expires within `days` of `now`. */
export function expiresWithin(cert: string, days: number, now: Date = new Date()): boolean {
  return new X509Certificate(cert).validToDate.getTime() - now.getTime() < days * DAY_MS;
}

/** keyMatchesCert reports whether a PEM private key belongs to a PEM certificate. */
export function keyMatchesCert(cert: string, key: string): boolean {
  try {
    return new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}
