/**
 * @module test/node-authz.int.test — the Node authorizer and NodeRestriction admission (issue 3,
 * acceptance 4) against a real server: two node identities (client certificates
 * `CN=system:node:a|b, O=system:nodes` issued by the server's CA), Nodes a and b, and pods bound to
 * each (by the admin, with spec.nodeName) that reference Secrets sa/sb and ConfigMaps cma/cmb.
 * A node reads only what pods bound to it reference (and gains/loses access as such pods come and
 * go); it cannot modify the other Node, its Lease or its pods' status, nor give itself role labels,
 * but it can update its own Node status and its own Lease.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createApiClient, nodeCredentials, startServer, waitFor,
  type ApiClient, type HttpResponse, type ServerProcess,
} from './harness/index.ts';

const NS = '/api/v1/namespaces/nauth';
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

/** show renders a response for assertion messages. */
function show(what: string, r: HttpResponse): string {
  return `${what} → ${r.status} ${r.text().slice(0, 400)}`;
}

/** forbidden asserts a 403 Forbidden Status. */
function forbidden(what: string, r: HttpResponse): void {
  assert.equal(r.status, 403, show(what, r));
  assert.equal(r.json().reason, 'Forbidden', show(what, r));
}

/** success asserts a 2xx answer. */
function success(what: string, r: HttpResponse): void {
  assert.ok(r.status >= 200 && r.status < 300, show(what, r));
}

/** pod returns a Pod bound to `node` that mounts Secret `secret` and ConfigMap `configMap`. */
function pod(name: string, node: string, secret: string, configMap: string): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      nodeName: node,
      containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: configMap } }] }],
      volumes: [{ name: 's', secret: { secretName: secret } }],
    },
  };
}

/** lease returns a node Lease for `node`. */
function lease(node: string): Record<string, unknown> {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node },
    spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') },
  };
}

