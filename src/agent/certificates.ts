/**
 * @module agent/certificates — the node's certificate manager, in the manner of client-go's
 * certificate manager: it keeps one certificate/key pair current (the node's client certificate
 * or its kubelet serving certificate), schedules a rotation at a random point between 70 % and
 * 90 % of the certificate's lifetime, and rotates by generating a fresh key and CSR, submitting it
 * over TLS authenticated with the node's CURRENT client certificate, waiting (bounded) until it is
 * Approved and issued, persisting the new pair (atomically) and only then swapping it in. A failed
 * attempt is logged and retried with exponential backoff; the old pair stays in use meanwhile.
 * Time (the schedule, polling, timeouts, backoff) comes from an injected Clock.
 */
import { randomBytes } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import { realClock } from '../client/index.ts';
import type { Clock } from '../client/index.ts';
import {
  certificateSubject, coversHost, createCertificateRequest, isIssuedBy, keyMatchesCert,
} from '../pki/index.ts';
import type { CertificateUsage } from '../pki/index.ts';
import { requestJson, statusMessage } from './http.ts';
import type { HttpResponse, HttpTarget, RequestOptions } from './http.ts';

/** A PEM certificate and its PEM private key. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

/** Where a manager keeps its pair between runs: `load` (undefined when nothing is stored) and an atomic `save`. */
export interface CertificateStore {
  load(): Promise<CertificatePair | undefined>;
  save(pair: CertificatePair): Promise<void>;
}

/** What to request: `client` (signer kube-apiserver-client-kubelet) or `serving` (signer kubelet-serving). */
export type CertificateKind = 'client' | 'serving';

/** The subject alternative names of a serving certificate. */
export interface CertificateSans {
  readonly ipAddresses: readonly string[];
  readonly dnsNames: readonly string[];
}

/** The request function the manager talks to the API server with (requestJson; tests inject a fake). */
export type RequestFn = (target: HttpTarget, method: string, path: string, body?: unknown, opts?: RequestOptions) => Promise<HttpResponse>;

/** Timing of rotation attempts, in milliseconds. */
export interface RotationTiming {
  /** pollMs: interval between reads of a submitted CSR (default 1 000). */
  readonly pollMs?: number;
  /** waitTimeoutMs: give up on one CSR after this long (default 15 minutes, as client-go). */
  readonly waitTimeoutMs?: number;
  /** backoffInitialMs: delay before the first retry after a failure (default 2 000), doubled per failure. */
  readonly backoffInitialMs?: number;
  /** backoffMaxMs: cap of the retry delay (default 5 minutes). */
  readonly backoffMaxMs?: number;
}

/** The agent's log function (as registerNode's). */
export type AgentLog = (msg: string, fields?: Record<string, unknown>) => void;

/** Options of a CertificateManager. */
export interface CertificateManagerOptions {
  readonly kind: CertificateKind;
  readonly nodeName: string;
  readonly server: string;
  /** caCert: the cluster CA; the server is verified with it and issued certificates must chain to it. */
  readonly caCert: string;
  /** current: the pair in use now (else the store's, if valid; a serving manager may start with none). */
  readonly current?: CertificatePair;
  readonly store: CertificateStore;
  /** authentication: the client pair to submit CSRs with (default: this manager's own current pair — right for `client`). */
  readonly authentication?: () => CertificatePair | undefined;
  /** sans: the SANs a serving certificate must carry, read at every attempt. */
  readonly sans?: () => CertificateSans;
  readonly signal: AbortSignal;
  readonly clock?: Clock;
  /** random: a number in [0, 1) (default Math.random) for the rotation point and retry jitter. */
  readonly random?: () => number;
  readonly timing?: RotationTiming;
  /** expirationSeconds: requested lifetime (`spec.expirationSeconds`; default: the signer's). */
  readonly expirationSeconds?: number;
  readonly log?: AgentLog;
  readonly request?: RequestFn;
  /** onRotated: called after a new pair has been stored and swapped in. */
  readonly onRotated?: (pair: CertificatePair) => void;
}

/** The outcome of one rotation attempt. */
export type RotationResult = { ok: true; pair: CertificatePair; csrName: string } | { ok: false; reason: string };

/** The signer, usages and organization each kind requests. */
export const CERTIFICATE_KINDS = {
  client: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
  serving: { signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'key encipherment', 'server auth'] },
} as const satisfies Record<CertificateKind, { signerName: string; usages: readonly CertificateUsage[] }>;

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
/** Sleeps are cut into pieces of at most this length (timers cannot span a year's certificate). */
const MAX_SLEEP_MS = 60 * 60 * 1000;

/** rotationDeadline returns when to rotate a certificate: notBefore + lifetime × (0.7 + 0.2 × random), in epoch ms. */
export function rotationDeadline(certPem: string, random: () => number = Math.random): number {
  const c = new X509Certificate(certPem);
  const from = c.validFromDate.getTime();
  const total = c.validToDate.getTime() - from;
  return from + Math.floor(total * (0.7 + 0.2 * Math.min(Math.max(random(), 0), 1)));
}

