/**
 * @module controllers/testing — the fixture of controller unit tests (sample-controller style): a
 * recording FakeClient, a FakeClock and an informer factory that is never started, so a test seeds
 * the informer caches, calls `reconcile(key)` and asserts the ordered actions.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { webcrypto } from 'node:crypto';
import type { JsonObject } from '../api/index.ts';
import { FakeClient, FakeClock, InformerFactory, RESOURCES, type Resource } from '../client/index.ts';
import type { ControllerContext } from './controller.ts';

/** Fixture bundles a test's fakes. */
export interface Fixture {
  readonly client: FakeClient;
  readonly clock: FakeClock;
  readonly factory: InformerFactory;
  readonly ctx: ControllerContext;
  readonly logs: string[];
  /** seed puts objects into the cache of the informer the controller uses for `r` (namespace/selector as the controller asked). */
  seed(r: Resource, ...objs: JsonObject[]): void;
}

/** fixture makes a Fixture; call it before constructing the controller under test. */
export function fixture(): Fixture {
  const client = new FakeClient();
  const clock = new FakeClock();
  const factory = new InformerFactory(client, { clock });
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(`info ${m}`), error: (m: string) => logs.push(`error ${m}`) };
  return {
    client, clock, factory, logs, ctx: { client, factory, clock, log },
    seed(r, ...objs) {
      const prefix = `${r.group || 'core'}/${r.version}/${r.resource}`;
      const infs = factory.informers().filter((i) => i.name === prefix || i.name.startsWith(`${prefix} `));
      if (!infs.length) throw new Error(`no informer for ${prefix}`);
      for (const inf of infs) for (const o of objs) inf.cache.set(structuredClone(o));
    },
  };
}

/** ns builds a Namespace (phase Active unless given). */
export function ns(name: string, phase = 'Active'): JsonObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase } };
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await globalThis.crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** makeCa creates a throwaway self-signed ECDSA CA for signer tests. */
export async function makeCa(): Promise<{ caCert: string; caKey: string }> {
  x509.cryptoProvider.set(globalThis.crypto);
  const keys = await globalThis.crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=test-ca', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 2 * 365 * 86400_000),
    keys, signingAlgorithm: EC, extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { caCert: cert.toString('pem'), caKey: await pkcs8Pem(keys.privateKey) };
}

/** makeCsrPem creates a PKCS#10 request (fresh P-256 key) with the given subject and SANs. */
export async function makeCsrPem(opts: { cn: string; o?: string[]; dns?: string[]; ip?: string[]; email?: string }): Promise<string> {
  x509.cryptoProvider.set(globalThis.crypto);
  const keys = await globalThis.crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const sans = [
    ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(opts.email ? [{ type: 'email' as const, value: opts.email }] : []),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [...(opts.o ?? []).map((o) => ({ O: [o] })), { CN: [opts.cn] }], keys, signingAlgorithm: EC,
    extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  return csr.toString('pem');
}

/** csrObject builds a CertificateSigningRequest object around a PEM request. */
export function csrObject(name: string, pem: string, spec: JsonObject, status?: JsonObject): JsonObject {
  return {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name, resourceVersion: '7' },
    spec: { request: Buffer.from(pem).toString('base64'), ...spec }, ...(status ? { status } : {}),
  };
}

export { RESOURCES };
