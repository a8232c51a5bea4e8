/**
 * @module agent/certificates.test — the certificate manager against a fake CSR API and a fake
 * clock: rotation scheduled within [70 %, 90 %] of the lifetime and not before, the new pair
 * stored and swapped in, failures (server error, denial, timeout) keeping the old pair and
 * retried with backoff; the serving certificate requested at once with the node's SANs, stored
 * as PEM files and reused; the kubeconfig store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { FakeClock } from '../client/index.ts';
import {
  coversHost, createCertificateAuthority, isIssuedBy, issueClientCertificate, kubeconfigYaml, parseCertificateRequest,
  readKubeconfigCredentials, signCertificateRequest,
} from '../pki/index.ts';
import type { CertificateUsage } from '../pki/index.ts';
import { CertificateManager, retryDelay, rotationDeadline } from './certificates.ts';
import type { CertificatePair, CertificateStore, RequestFn, RotationTiming } from './certificates.ts';
import { kubeconfigCertificateStore, nodeAddressSans, pemFileCertificateStore, replaceKubeconfigCredentials } from './node-certificates.ts';

let ca: { cert: string; key: string };
let dir: string;
const START = Date.UTC(2026, 0, 1);
const TIMING: RotationTiming = { pollMs: 1000, waitTimeoutMs: 60_000, backoffInitialMs: 2000, backoffMaxMs: 60_000 };

before(async () => {
  ca = await createCertificateAuthority({ now: new Date(START - 86_400_000) });
  dir = await mkdtemp(join(tmpdir(), 'windlass-certs-'));
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

type Mode = 'approve' | 'deny' | 'pending' | 'error';

/** fakeApi is a CSR endpoint: each POST takes the next mode (the last repeats); 'approve' issues on the first GET. */
function fakeApi(clock: FakeClock, modes: Mode[]): { request: RequestFn; posts: { cn: string; auth: string; body: any }[] } {
  const csrs = new Map<string, any>();
  const posts: { cn: string; auth: string; body: any }[] = [];
  const modeOf = new Map<string, Mode>();
  const res = (status: number, json: unknown) => ({ status, text: JSON.stringify(json), json });
  const request: RequestFn = async (target, method, path, body) => {
    if (method === 'POST') {
      const b = body as any;
      const mode = modes[Math.min(posts.length, modes.length - 1)];
      posts.push({ cn: parseCertificateRequest(Buffer.from(b.spec.request, 'base64').toString()).commonName, auth: target.clientCert ?? '', body: b });
      if (mode === 'error') return res(500, { kind: 'Status', message: 'etcd is sad' });
      modeOf.set(b.metadata.name, mode);
      csrs.set(b.metadata.name, structuredClone(b));
      return res(201, b);
    }
    const name = path.split('/').at(-1)!;
    const csr = csrs.get(name);
    if (csr === undefined) return res(404, { kind: 'Status', message: 'not found' });
    const mode = modeOf.get(name);
    if (csr.status === undefined && mode === 'deny') csr.status = { conditions: [{ type: 'Denied', status: 'True', message: 'not today' }] };
    if (csr.status === undefined && mode === 'approve') {
      const pem = Buffer.from(csr.spec.request, 'base64').toString();
      const cert = await signCertificateRequest(ca.cert, ca.key, pem, { usages: csr.spec.usages as CertificateUsage[], days: 1, now: new Date(clock.now()) });
      csr.status = { conditions: [{ type: 'Approved', status: 'True' }], certificate: Buffer.from(cert).toString('base64') };
    }
    return res(200, csr);
  };
  return { request, posts };
}

/** memoryStore keeps the saved pairs. */
function memoryStore(initial?: CertificatePair): CertificateStore & { saved: CertificatePair[] } {
  const saved: CertificatePair[] = [];
  return { saved, load: async () => saved.at(-1) ?? initial, save: async (p) => { saved.push(p); } };
}

/** until waits (real time, stepping the fake clock by `stepMs` each round) until `cond` holds. */
async function until(cond: () => boolean, clock?: FakeClock, stepMs = 0): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    if (clock !== undefined && stepMs > 0) clock.step(stepMs);
    await sleep(5);
  }
  throw new Error('condition not reached');
}

/** nodeCert issues a client certificate for node n1 at the fake clock's time. */
function nodeCert(clock: FakeClock, days = 1): Promise<CertificatePair> {
  return issueClientCertificate(ca.cert, ca.key, { commonName: 'system:node:n1', organizations: ['system:nodes'], days, now: new Date(clock.now()) });
}

/** lifetime returns notBefore and the total validity of a certificate in ms. */
function lifetime(pem: string): { from: number; total: number } {
  const c = new X509Certificate(pem);
  return { from: c.validFromDate.getTime(), total: c.validToDate.getTime() - c.validFromDate.getTime() };
}