void describe('Node authorizer and NodeRestriction (real server)', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let admin: ApiClient;
  let nodeA: ApiClient;
  let nodeB: ApiClient;

  /** create posts as the admin and requires 201. */
  const create = async (path: string, body: Record<string, unknown>): Promise<void> => {
    const r = await admin.post(path, body);
    assert.equal(r.status, 201, show(`setup POST ${path}`, r));
  };

  before(async () => {
    server = await startServer();
    admin = createApiClient(server.credentials);
    nodeA = createApiClient(await nodeCredentials(server, 'a'));
    nodeB = createApiClient(await nodeCredentials(server, 'b'));
    for (const n of ['a', 'b']) {
      await create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } });
    }
    // Node IPAM gives each new Node its pod CIDR a moment later; a GET-then-PUT racing that write
    // would get an honest 409, so the tests start once both Nodes have settled.
    for (const n of ['a', 'b']) {
      await waitFor(async () => Boolean((await admin.get(`/api/v1/nodes/${n}`)).json().spec?.podCIDR),
        { timeoutMs: 30_000, intervalMs: 50, what: `node ${n} to get its pod CIDR from node IPAM` });
    }
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'nauth' } });
    for (const name of ['sa', 'sb', 'sc', 'unused']) {
      await create(`${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: name } });
    }
    for (const name of ['cma', 'cmb']) await create(`${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });
    // The ServiceAccount admission plugin may refuse pods until the namespace's default SA exists.
    for (const [name, node, secret, cm] of [['pa', 'a', 'sa', 'cma'], ['pb', 'b', 'sb', 'cmb']] as const) {
      await waitFor(async () => {
        const r = await admin.post(`${NS}/pods`, pod(name, node, secret, cm));
        if (r.status === 201) return true;
        throw new Error(show(`create pod ${name}`, r));
      }, { timeoutMs: 30_000, intervalMs: 250, what: `pod nauth/${name} bound to node ${node}` });
    }
    // The authorizer's graph follows the store asynchronously: wait until node a may read its own Secret.
    await waitFor(async () => (await nodeA.get(`${NS}/secrets/sa`)).status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: 'node a to be allowed to read Secret sa of its pod pa' });
  });
  after(async () => {
    nodeA?.close();
    nodeB?.close();
    admin?.close();
    const out = server?.output() ?? '';
    const stopped = await server?.stop();
    if (stopped && stopped.code !== 0 && process.env.WINDLASS_TEST_LOG !== '1') console.error(`server exit ${JSON.stringify(stopped)}\n${out.slice(-4000)}`);
  });

  void test('each node reads the Secret of its own pod and not the other node\'s', async () => {
    const cases = [
      { who: 'a', client: () => nodeA, name: 'sa', allowed: true },
      { who: 'a', client: () => nodeA, name: 'sb', allowed: false },
      { who: 'b', client: () => nodeB, name: 'sb', allowed: true },
      { who: 'b', client: () => nodeB, name: 'sa', allowed: false },
      { who: 'a', client: () => nodeA, name: 'unused', allowed: false },
    ];
    for (const c of cases) {
      const r = await c.client().get(`${NS}/secrets/${c.name}`);
      const what = `node ${c.who} GET secret ${c.name}`;
      if (c.allowed) {
        assert.equal(r.status, 200, show(what, r));
        assert.equal(Buffer.from(r.json().data.k, 'base64').toString(), c.name);
      } else {
        forbidden(what, r);
        assert.match(r.json().message, new RegExp(`system:node:${c.who}`), show(what, r));
      }
    }
  });

  void test('each node reads the ConfigMap of its own pod and not the other node\'s', async () => {
    assert.equal((await nodeA.get(`${NS}/configmaps/cma`)).status, 200);
    forbidden('node a GET configmap cmb', await nodeA.get(`${NS}/configmaps/cmb`));
    assert.equal((await nodeB.get(`${NS}/configmaps/cmb`)).status, 200);
    forbidden('node b GET configmap cma', await nodeB.get(`${NS}/configmaps/cma`));
  });

  void test('a node cannot list or watch Secrets', async () => {
    forbidden('node a LIST secrets in nauth', await nodeA.get(`${NS}/secrets`));
    forbidden('node a LIST secrets everywhere', await nodeA.get('/api/v1/secrets'));
  });

  void test('access follows pods: a new pod on node a grants Secret sc, deleting it revokes it', async () => {
    forbidden('node a GET secret sc (no pod yet)', await nodeA.get(`${NS}/secrets/sc`));
    await create(`${NS}/pods`, pod('pa2', 'a', 'sc', 'cma'));
    await waitFor(async () => (await nodeA.get(`${NS}/secrets/sc`)).status === 200,
      { timeoutMs: 30_000, intervalMs: 100, what: 'node a to read Secret sc once pod pa2 (bound to a) references it' });
    forbidden('node b GET secret sc', await nodeB.get(`${NS}/secrets/sc`));
    const del = await admin.delete(`${NS}/pods/pa2?gracePeriodSeconds=0`);
    assert.ok(del.status === 200 || del.status === 202, show('delete pa2', del));
    await waitFor(async () => {
      const gone = (await admin.get(`${NS}/pods/pa2`)).status === 404;
      return gone && (await nodeA.get(`${NS}/secrets/sc`)).status === 403;
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'node a to lose Secret sc after pod pa2 is gone' });
  });

  void test('node a cannot modify Node b (patch, status, delete)', async () => {
    forbidden('node a PATCH node b labels', await nodeA.patch('/api/v1/nodes/b', { metadata: { labels: { hacked: 'true' } } }, MERGE));
    const b = (await admin.get('/api/v1/nodes/b')).json();
    b.status = { ...b.status, conditions: [{ type: 'Ready', status: 'False', reason: 'Hacked', message: 'by node a', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] };
    forbidden('node a PUT node b status', await nodeA.put('/api/v1/nodes/b/status', b));
    forbidden('node a PATCH node b status', await nodeA.patch('/api/v1/nodes/b/status', { status: { capacity: { cpu: '999' } } }, STRATEGIC));
    forbidden('node a DELETE node b', await nodeA.delete('/api/v1/nodes/b'));
    const after = (await admin.get('/api/v1/nodes/b')).json();
    assert.equal(after.metadata.labels?.hacked, undefined, 'node b was labelled by node a');
    assert.notEqual(after.status?.capacity?.cpu, '999', 'node b status was changed by node a');
  });

  void test('node a updates its own Node status (PUT and PATCH)', async () => {
    const a = (await admin.get('/api/v1/nodes/a')).json();
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    a.status = { ...a.status, capacity: { cpu: '2', memory: '2Gi', pods: '110' }, allocatable: { cpu: '2', memory: '2Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready', lastHeartbeatTime: now, lastTransitionTime: now }] };
    const put = await nodeA.put('/api/v1/nodes/a/status', a);
    success('node a PUT its own status', put);
    assert.equal(put.json().status.capacity.cpu, '2');
    const patch = await nodeA.patch('/api/v1/nodes/a/status', { status: { capacity: { cpu: '4' } } }, STRATEGIC);
    success('node a PATCH its own status', patch);
    assert.equal((await admin.get('/api/v1/nodes/a')).json().status.capacity.cpu, '4');
  });

  void test('node a cannot give itself a node-role label (NodeRestriction)', async () => {
    const r = await nodeA.patch('/api/v1/nodes/a', { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }, MERGE);
    forbidden('node a PATCH its own node-role label', r);
    assert.equal((await admin.get('/api/v1/nodes/a')).json().metadata.labels?.['node-role.kubernetes.io/control-plane'], undefined);
  });

  void test('node a creates and renews its own Lease, not node b\'s', async () => {
    const created = await nodeA.post(LEASES, lease('a'));
    assert.equal(created.status, 201, show('node a create Lease a', created));
    const mine = created.json();
    mine.spec.renewTime = new Date(Date.now() + 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    success('node a renew Lease a', await nodeA.put(`${LEASES}/a`, mine));
    forbidden('node a create Lease for b', await nodeA.post(LEASES, lease('b')));
    const leaseB = await nodeB.post(LEASES, lease('b'));
    assert.equal(leaseB.status, 201, show('node b create Lease b', leaseB));
    const theirs = leaseB.json();
    theirs.spec.holderIdentity = 'a';
    forbidden('node a PUT Lease b', await nodeA.put(`${LEASES}/b`, theirs));
    forbidden('node a DELETE Lease b', await nodeA.delete(`${LEASES}/b`));
    assert.equal((await admin.get(`${LEASES}/b`)).json().spec.holderIdentity, 'b');
  });

  void test('node a updates the status of its own pod, not of node b\'s pod', async () => {
    const own = await nodeA.patch(`${NS}/pods/pa/status`, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, STRATEGIC);
    success('node a PATCH status of pod pa', own);
    forbidden('node a PATCH status of pod pb', await nodeA.patch(`${NS}/pods/pb/status`, { status: { phase: 'Failed' } }, STRATEGIC));
    assert.notEqual((await admin.get(`${NS}/pods/pb`)).json().status?.phase, 'Failed');
  });
});
