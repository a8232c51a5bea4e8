/**
 * @module bench/rest-client.bench — the client's CPU per API request: RestClient (an undici pool)
 * against a `node:https` keep-alive agent, the transport RestClient had before, both sending the
 * same Lease PUT (a hollow node's heartbeat) and parsing the reply, 32 in flight. The server is a
 * child process answering every request with a fixed Lease, so this process's CPU
 * (`process.cpuUsage`) is the client's alone. Rounds alternate between the two clients. Prints a
 * table and writes JSON to bench/out/.
 *
 * Usage: node bench/rest-client.bench.ts [--requests 20000] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:https';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../src/pki/index.ts';
import { RestClient, RESOURCES } from '../src/client/index.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    serve: { type: 'boolean', default: false },
  },
});

const LEASE = {
  apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
  metadata: { name: 'hollow-1', namespace: 'kube-node-lease', resourceVersion: '12345', uid: '6b1f0f5e-0000-4000-8000-000000000001' },
  spec: { holderIdentity: 'hollow-1', leaseDurationSeconds: 40, renewTime: '2026-11-27T00:00:00.000000Z' },
};
const IN_FLIGHT = 32;

if (args.serve) {
  // Child: an HTTPS server answering every request with the Lease (after reading the body).
  const tls = JSON.parse(process.env.BENCH_TLS ?? '{}') as { cert: string; key: string; ca: string };
  const body = JSON.stringify({ ...LEASE, metadata: { ...LEASE.metadata, resourceVersion: '12346' } });
  const server = createServer({ ...tls, requestCert: true, keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }); res.end(body); });
  });
  server.listen(0, '127.0.0.1', () => { process.stdout.write(`${(server.address() as { port: number }).port}\n`); });
  process.stdin.resume();
  process.stdin.on('end', () => { server.closeAllConnections(); server.close(); });
} else {
  const ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  const client = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:node:hollow-1' });
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', import.meta.filename, '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_TLS: JSON.stringify({ cert: serving.cert, key: serving.key, ca: ca.cert }) },
  });
  const [portLine] = await once(child.stdout, 'data') as [Buffer];
  const url = `https://127.0.0.1:${portLine.toString().trim()}`;

  const rest = new RestClient({ server: url, ca: ca.cert, cert: client.cert, key: client.key });
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT, ca: ca.cert, cert: client.cert, key: client.key });
  const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/hollow-1';
  /** viaNodeHttps is one PUT with node:https and a keep-alive agent, as RestClient sent it before. */
  const viaNodeHttps = (): Promise<unknown> => new Promise((resolve, reject) => {
    const text = JSON.stringify(LEASE);
    const req = request(new URL(path, url), { method: 'PUT', agent, timeout: 60_000, headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), Accept: 'application/json', 'User-Agent': 'windlass-client' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
  const viaRestClient = (): Promise<unknown> => rest.update(RESOURCES.leases, 'kube-node-lease', LEASE);

  /** measure sends n requests, IN_FLIGHT at a time, and returns client CPU µs per request and requests/s. */
  const measure = async (one: () => Promise<unknown>, n: number): Promise<{ cpuUs: number; perSecond: number }> => {
    let sent = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => { while (sent++ < n) await one(); }));
    const c = process.cpuUsage(c0);
    return { cpuUs: (c.user + c.system) / n, perSecond: n / ((performance.now() - t0) / 1000) };
  };

  const n = Number(args.requests);
  await measure(viaNodeHttps, 2000);
  await measure(viaRestClient, 2000);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ${n} Lease PUTs per round, ${IN_FLIGHT} in flight`);
  console.log('| round | client | client CPU per request | requests/s |');
  console.log('|---|---|---|---|');
  const results: { round: number; client: string; cpuUs: number; perSecond: number }[] = [];
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const [name, one] of [['node:https agent', viaNodeHttps], ['RestClient (undici)', viaRestClient]] as const) {
      const r = await measure(one, n);
      results.push({ round, client: name, ...r });
      console.log(`| ${round} | ${name} | ${r.cpuUs.toFixed(0)} µs | ${r.perSecond.toFixed(0)} |`);
    }
  }
  const out = join(import.meta.dirname, 'out');
  mkdirSync(out, { recursive: true });
  const file = join(out, `rest-client-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, requests: n, inFlight: IN_FLIGHT, results }, null, 2));
  console.log(`wrote ${file}`);
  rest.close();
  agent.destroy();
  child.stdin.end();
  await once(child, 'exit');
}