void test('rotationDeadline: notBefore + lifetime × [0.7, 0.9]; retryDelay doubles up to the cap with ≤ 10 % jitter', async () => {
  const { cert } = await nodeCert(new FakeClock(START));
  const { from, total } = lifetime(cert);
  const cases: [number, number][] = [[0, 0.7], [0.5, 0.8], [1, 0.9]];
  for (const [r, frac] of cases) assert.ok(Math.abs(rotationDeadline(cert, () => r) - (from + total * frac)) <= 1, `random ${r}`);
  for (let i = 0; i < 20; i++) {
    const d = rotationDeadline(cert);
    assert.ok(d >= from + 0.7 * total - 1 && d <= from + 0.9 * total, `deadline ${d} out of range`);
  }
  const timing = { backoffInitialMs: 1000, backoffMaxMs: 5000 };
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => retryDelay(n, timing, () => 0)), [1000, 2000, 4000, 5000, 5000]);
  assert.equal(retryDelay(1, timing, () => 0.5), 1050);
});

void test('client: rotates at the scheduled point with the current certificate, stores and swaps in the new pair', async () => {
  const clock = new FakeClock(START);
  const old = await nodeCert(clock);
  const api = fakeApi(clock, ['approve']);
  const store = memoryStore();
  const ac = new AbortController();
  const rotated: CertificatePair[] = [];
  const m = new CertificateManager({
    kind: 'client', nodeName: 'n1', server: 'https://x', caCert: ca.cert, current: old, store, signal: ac.signal, clock,
    random: () => 0.25, timing: TIMING, request: api.request, onRotated: (p) => rotated.push(p),
  });
  await m.start();
  const { from, total } = lifetime(old.cert);
  const deadline = m.nextRotation()!;
  assert.equal(deadline, from + Math.floor(total * 0.75));
  clock.setTime(deadline - 1);
  await sleep(20);
  assert.equal(api.posts.length, 0, 'nothing is requested before the deadline');
  assert.equal(m.current(), old);
  clock.setTime(deadline);
  await until(() => m.current() !== old, clock, TIMING.pollMs);
  assert.equal(api.posts.length, 1);
  const post = api.posts[0];
  assert.equal(post.auth, old.cert, 'the CSR is submitted with the current client certificate');
  assert.equal(post.cn, 'system:node:n1');
  assert.equal(post.body.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
  assert.deepEqual(post.body.spec.usages, ['digital signature', 'client auth']);
  const parsed = parseCertificateRequest(Buffer.from(post.body.spec.request, 'base64').toString());
  assert.deepEqual([parsed.organizations, parsed.dnsNames, parsed.ipAddresses], [['system:nodes'], [], []]);
  const now = m.current()!;
  assert.ok(isIssuedBy(now.cert, ca.cert));
  assert.notEqual(now.key, old.key);
  assert.deepEqual(store.saved, [now]);
  assert.deepEqual(rotated, [now]);
  const next = lifetime(now.cert);
  await until(() => m.nextRotation() !== undefined && m.nextRotation()! > deadline);
  assert.equal(m.nextRotation(), next.from + Math.floor(next.total * 0.75));
  ac.abort();
  await m.stopped;
  assert.equal(m.nextRotation(), undefined);
  assert.equal(clock.pending, 0, 'no timer left behind');
});

const failures: { name: string; modes: Mode[]; error: RegExp; stepMs: number }[] = [
  { name: 'a server error', modes: ['error', 'approve'], error: /HTTP 500.*etcd is sad/, stepMs: 0 },
  { name: 'a denied CSR', modes: ['deny', 'approve'], error: /denied: not today/, stepMs: 1000 },
  { name: 'a CSR nobody approves (bounded wait)', modes: ['pending', 'approve'], error: /timed out after 60s/, stepMs: 5000 },
];
for (const f of failures) {
  void test(`client: ${f.name} keeps the old certificate, is logged and retried with backoff`, async () => {
    const clock = new FakeClock(START);
    const old = await nodeCert(clock);
    const api = fakeApi(clock, f.modes);
    const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
    const ac = new AbortController();
    const m = new CertificateManager({
      kind: 'client', nodeName: 'n1', server: 'https://x', caCert: ca.cert, current: old, store: memoryStore(), signal: ac.signal, clock,
      random: () => 0.5, timing: TIMING, request: api.request, log: (msg, fields) => logs.push({ msg, fields }),
    });
    await m.start();
    clock.setTime(m.nextRotation()!);
    await until(() => logs.some((l) => /rotation failed/.test(l.msg)), clock, f.stepMs);
    const failure = logs.find((l) => /rotation failed/.test(l.msg))!;
    assert.match(String(failure.fields?.error), f.error);
    assert.equal(m.current(), old, 'the old certificate stays in use');
    const delay = retryDelay(1, TIMING, () => 0.5);
    assert.equal(failure.fields?.retryInMs, delay);
    assert.equal(m.nextRotation(), clock.now() + delay);
    assert.equal(api.posts.length, 1);
    clock.step(delay - 1);
    await sleep(20);
    assert.equal(api.posts.length, 1, 'no retry before the backoff has passed');
    clock.step(1);
    await until(() => m.current() !== old, clock, TIMING.pollMs);
    assert.equal(api.posts.length, 2);
    assert.ok(logs.some((l) => l.msg === 'certificate rotated'));
    ac.abort();
    await m.stopped;
  });
}

void test('serving: requested at once with the node addresses, stored as PEM files (key 0600), reused, re-requested when the SANs change', async () => {
  const clock = new FakeClock(START);
  const client = await nodeCert(clock);
  const api = fakeApi(clock, ['approve']);
  const certPath = join(dir, 'pki', 'kubelet-serving.crt');
  const keyPath = join(dir, 'pki', 'kubelet-serving.key');
  const node = { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }, { type: 'Hostname', address: 'n1' }] } };
  const ac = new AbortController();
  const make = (sans: { ipAddresses: string[]; dnsNames: string[] }): CertificateManager => new CertificateManager({
    kind: 'serving', nodeName: 'n1', server: 'https://x', caCert: ca.cert, store: pemFileCertificateStore(certPath, keyPath),
    authentication: () => client, sans: () => sans, signal: ac.signal, clock, random: () => 0.5, timing: TIMING, request: api.request,
  });
  const sans = nodeAddressSans(node);
  assert.deepEqual(sans, { ipAddresses: ['10.0.0.9'], dnsNames: ['n1'] });
  const m = make(sans);
  await m.start();
  assert.equal(m.current(), undefined);
  assert.equal(m.nextRotation(), START, 'no serving certificate yet: due now');
  await until(() => m.current() !== undefined, clock, TIMING.pollMs);
  const post = api.posts[0];
  assert.equal(post.auth, client.cert);
  assert.equal(post.body.spec.signerName, 'kubernetes.io/kubelet-serving');
  assert.deepEqual(post.body.spec.usages, ['digital signature', 'key encipherment', 'server auth']);
  const served = m.current()!;
  assert.ok(coversHost(served.cert, '10.0.0.9') && coversHost(served.cert, 'n1'));
  assert.equal(await readFile(certPath, 'utf8'), served.cert);
  assert.equal(await readFile(keyPath, 'utf8'), served.key);
  if (process.platform !== 'win32') assert.equal((await stat(keyPath)).mode & 0o777, 0o600);

  const again = make(sans);
  await again.start();
  assert.deepEqual(again.current(), served, 'the stored pair is loaded');
  assert.ok(again.nextRotation()! > clock.now(), 'and rotated only later');
  const moved = make({ ipAddresses: ['10.0.0.10'], dnsNames: ['n1'] });
  await moved.start();
  assert.equal(moved.nextRotation(), clock.now(), 'a stored pair without the current address is replaced at once');
  await until(() => moved.current() !== undefined && coversHost(moved.current()!.cert, '10.0.0.10'), clock, TIMING.pollMs);
  ac.abort();
  await Promise.all([m.stopped, again.stopped, moved.stopped]);
  assert.equal(clock.pending, 0);
});

