/**
 * @module agent/streaming/e2e-fixture — TEST ONLY: the end-to-end fixture of the streaming tests:
 * a real in-process API server (with its kubelet client certificate), the agent HTTPS server on a
 * TestRuntime (local processes), a Node pointing at the agent, pod `web` (containers `main`,
 * `ticker`) Running on it, pod `unscheduled`, an HTTP server to port-forward to, CRI log files,
 * and helpers to run the real kubectl binaries against it.
 */
import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, get as httpGet, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate, kubeconfigYaml, type CertAndKey } from '../../pki/index.ts';
import { RESOURCES, RestClient } from '../../client/index.ts';
import { startAgentServer, type AgentServer } from '../server.ts';
import { startTestRuntime, type TestRuntime } from './test-runtime.ts';

/** BIN holds the kubectl.<minor> binaries. */
export const BIN = '/usr/lib/google-cloud-sdk/bin';
/** VERSIONS are the kubectl versions tested (present ones of 1.27, 1.29, 1.30, 1.33, or of `WL_KUBECTL_VERSIONS=1.28,1.31`). */
export const VERSIONS = (process.env.WL_KUBECTL_VERSIONS?.split(',') ?? ['1.27', '1.29', '1.30', '1.33']).filter((v) => existsSync(`${BIN}/kubectl.${v}`));

/** TestApiServer is what the fixture needs of a running API server. */
export interface TestApiServer { readonly url: string; close(): Promise<void> }
/** StartApi starts the API server (the int tests pass windlass's, which this folder may not import). */
export type StartApi = (o: { tls: { cert: string; key: string; ca: string }; kubeletClient: { cert: string; key: string } }) => Promise<TestApiServer>;

/** Fixture is the running end-to-end setup. */
export interface Fixture {
  ca: CertAndKey; agentServing: CertAndKey;
  dir: string; kubeconfig: string; api: TestApiServer; agent: AgentServer; client: RestClient; test: TestRuntime;
  web: Server; webPort: number; logMain: string; logPrev: string; logFollow: string;
  close(): Promise<void>;
}
/** fx is the fixture, set by useStreamFixture's before hook. */
export let fx: Fixture;
/** sessions records the agent's negotiated stream sessions (kind, transport, protocol). */
export const sessions: Record<string, unknown>[] = [];
/** sessionsSince lists the sessions of `kind` recorded after index `n`. */
export function sessionsSince(n: number, kind: string): Record<string, unknown>[] { return sessions.slice(n).filter((s) => s.kind === kind); }

/** cri formats a CRI log line. */
export function cri(line: string, stream = 'stdout', t = new Date()): string {
  return `${t.toISOString().replace('Z', '123456Z')} ${stream} F ${line}\n`;
}

/** useStreamFixture registers before/after hooks that start and stop the fixture. */
export function useStreamFixture(startApi: StartApi): void {
  before(() => setUp(startApi));
  after(async () => { await fx?.close(); });
}

