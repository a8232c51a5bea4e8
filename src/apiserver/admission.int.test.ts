/**
 * Integration tests of the admission chain: a real HTTPS server with the real kinds and the memory
 * store, requests as an administrator and as a kubelet identity (`system:node:a`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { startApiServer, type ApiServer } from './server.ts';
import { Client, type TestPki } from './test-support.ts';

/** makePki creates a CA, a 127.0.0.1 server certificate, an admin and a node client certificate. */
function makePki(): { pki: TestPki; nodeCert: string; nodeKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'windlass-admission-test-'));
  const o = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const issue = (name: string, subj: string, ext?: string): void => {
    o('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    o('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...(ext ? ['-extfile', ext] : []));
  };
  try {
    o('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    issue('server', '/CN=server', 'san.ext');
    issue('admin', '/O=system:masters/CN=alice');
    issue('node', '/O=system:nodes/CN=system:node:a');
    const r = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return {
      pki: { ca: r('ca.crt'), serverCert: r('server.crt'), serverKey: r('server.key'), clientCert: r('admin.crt'), clientKey: r('admin.key'), otherCert: r('node.crt'), otherKey: r('node.key') },
      nodeCert: r('node.crt'), nodeKey: r('node.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ctr = (name = 'c', extra: object = {}): object => ({ name, image: 'busybox', ...extra });
const podBody = (name: string, spec: object = {}): object => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [ctr()], ...spec } });

void describe('admission chain against a real server', () => {
  let store: Store;
  let server: ApiServer;
  let c: Client;
  let node: Client;

  const ns = async (name: string, labels: Record<string, string> = {}): Promise<void> => {
    const r = await c.req('POST', '/api/v1/namespaces', { metadata: { name, labels } });
    assert.equal(r.status, 201, r.text);
  };

  before(async () => {
    const { pki } = makePki();
    store = createMemoryStore();
    server = await startApiServer({ store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0 });
    c = new Client(server.url, pki);
    node = new Client(server.url, pki, 'other');
  });
  after(async () => {
    c.close();
    node.close();
    await server.close();
    await store.close();
  });

  void test('pods/ephemeralcontainers (kubectl debug) adds debugging containers; nothing else changes them', async () => {
    await ns('dbg');
    const P = '/api/v1/namespaces/dbg/pods';
    assert.equal((await c.req('POST', P, { metadata: { name: 'debugme' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } })).status, 201);
    const SMP = { 'Content-Type': 'application/strategic-merge-patch+json' };
    const add = await c.req('PATCH', `${P}/debugme/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox', stdin: true, tty: true, targetContainerName: 'app' }] } }, SMP);
    assert.equal(add.status, 200, JSON.stringify(add.json));
    assert.deepEqual(add.json.spec.ephemeralContainers.map((e: any) => [e.name, e.terminationMessagePolicy]), [['dbg', 'File']], 'defaulted like a container');
    assert.equal((await c.req('GET', `${P}/debugme/ephemeralcontainers`)).json.spec.ephemeralContainers[0].name, 'dbg');
    const second = await c.req('PATCH', `${P}/debugme/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'dbg2', image: 'busybox' }] } }, SMP);
    // Without $setElementOrder, strategic merge puts the patch's items first (as upstream); kubectl debug sends the order.
    assert.deepEqual(second.json.spec.ephemeralContainers.map((e: any) => e.name), ['dbg2', 'dbg'], 'merged by name');
    const changed = await c.req('PATCH', `${P}/debugme/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'dbg', image: 'alpine' }] } }, SMP);
    assert.equal(changed.status, 422);
    assert.match(changed.json.message, /existing ephemeral containers "dbg" may not be changed/);
    const ports = await c.req('PATCH', `${P}/debugme/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } }, SMP);
    assert.equal(ports.status, 422);
    assert.ok(ports.json.details.causes.some((x: any) => /^spec\.ephemeralContainers\[\d\]\.ports$/.test(x.field)), JSON.stringify(ports.json.details));
    const clash = await c.req('PATCH', `${P}/debugme/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'app', image: 'busybox' }] } }, SMP);
    assert.equal(clash.status, 422, 'a name already used by a container');
    const cur = (await c.req('GET', `${P}/debugme`)).json;
    const put = await c.req('PUT', `${P}/debugme`, { ...cur, metadata: { ...cur.metadata, labels: { x: 'y' } }, spec: { ...cur.spec, ephemeralContainers: [] } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json.spec.ephemeralContainers.map((e: any) => e.name), ['dbg2', 'dbg'], 'an update of the pod itself keeps them');
  });

  void test('NamespaceLifecycle: system namespaces stay; no content in missing namespaces', async () => {
    const del = await c.req('DELETE', '/api/v1/namespaces/kube-system');
    assert.equal(del.status, 403);
    assert.equal(del.json.message, 'namespaces "kube-system" is forbidden: this namespace may not be deleted');
    const missing = await c.req('POST', '/api/v1/namespaces/nowhere/configmaps', { metadata: { name: 'x' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, 'namespaces "nowhere" not found');
  });

  void test('ServiceAccount, DefaultTolerationSeconds and Priority shape a new pod', async () => {
    await ns('sa');
    const noSa = await c.req('POST', '/api/v1/namespaces/sa/pods', podBody('early'));
    assert.equal(noSa.status, 201, noSa.text);
    assert.equal(noSa.json.spec.serviceAccountName, 'default');
    assert.equal(noSa.json.spec.volumes, undefined);
    assert.equal((await c.req('POST', '/api/v1/namespaces/sa/serviceaccounts', { metadata: { name: 'default' } })).status, 201);
    const p = await c.req('POST', '/api/v1/namespaces/sa/pods', podBody('p', { priorityClassName: 'system-cluster-critical' }));
    assert.equal(p.status, 201, p.text);
    const vol = p.json.spec.volumes[0];
    assert.match(vol.name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(vol.projected.sources.map((s: object) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
    assert.deepEqual(p.json.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.deepEqual(p.json.spec.tolerations.map((t: { key: string; tolerationSeconds: number }) => `${t.key}:${t.tolerationSeconds}`), ['node.kubernetes.io/not-ready:300', 'node.kubernetes.io/unreachable:300']);
    assert.equal(p.json.spec.priority, 2000000000);
    const ghost = await c.req('POST', '/api/v1/namespaces/sa/pods', podBody('g', { serviceAccountName: 'ghost' }));
    assert.equal(ghost.status, 403);
    assert.equal(ghost.json.message, 'pods "g" is forbidden: error looking up service account sa/ghost: serviceaccount "ghost" not found');
    const prio = await c.req('POST', '/api/v1/namespaces/sa/pods', podBody('q', { priorityClassName: 'nope' }));
    assert.equal(prio.status, 403);
    assert.equal(prio.json.message, 'pods "q" is forbidden: no PriorityClass with name nope was found');
  });

  void test('LimitRanger defaults and bounds container resources', async () => {
    await ns('lr');
    const lr = await c.req('POST', '/api/v1/namespaces/lr/limitranges', { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, default: { cpu: '500m' }, defaultRequest: { cpu: '250m' } }] } });
    assert.equal(lr.status, 201, lr.text);
    const ok = await c.req('POST', '/api/v1/namespaces/lr/pods', podBody('ok'));
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.json.spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '250m' } });
    const big = await c.req('POST', '/api/v1/namespaces/lr/pods', podBody('big', { containers: [ctr('c', { resources: { limits: { cpu: '2' } } })] }));
    assert.equal(big.status, 403, big.text);
    assert.equal(big.json.message, 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  });

  void test('ResourceQuota counts pods, refuses the excess and keeps status.used', async () => {
    await ns('rq');
    assert.equal((await c.req('POST', '/api/v1/namespaces/rq/resourcequotas', { metadata: { name: 'q' }, spec: { hard: { pods: '1', configmaps: '5' } } })).status, 201);
    assert.equal((await c.req('POST', '/api/v1/namespaces/rq/pods?dryRun=All', podBody('dry'))).status, 201);
    let q = await c.req('GET', '/api/v1/namespaces/rq/resourcequotas/q');
    assert.deepEqual(q.json.status, { hard: { configmaps: '5', pods: '1' }, used: { configmaps: '0', pods: '0' } });
    assert.equal((await c.req('POST', '/api/v1/namespaces/rq/pods', podBody('one'))).status, 201);
    q = await c.req('GET', '/api/v1/namespaces/rq/resourcequotas/q');
    assert.equal(q.json.status.used.pods, '1');
    const two = await c.req('POST', '/api/v1/namespaces/rq/pods', podBody('two'));
    assert.equal(two.status, 403);
    assert.equal(two.json.message, 'pods "two" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
    assert.equal((await c.req('DELETE', '/api/v1/namespaces/rq/pods/one')).status, 200);
    q = await c.req('GET', '/api/v1/namespaces/rq/resourcequotas/q');
    assert.equal(q.json.status.used.pods, '0');
    assert.equal((await c.req('POST', '/api/v1/namespaces/rq/pods', podBody('two'))).status, 201);
  });

  void test('RuntimeClass sets the overhead and requires the class', async () => {
    await ns('rc');
    assert.equal((await c.req('POST', '/apis/node.k8s.io/v1/runtimeclasses', { metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '100m' } }, scheduling: { nodeSelector: { sandbox: 'true' } } })).status, 201);
    const p = await c.req('POST', '/api/v1/namespaces/rc/pods', podBody('p', { runtimeClassName: 'kata' }));
    assert.equal(p.status, 201, p.text);
    assert.deepEqual(p.json.spec.overhead, { cpu: '100m' });
    assert.deepEqual(p.json.spec.nodeSelector, { sandbox: 'true' });
    const missing = await c.req('POST', '/api/v1/namespaces/rc/pods', podBody('m', { runtimeClassName: 'gvisor' }));
    assert.equal(missing.status, 403);
    assert.equal(missing.json.message, 'pods "m" is forbidden: pod rejected: RuntimeClass "gvisor" not found');
  });

  void test('PodSecurity enforces and warns from namespace labels', async () => {
    await ns('psa', { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' });
    const priv = { containers: [ctr('c', { securityContext: { privileged: true } })] };
    const bad = await c.req('POST', '/api/v1/namespaces/psa/pods', podBody('bad', priv));
    assert.equal(bad.status, 403);
    assert.equal(bad.json.message, 'pods "bad" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
    const warned = await c.req('POST', '/api/v1/namespaces/psa/pods', podBody('warned'));
    assert.equal(warned.status, 201, warned.text);
    assert.match(String(warned.headers.warning), /would violate PodSecurity \\"restricted:latest\\": allowPrivilegeEscalation != false/);
    const deploy = { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: priv } } };
    const d = await c.req('POST', '/apis/apps/v1/namespaces/psa/deployments', deploy);
    assert.equal(d.status, 201, d.text);
    assert.match(String(d.headers.warning), /would violate PodSecurity \\"baseline:latest\\": privileged/);
  });

  void test('admission reads from the watch cache see a namespace relabelled by the previous request', async () => {
    await ns('psa2', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const priv = { containers: [ctr('c', { securityContext: { privileged: true } })] };
    const relabel = async (level: string): Promise<void> => {
      const r = await c.req('PATCH', '/api/v1/namespaces/psa2', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': level } } }, { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(r.status, 200, r.text);
    };
    for (let i = 0; i < 5; i++) {
      await relabel('privileged');
      const ok = await c.req('POST', '/api/v1/namespaces/psa2/pods', podBody(`priv-${i}`, priv));
      assert.equal(ok.status, 201, ok.text);
      await relabel('baseline');
      const refused = await c.req('POST', '/api/v1/namespaces/psa2/pods', podBody(`refused-${i}`, priv));
      assert.equal(refused.status, 403, refused.text);
    }
  });

  void test('NodeRestriction: a kubelet changes only its own node and pods bound to it', async () => {
    for (const name of ['a', 'b']) assert.equal((await c.req('POST', '/api/v1/nodes', { metadata: { name } })).status, 201);
    // The Node authorizer may already refuse this (with its own message); either way it is 403.
    const other = await node.req('PATCH', '/api/v1/nodes/b', { metadata: { labels: { x: 'y' } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(other.status, 403);
    assert.match(other.json.message, /^nodes "b" is forbidden: /);
    const role = await node.req('PATCH', '/api/v1/nodes/a', { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(role.status, 403);
    assert.equal(role.json.message, 'nodes "a" is forbidden: node "a" is not allowed to modify labels: node-role.kubernetes.io/control-plane');
    const own = await node.req('PATCH', '/api/v1/nodes/a', { metadata: { labels: { 'topology.kubernetes.io/zone': 'z1' } } }, { 'Content-Type': 'application/merge-patch+json' });
    assert.equal(own.status, 200, own.text);
    await ns('work');
    const pod = await node.req('POST', '/api/v1/namespaces/work/pods', podBody('static', { nodeName: 'a' }));
    assert.equal(pod.status, 403);
    assert.equal(pod.json.message, 'pods "static" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "a" can only create mirror pods');
    assert.equal((await c.req('POST', '/api/v1/namespaces/work/pods', podBody('onb', { nodeName: 'b' }))).status, 201);
    const evict = await node.req('POST', '/api/v1/namespaces/work/pods/onb/eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'onb' } });
    assert.equal(evict.status, 403);
    assert.equal(evict.json.message, 'pods "onb" is forbidden: node "a" can only evict pods with spec.nodeName set to itself');
  });
});