/** retryDelay returns the backoff before retry number `failures` (1-based): initial × 2^(failures−1), capped, plus up to 10 % jitter. */
export function retryDelay(failures: number, timing: RotationTiming = {}, random: () => number = Math.random): number {
  const initial = timing.backoffInitialMs ?? 2000;
  const max = timing.backoffMaxMs ?? 5 * 60 * 1000;
  const base = Math.min(max, initial * 2 ** Math.max(0, failures - 1));
  return Math.floor(base * (1 + 0.1 * random()));
}

/** isAbort says whether an error is an abort. */
function isAbort(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'AbortError';
}

/** CertificateManager keeps one node certificate current and rotates it before it expires. */
export class CertificateManager {
  readonly #opts: CertificateManagerOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: AgentLog;
  readonly #request: RequestFn;
  #current: CertificatePair | undefined;
  #deadline: number | undefined;
  #loop: Promise<void> | undefined;

  constructor(opts: CertificateManagerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#random = opts.random ?? Math.random;
    this.#log = opts.log ?? (() => undefined);
    this.#request = opts.request ?? requestJson;
    this.#current = opts.current;
  }

  /** current returns the pair in use (undefined while a serving manager has none yet). */
  current(): CertificatePair | undefined {
    return this.#current;
  }

  /** nextRotation returns when the next attempt is due (epoch ms of the clock), undefined before start() or after stop. */
  nextRotation(): number | undefined {
    return this.#deadline;
  }