async function setUp(startApi: StartApi): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wl-stream-'));
  const ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  const agentServing = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'], commonName: 'node-1' });
  const kubeletClient = await issueClientCertificate(ca.cert, ca.key, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'] });
  const admin = await issueClientCertificate(ca.cert, ca.key, { commonName: 'admin', organizations: ['system:masters'] });
  const api = await startApi({ tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, kubeletClient });
  const client = new RestClient({ server: api.url, ca: ca.cert, cert: admin.cert, key: admin.key });
  const { runtime, test: trt } = await startTestRuntime();
  const agent = await startAgentServer({
    host: '127.0.0.1', port: 0, tls: () => agentServing, caCert: ca.cert, nodeName: 'node-1', runtime, logPollMs: 50,
    log: { info: (_m, f) => { if (f?.transport) sessions.push(f); }, error: (m, f) => { sessions.push({ error: m, ...f }); } },
  });
  const logMain = join(dir, 'main-1.log');
  const logPrev = join(dir, 'main-0.log');
  const logFollow = join(dir, 'follow-0.log');
  const old = new Date(Date.now() - 3600_000);
  await writeFile(logPrev, cri('previous run', 'stdout', old));
  await writeFile(logMain, cri('old line', 'stdout', old) + cri('line one') + cri('line two', 'stderr') + cri('line three'));
  await writeFile(logFollow, cri('first'));
  trt.add({ id: 'c-main-0', namespace: 'default', pod: 'web', uid: 'u1', name: 'main', attempt: 0, state: 'EXITED', logPath: logPrev });
  trt.add({ id: 'c-main-1', namespace: 'default', pod: 'web', uid: 'u1', name: 'main', attempt: 1, state: 'RUNNING', logPath: logMain });
  trt.add({ id: 'c-ticker', namespace: 'default', pod: 'web', uid: 'u1', name: 'ticker', attempt: 0, state: 'RUNNING', logPath: join(dir, 'none.log'),
    main: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done'] });
  await client.create(RESOURCES.nodes, '', {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' },
    status: { addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agent.port } } },
  });
  const pod = await client.create<Record<string, unknown>>(RESOURCES.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'busybox' }, { name: 'ticker', image: 'busybox' }] },
  });
  await client.updateStatus(RESOURCES.pods, 'default', { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  await client.create(RESOURCES.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unscheduled', namespace: 'default' }, spec: { containers: [{ name: 'main', image: 'busybox' }] },
  });
  const web = createServer((req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end(`hello from ${req.url}`); });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const wa = web.address();
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigYaml({ server: api.url, caCert: ca.cert, clientCert: admin.cert, clientKey: admin.key, name: 'test' }));
  fx = {
    ca, agentServing, dir, kubeconfig, api, agent, client, test: trt, web, webPort: typeof wa === 'object' && wa ? wa.port : 0, logMain, logPrev, logFollow,
    async close() {
      web.closeAllConnections();
      await new Promise<void>((r) => web.close(() => r()));
      await agent.close();
      await trt.close();
      client.close();
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Run is a finished kubectl. */
export interface Run { code: number | null; stdout: string; stderr: string }

/** kubectl runs kubectl.<v> against the fixture (optionally under `script` for a tty of 97x31). */
export function kubectl(v: string, args: readonly string[], o: { input?: string | Buffer; env?: Record<string, string>; timeoutMs?: number; wrapTty?: boolean; kubeconfig?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const argv = [`${BIN}/kubectl.${v}`, '--kubeconfig', o.kubeconfig ?? fx.kubeconfig, ...args];
    const env = { ...process.env, HOME: fx.dir, ...(o.env ?? {}) };
    const p = o.wrapTty
      ? spawn('script', ['-qec', `stty cols 97 rows 31; ${argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')}`, '/dev/null'], { env })
      : spawn(argv[0], argv.slice(1), { env });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    p.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const t = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    p.on('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
    if (o.input !== undefined) p.stdin.end(o.input); else if (!o.wrapTty) p.stdin.end();
  });
}

/** kubectlUntil runs kubectl until its output matches `re`, then calls `then` and kills it. */
export function kubectlUntil(v: string, args: readonly string[], re: RegExp, then: (m: RegExpExecArray) => Promise<void>, timeoutMs = 20_000, env: Record<string, string> = {}): Promise<Run & { matched: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(`${BIN}/kubectl.${v}`, ['--kubeconfig', fx.kubeconfig, ...args], { env: { ...process.env, HOME: fx.dir, ...env } });
    let stdout = ''; let stderr = ''; let matched = false;
    const check = (): void => {
      const m = re.exec(stdout);
      if (m && !matched) { matched = true; void then(m).finally(() => p.kill('SIGTERM')); }
    };
    p.stdout.on('data', (c: Buffer) => { stdout += c.toString(); check(); });
    p.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr, matched }); });
  });
}

/** fetchText GETs a loopback URL. */
export function fetchText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let s = ''; res.on('data', (c: Buffer) => { s += c.toString(); }); res.on('end', () => resolve(s));
    }).on('error', reject);
  });
}