void test('kubeconfig store: rewrites only the current user\'s credentials, or writes a fresh file', async () => {
  const clock = new FakeClock(START);
  const a = await nodeCert(clock);
  const b = await nodeCert(clock);
  const path = join(dir, 'kubelet.kubeconfig');
  await writeFile(path, kubeconfigYaml({ server: 'https://10.0.0.1:6443', caCert: ca.cert, clientCert: a.cert, clientKey: a.key, name: 'default' }));
  const store = kubeconfigCertificateStore(path, { server: 'https://unused', caCert: ca.cert });
  assert.deepEqual(await store.load(), a);
  await store.save(b);
  const creds = readKubeconfigCredentials(await readFile(path, 'utf8'));
  assert.deepEqual(creds, { server: 'https://10.0.0.1:6443', caCert: ca.cert, clientCert: b.cert, clientKey: b.key });
  if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
  const withFiles = replaceKubeconfigCredentials('users: [{name: u, user: {client-certificate: /a.crt, client-key: /a.key}}]\ncontexts: [{name: c, context: {user: u}}]\ncurrent-context: c\n', b);
  assert.deepEqual(Object.keys(parse(withFiles).users[0].user).sort(), ['client-certificate-data', 'client-key-data']);
  assert.throws(() => replaceKubeconfigCredentials('users: []\n', b), /no user for its current context/);
  const fresh = kubeconfigCertificateStore(join(dir, 'fresh', 'kubeconfig'), { server: 'https://10.0.0.1:6443', caCert: ca.cert });
  assert.equal(await fresh.load(), undefined);
  await fresh.save(a);
  assert.deepEqual(await fresh.load(), a);
});