  /** stopped settles once the rotation loop has ended (after the signal aborts); resolved when never started. */
  get stopped(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** start loads a stored pair if none was given, computes the first rotation time and runs the schedule until the signal aborts. */
  async start(): Promise<void> {
    if (this.#loop !== undefined) return;
    if (this.#current === undefined) {
      try {
        const stored = await this.#opts.store.load();
        if (stored !== undefined && this.#usable(stored)) this.#current = stored;
      } catch (err) {
        this.#log('stored certificate unreadable; requesting a new one', { kind: this.#opts.kind, error: (err as Error).message });
      }
    }
    this.#deadline = this.#firstDeadline();
    this.#loop = this.#run();
  }

  /** rotate makes one rotation attempt now: new key and CSR, wait for the certificate, store it, swap it in. */
  async rotate(): Promise<RotationResult> {
    const { kind, nodeName, signal } = this.#opts;
    const auth = this.#opts.authentication?.() ?? (kind === 'client' ? this.#current : undefined);
    if (auth === undefined) return { ok: false, reason: 'no client certificate to authenticate the request with' };
    const sans = kind === 'serving' ? this.#sans() : { ipAddresses: [], dnsNames: [] };
    if (kind === 'serving' && sans.ipAddresses.length + sans.dnsNames.length === 0) return { ok: false, reason: 'the node has no addresses to put in a serving certificate' };
    const target: HttpTarget = { server: this.#opts.server, caCert: this.#opts.caCert, clientCert: auth.cert, clientKey: auth.key };
    const { csrPem, keyPem } = await createCertificateRequest({
      commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], ipAddresses: sans.ipAddresses, dnsNames: sans.dnsNames,
    });
    const csrName = `csr-${randomBytes(5).toString('hex')}`;
    const spec = CERTIFICATE_KINDS[kind];
    const created = await this.#request(target, 'POST', CSRS, {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
      metadata: { name: csrName },
      spec: {
        request: Buffer.from(csrPem).toString('base64'), signerName: spec.signerName, usages: [...spec.usages],
        ...(this.#opts.expirationSeconds !== undefined ? { expirationSeconds: this.#opts.expirationSeconds } : {}),
      },
    }, { signal });
    if (created.status !== 201 && created.status !== 200) return { ok: false, reason: `creating CSR ${csrName} failed (HTTP ${created.status}): ${statusMessage(created)}` };
    const issued = await this.#waitForCertificate(target, csrName, created.json);
    if (!issued.ok) return issued;
    const pair = { cert: issued.certPem, key: keyPem };
    const bad = this.#check(pair, sans);
    if (bad !== undefined) return { ok: false, reason: `CSR ${csrName}: ${bad}` };
    await this.#opts.store.save(pair);
    this.#current = pair;
    this.#opts.onRotated?.(pair);
    return { ok: true, pair, csrName };
  }

  /** #sans returns the serving SANs wanted now. */
  #sans(): CertificateSans {
    return this.#opts.sans?.() ?? { ipAddresses: [], dnsNames: [] };
  }

  /** #usable says whether a stored pair chains to the CA, matches its key and is for this node. */
  #usable(pair: CertificatePair): boolean {
    try {
      return isIssuedBy(pair.cert, this.#opts.caCert) && keyMatchesCert(pair.cert, pair.key)
        && certificateSubject(pair.cert).commonName === `system:node:${this.#opts.nodeName}`;
    } catch {
      return false;
    }
  }

  /** #check validates an issued pair: CA, key, subject and (serving) every wanted SAN; undefined when fine. */
  #check(pair: CertificatePair, sans: CertificateSans): string | undefined {
    if (!isIssuedBy(pair.cert, this.#opts.caCert)) return 'the issued certificate is not signed by the cluster CA';
    if (!keyMatchesCert(pair.cert, pair.key)) return 'the issued certificate is not for the requested key';
    const subject = certificateSubject(pair.cert);
    if (subject.commonName !== `system:node:${this.#opts.nodeName}`) return `the issued certificate is for "${subject.commonName}"`;
    const missing = [...sans.ipAddresses, ...sans.dnsNames].filter((h) => !coversHost(pair.cert, h));
    return missing.length > 0 ? `the issued certificate does not cover ${missing.join(', ')}` : undefined;
  }

  /** #firstDeadline is now when there is no pair (or a serving pair lacks a wanted SAN), else the jittered rotation point. */
  #firstDeadline(): number {
    const now = this.#clock.now();
    const cur = this.#current;
    if (cur === undefined) return now;
    if (this.#opts.kind === 'serving') {
      const s = this.#sans();
      if (![...s.ipAddresses, ...s.dnsNames].every((h) => coversHost(cur.cert, h))) return now;
    }
    return rotationDeadline(cur.cert, this.#random);
  }

  /** #waitForCertificate polls the CSR until it is issued, denied, failed, gone, or the wait times out. */
  async #waitForCertificate(target: HttpTarget, csrName: string, first: any): Promise<{ ok: true; certPem: string } | { ok: false; reason: string }> {
    const pollMs = this.#opts.timing?.pollMs ?? 1000;
    const timeoutMs = this.#opts.timing?.waitTimeoutMs ?? 15 * 60 * 1000;
    const deadline = this.#clock.now() + timeoutMs;
    let csr = first;
    for (;;) {
      const conditions: { type?: string; reason?: string; message?: string }[] = Array.isArray(csr?.status?.conditions) ? csr.status.conditions : [];
      const denied = conditions.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (denied !== undefined) return { ok: false, reason: `CSR ${csrName} was ${denied.type === 'Denied' ? 'denied' : 'not signed'}: ${denied.message ?? denied.reason ?? 'no reason given'}` };
      const cert = csr?.status?.certificate;
      if (conditions.some((c) => c.type === 'Approved') && typeof cert === 'string' && cert !== '') {
        return { ok: true, certPem: Buffer.from(cert, 'base64').toString('utf8') };
      }
      if (this.#clock.now() >= deadline) return { ok: false, reason: `timed out after ${timeoutMs / 1000}s waiting for CSR ${csrName} to be approved and issued` };
      if (!(await this.#clock.sleep(Math.min(pollMs, deadline - this.#clock.now()), this.#opts.signal))) return { ok: false, reason: 'aborted' };
      const got = await this.#request(target, 'GET', `${CSRS}/${csrName}`, undefined, { signal: this.#opts.signal });
      if (got.status === 404) return { ok: false, reason: `CSR ${csrName} was deleted before it was issued` };
      if (got.status === 200) csr = got.json;
      else this.#log('reading CSR failed', { kind: this.#opts.kind, csr: csrName, status: got.status, message: statusMessage(got) });
    }
  }

  /** #run sleeps until the deadline, rotates, and on failure retries with backoff, until the signal aborts. */
  async #run(): Promise<void> {
    const { signal, kind } = this.#opts;
    let failures = 0;
    while (!signal.aborted) {
      const wait = (this.#deadline ?? 0) - this.#clock.now();
      if (wait > 0) {
        if (!(await this.#clock.sleep(Math.min(wait, MAX_SLEEP_MS), signal))) break;
        continue;
      }
      const first = this.#current === undefined;
      let result: RotationResult;
      try {
        result = await this.rotate();
      } catch (err) {
        if (isAbort(err) || signal.aborted) break;
        result = { ok: false, reason: (err as Error).message };
      }
      if (signal.aborted) break;
      if (result.ok) {
        failures = 0;
        this.#deadline = rotationDeadline(result.pair.cert, this.#random);
        this.#log(first ? 'certificate issued' : 'certificate rotated', {
          kind, csr: result.csrName, notAfter: new X509Certificate(result.pair.cert).validToDate.toISOString(),
          nextRotation: new Date(this.#deadline).toISOString(),
        });
      } else {
        failures++;
        const delay = retryDelay(failures, this.#opts.timing, this.#random);
        this.#deadline = this.#clock.now() + delay;
        this.#log('certificate rotation failed; keeping the current certificate', { kind, attempt: failures, error: result.reason, retryInMs: delay });
      }
    }
    this.#deadline = undefined;
  }
}
