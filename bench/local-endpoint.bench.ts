/**
 * @module bench/local-endpoint.bench — what the control plane saves by reaching the API on the
 * server's local endpoint (plain HTTP on a Unix socket) instead of loopback HTTPS: one process runs a
 * real API server (SQLite store in a temporary directory, real modules) and two RestClients as the
 * same user (in system:masters, so that authorization costs the same), one with a client certificate over HTTPS, one with a local
 * token on the socket. Phases alternate between the two; each sends N Event creates (what the
 * scheduler sends for every pod) at concurrency C, then reads N Events back one by one (GET), and
 * records the process's CPU (client and server together: both ends of the transport) per request.
 *
 * Usage: node bench/local-endpoint.bench.ts [--requests 3000] [--concurrency 16] [--rounds 3]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startApiServer } from '../src/apiserver/index.ts';
import { RESOURCES, RestClient } from '../src/client/index.ts';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../src/pki/index.ts';
import { openStore } from '../src/store/index.ts';
import { REPO_ROOT } from '../test/harness/index.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(args.requests);
const C = Number(args.concurrency);
const USER = 'windlass-bench';
const GROUPS = ['system:masters'];

const dir = await mkdtemp(join(tmpdir(), 'windlass-local-bench-'));
const store = await openStore(undefined, dir);
const ca = await createCertificateAuthority();
const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
const id = await issueClientCertificate(ca.cert, ca.key, { commonName: USER, organizations: GROUPS });
const token = 'bench-local-token-0123456789abcdef';
const server = await startApiServer({
  store, tls: { cert: serving.cert, key: serving.key, ca: ca.cert }, host: '127.0.0.1', port: 0,
  local: { path: join(dir, 'api.sock'), tokens: new Map([[token, { username: USER, groups: [...GROUPS, 'system:authenticated'] }]]) },
});
const clients: Record<string, RestClient> = {
  https: new RestClient({ server: server.url, ca: ca.cert, cert: id.cert, key: id.key }),
  local: new RestClient({ server: server.url, socketPath: server.localSocket, token }),
};

/** run sends N requests made by `fn` over C workers; returns requests/s and CPU ms per request. */
async function run(fn: (i: number) => Promise<unknown>): Promise<{ perSecond: number; cpuMs: number }> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: C }, async () => {
    for (let i = next++; i < N; i = next++) await fn(i);
  }));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: Math.round(N / (ms / 1000)), cpuMs: (cpu.user + cpu.system) / 1000 / N };
}

const event = (name: string): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'p', apiVersion: 'v1' }, reason: 'Scheduled',
  message: 'Successfully assigned default/p to node-1', type: 'Normal', source: { component: 'default-scheduler' },
  firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
});

interface Row { round: number; transport: string; phase: string; perSecond: number; cpuMsPerRequest: number }
const rows: Row[] = [];
// Warm up both paths (JIT) before measuring.
for (const [t, c] of Object.entries(clients)) for (let i = 0; i < 300; i++) await c.create(RESOURCES.events, 'default', event(`warm-${t}-${i}`));
for (let round = 1; round <= Number(args.rounds); round++) {
  for (const [t, c] of Object.entries(clients)) {
    const created = await run((i) => c.create(RESOURCES.events, 'default', event(`r${round}-${t}-${i}`)));
    rows.push({ round, transport: t, phase: 'create Event', perSecond: created.perSecond, cpuMsPerRequest: created.cpuMs });
    const got = await run((i) => c.get(RESOURCES.events, 'default', `r${round}-${t}-${i}`));
    rows.push({ round, transport: t, phase: 'get Event', perSecond: got.perSecond, cpuMsPerRequest: got.cpuMs });
  }
}
for (const r of rows) console.log(`round ${r.round}  ${r.transport.padEnd(5)}  ${r.phase.padEnd(12)}  ${String(r.perSecond).padStart(5)}/s  ${r.cpuMsPerRequest.toFixed(3)} ms CPU per request (client + server)`);
for (const c of Object.values(clients)) c.close();
await server.close();
await store.close();
await rm(dir, { recursive: true, force: true });

const out = {
  bench: 'local-endpoint', date: new Date().toISOString(),
  machine: { model: cpus()[0]?.model, cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  requests: N, concurrency: C, rows,
};
mkdirSync(join(REPO_ROOT, 'bench', 'out'), { recursive: true });
const file = join(REPO_ROOT, 'bench', 'out', `local-endpoint-${out.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(out)}\n`);
console.log(`wrote ${file}`);
