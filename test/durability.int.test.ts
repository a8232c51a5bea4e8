/**
 * @module test/durability.int.test — an acknowledged write survives `kill -9`: many concurrent
 * creates over HTTPS (admin client certificate, keep-alive) run against a real server; each 201 is
 * recorded; the server is killed with SIGKILL in the middle of the stream; a new server on the same
 * data dir (and, for etcd, the same etcd) must list every acknowledged object with the content that
 * was sent. Runs with the default SQLite store and with etcd (only the windlass server is killed).
 * A process kill leaves the OS page cache intact, so this proves "written before acknowledged",
 * not that the write was fsynced (that would take a power cut or a VM snapshot).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient, REPO_ROOT, startServer, waitFor, type ApiClient, type ServerProcess } from './harness/index.ts';

const WORKERS = 48;
/** Kill once this many creates were acknowledged (or after KILL_AFTER_MS, whichever is first). */
const KILL_AT_ACKS = 400;
const KILL_AFTER_MS = 5000;

const live = new Set<ServerProcess>();
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const s of live) await s.kill9();
  for (const c of cleanups.reverse()) await c();
});

async function start(dataDir: string, datastoreEndpoint?: string): Promise<ServerProcess> {
  const s = await startServer({ dataDir, datastoreEndpoint });
  live.add(s);
  void s.exited.then(() => live.delete(s));
  return s;
}

/** listAll pages through a namespace's configmaps (limit/continue) and returns name → data.seq. */
async function listAll(api: ApiClient, ns: string): Promise<Map<string, string | undefined>> {
  const out = new Map<string, string | undefined>();
  let cont = '';
  for (let page = 0; page < 1000; page++) {
    const r = await api.get(`/api/v1/namespaces/${ns}/configmaps?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(r.status, 200, r.text());
    const list = r.json();
    // kube-root-ca.crt is the root-ca publisher's, in every namespace (as in Kubernetes).
    for (const item of list.items) if (item.metadata.name !== 'kube-root-ca.crt') out.set(item.metadata.name, item.data?.seq);
    cont = list.metadata?.continue ?? '';
    if (!cont) return out;
  }
  throw new Error('more than 1000 pages');
}

async function scenario(store: string, datastoreEndpoint?: string): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), `windlass-durability-${store}-`));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const ns = 'durable';
  const first = await start(dataDir, datastoreEndpoint);
  const api1 = createApiClient(first.credentials, { maxSockets: WORKERS });
  const nsr = await api1.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  assert.equal(nsr.status, 201, nsr.text());

  const acked = new Map<string, string>();
  const failures: string[] = [];
  let serverGone = false;
  const payload = 'x'.repeat(1024);
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !serverGone; i++) {
      const name = `cm-${w}-${i}`;
      const seq = `${w}.${i}`;
      try {
        const r = await api1.post(`/api/v1/namespaces/${ns}/configmaps`,
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { seq, payload } }, { timeoutMs: 10_000 });
        if (r.status === 201) acked.set(name, seq);
        else failures.push(`${name}: HTTP ${r.status} ${r.text().slice(0, 200)}`);
      } catch {
        return; // the connection died with the server: stop this worker
      }
    }
  };
  const t0 = Date.now();
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  await waitFor(() => acked.size >= KILL_AT_ACKS || Date.now() - t0 > KILL_AFTER_MS, { timeoutMs: KILL_AFTER_MS + 5000, what: 'creates to be acknowledged' });
  await first.kill9();
  serverGone = true;
  const exit = await first.exited;
  assert.equal(exit.signal, 'SIGKILL');
  await Promise.all(workers);
  api1.close();
  assert.deepEqual(failures.slice(0, 5), [], 'no create was refused before the kill');
  assert.ok(acked.size >= 50, `only ${acked.size} creates acknowledged before the kill: nothing meaningful was tested`);

  const second = await start(dataDir, datastoreEndpoint);
  const api2 = createApiClient(second.credentials);
  try {
    const stored = await listAll(api2, ns);
    const missing = [...acked.keys()].filter((n) => !stored.has(n));
    assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${acked.size} acknowledged creates are missing after kill -9`);
    const wrong = [...acked].filter(([n, seq]) => stored.get(n) !== seq);
    assert.deepEqual(wrong.slice(0, 5), [], 'acknowledged objects kept their content');
    // Objects in flight at the kill may or may not exist; nothing else may.
    const unexpected = [...stored.keys()].filter((n) => !/^cm-\d+-\d+$/.test(n));
    assert.deepEqual(unexpected, []);
    // The restarted server still takes writes, with a resourceVersion above every stored one.
    const post = await api2.post(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } });
    assert.equal(post.status, 201, post.text());
    const list = (await api2.get(`/api/v1/namespaces/${ns}/configmaps`)).json();
    const maxRv = Math.max(...list.items.filter((i: any) => i.metadata.name !== 'after-restart' && i.metadata.name !== 'kube-root-ca.crt').map((i: any) => Number(i.metadata.resourceVersion)));
    assert.ok(Number(post.json().metadata.resourceVersion) > maxRv, 'resourceVersion keeps increasing across the restart');
    console.log(`# ${store}: ${acked.size} acknowledged before kill -9, ${stored.size} stored after restart`);
  } finally {
    api2.close();
    await second.stop();
  }
}

void describe('kill -9 durability', () => {
  void test('sqlite (default store)', { timeout: 120_000 }, async () => {
    await scenario('sqlite');
  });

  const etcdModule = join(REPO_ROOT, 'src', 'store', 'etcd-testing.ts');
  void test('etcd', { timeout: 120_000, skip: !existsSync(etcdModule) && 'src/store/etcd-testing.ts not present' }, async (t) => {
    const { startEtcd } = await import(etcdModule) as { startEtcd: () => Promise<{ endpoint: string; stop(): Promise<void> }> };
    let etcd: { endpoint: string; stop(): Promise<void> };
    try {
      etcd = await startEtcd();
    } catch (e) {
      t.skip(`etcd unavailable: ${(e as Error).message}`);
      return;
    }
    cleanups.push(() => etcd.stop());
    await scenario('etcd', etcd.endpoint);
  });
});
