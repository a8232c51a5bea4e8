/**
 * @module test/workloads.e2e.test — issue 4's acceptance, end to end on one shared cluster: a real
 * `windlass server` process (SQLite store, scheduler and controllers behind leader election) and a
 * `windlass sim` process holding 20 Linux + 20 Windows hollow nodes (Windows tainted
 * os=windows:NoSchedule), driven by the real kubectl 1.33. Each describe block is one acceptance
 * line; they share the cluster and use their own namespaces. Nodes that must change (a node added
 * later, a node that dies) come from extra `windlass sim` processes so the shared pool stays put.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createApiClient, makeKubectl, startServer, startWindlass, waitFor,
  type ApiClient, type BackgroundCli, type Kubectl, type ServerProcess,
} from './harness/index.ts';

const LINUX = 20;
const WINDOWS = 20;
const GRACE_SECONDS = 6;
const HEARTBEAT_SECONDS = 2;

let server: ServerProcess;

let api: ApiClient;
let kubectl: Kubectl;
let dir: string;
const sims: BackgroundCli[] = [];

/** startSim runs `windlass sim` against the shared server (stopped in after()). */
function startSim(args: readonly string[]): BackgroundCli {
  const s = startWindlass(['sim', '--server', server.url, '--kubeconfig', server.kubeconfigPath, '--heartbeat-ms', String(HEARTBEAT_SECONDS * 1000), ...args]);
  sims.push(s);
  return s;
}

/** kc runs kubectl and asserts success, returning stdout. */
async function kc(...args: string[]): Promise<string> {
  const r = await kubectl.run(args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.describe());
  return r.stdout;
}

/** apply writes a manifest and applies it. */
async function apply(name: string, manifest: object | string): Promise<void> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  await kc('apply', '-f', path);
}

/** list GETs a collection path and returns its items. */
async function list(path: string): Promise<any[]> {
  const r = await api.get(path);
  assert.equal(r.status, 200, r.text());
  return r.json<{ items: any[] }>().items;
}

/** nodesByOs maps node name → kubernetes.io/os label. */
async function nodeOs(): Promise<Map<string, string>> {
  return new Map((await list('/api/v1/nodes')).map((n) => [n.metadata.name as string, n.metadata.labels?.['kubernetes.io/os'] as string]));
}

/** readyNodes counts nodes whose Ready condition is True. */
async function readyNodes(): Promise<number> {
  return (await list('/api/v1/nodes')).filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
}

function isReady(p: any): boolean {
  return p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') === true;
}

/** deployment builds an apps/v1 Deployment manifest. */
function deployment(ns: string, name: string, replicas: number, podSpec: object, extra: object = {}): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec }, ...extra },
  };
}

const WINDOWS_POD = {
  nodeSelector: { 'kubernetes.io/os': 'windows' },
  tolerations: [{ key: 'os', operator: 'Equal', value: 'windows', effect: 'NoSchedule' }],
  containers: [{ name: 'iis', image: 'mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
};
const LINUX_POD = {
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  containers: [{ name: 'web', image: 'registry.local/web:a', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'windlass-workloads-'));
  server = await startServer({ extraArgs: ['--node-monitor-grace-period', String(GRACE_SECONDS)] });
  api = createApiClient(server.credentials);
  kubectl = await makeKubectl('1.33', server.kubeconfigPath);
  startSim(['--nodes', String(LINUX + WINDOWS), '--windows', String(WINDOWS), '--windows-taint']);
  await waitFor(async () => (await readyNodes()) >= LINUX + WINDOWS, { timeoutMs: 90_000, what: `${LINUX + WINDOWS} Ready hollow nodes` });
});

after(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  api?.close();
  await kubectl?.cleanup();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('1. mixed Linux/Windows placement', () => {
  test('a 200-replica Windows Deployment lands only on Windows nodes, a Linux one only on Linux nodes', async () => {
    await kc('create', 'namespace', 'mixed');
    await apply('win', deployment('mixed', 'win', 200, WINDOWS_POD));
    await apply('lin', deployment('mixed', 'lin', 60, LINUX_POD));
    const pods = await waitFor(async () => {
      const ps = await list('/api/v1/namespaces/mixed/pods');
      return ps.length === 260 && ps.every((p) => p.status?.phase === 'Running') && ps;
    }, { timeoutMs: 120_000, what: '260 running pods' });
    const os = await nodeOs();
    const placed = (app: string) => new Set(pods.filter((p) => p.metadata.labels.app === app).map((p) => os.get(p.spec.nodeName)));
    assert.deepEqual([...placed('win')], ['windows']);
    assert.deepEqual([...placed('lin')], ['linux']);
    // Spread: 200 Windows pods over 20 nodes use more than a handful of nodes.
    assert.ok(new Set(pods.filter((p) => p.metadata.labels.app === 'win').map((p) => p.spec.nodeName)).size >= 10);
  });

  test('a pod that fits nowhere stays Pending with a FailedScheduling event naming the reasons', async () => {
    await apply('huge', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge', namespace: 'mixed' },
      spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1000' } } }] },
    });
    const ev = await waitFor(async () => (await list('/api/v1/namespaces/mixed/events')).find((e) => e.involvedObject?.name === 'huge' && e.reason === 'FailedScheduling'), { timeoutMs: 30_000, what: 'FailedScheduling event' });
    assert.match(ev.message, new RegExp(`^0/${LINUX + WINDOWS} nodes are available: `));
    assert.match(ev.message, new RegExp(`${LINUX} Insufficient cpu`));
    assert.match(ev.message, new RegExp(`${WINDOWS} node\\(s\\) (had untolerated taint \\{os: windows\\}|didn't match Pod's node affinity/selector)`));
    const pod = (await api.get('/api/v1/namespaces/mixed/pods/huge')).json();
    assert.equal(pod.status.phase, 'Pending');
    assert.equal(pod.spec.nodeName, undefined);
    const cond = pod.status.conditions.find((c: any) => c.type === 'PodScheduled');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    const described = await kc('describe', 'pod', 'huge', '-n', 'mixed');
    assert.match(described, /FailedScheduling/);
  });

  after(async () => { await kubectl.run(['delete', 'namespace', 'mixed', '--wait=false']); });
});

describe('2. rolling update and undo', () => {
  test('A → B never drops below replicas - maxUnavailable ready pods; rollout undo returns to A', async () => {
    const replicas = 8;
    const maxUnavailable = 2;
    await kc('create', 'namespace', 'roll');
    const spec = { ...LINUX_POD, containers: [{ ...LINUX_POD.containers[0], readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 1 } }] };
    await apply('roll', deployment('roll', 'web', replicas, spec, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge: 2 } } }));
    await kc('rollout', 'status', 'deployment/web', '-n', 'roll', '--timeout=90s');
    // Watch the pods and count the ready ones after every event.
    const ready = new Map<string, boolean>();
    let minReady = Infinity;
    const w = api.watch('/api/v1/namespaces/roll/pods?watch=true', {
      onEvent: (e) => {
        if (e.type === 'DELETED') ready.delete(e.object.metadata.name);
        else ready.set(e.object.metadata.name, isReady(e.object) && !e.object.metadata.deletionTimestamp);
        if (ready.size >= replicas) minReady = Math.min(minReady, [...ready.values()].filter(Boolean).length);
      },
    });
    try {
      await waitFor(() => ready.size >= replicas && [...ready.values()].every(Boolean), { timeoutMs: 20_000, what: 'watch caught up' });
      minReady = replicas;
      await kc('set', 'image', 'deployment/web', 'web=registry.local/web:b', '-n', 'roll');
      await kc('rollout', 'status', 'deployment/web', '-n', 'roll', '--timeout=120s');
    } finally {
      w.close();
    }
    assert.ok(minReady >= replicas - maxUnavailable, `ready pods dropped to ${minReady}`);
    const images = async () => new Set((await list('/api/v1/namespaces/roll/pods')).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image));
    assert.deepEqual([...await images()], ['registry.local/web:b']);
    const history = await kc('rollout', 'history', 'deployment/web', '-n', 'roll');
    assert.match(history, /^1\s/m);
    assert.match(history, /^2\s/m);
    await kc('rollout', 'undo', 'deployment/web', '-n', 'roll');
    await kc('rollout', 'status', 'deployment/web', '-n', 'roll', '--timeout=120s');
    await waitFor(async () => { const s = await images(); return s.size === 1 && s.has('registry.local/web:a'); }, { timeoutMs: 60_000, what: 'pods back on image A' });
  });

  after(async () => { await kubectl.run(['delete', 'namespace', 'roll', '--wait=false']); });
});

describe('3. StatefulSet', () => {
  test('web-0..web-4 in order, each with its own PVC; scale down from the top; PVCs survive', async () => {
    await kc('create', 'namespace', 'sts');
    const created: string[] = [];
    const deleted: string[] = [];
    const w = api.watch('/api/v1/namespaces/sts/pods?watch=true', {
      onEvent: (e) => {
        if (e.type === 'ADDED') created.push(e.object.metadata.name);
        if (e.type === 'DELETED') deleted.push(e.object.metadata.name);
      },
    });
    try {
      await apply('svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'sts' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] } });
      await apply('sts', {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'sts' },
        spec: {
          serviceName: 'web', replicas: 5, selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: LINUX_POD },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        },
      });
      await kc('rollout', 'status', 'statefulset/web', '-n', 'sts', '--timeout=120s');
      assert.deepEqual(created, ['web-0', 'web-1', 'web-2', 'web-3', 'web-4']);
      const pvcs = await list('/api/v1/namespaces/sts/persistentvolumeclaims');
      assert.deepEqual(pvcs.map((p) => p.metadata.name).sort(), ['data-web-0', 'data-web-1', 'data-web-2', 'data-web-3', 'data-web-4']);
      assert.ok(pvcs.every((p) => p.status?.phase === 'Bound'), JSON.stringify(pvcs.map((p) => p.status)));
      const pods = await list('/api/v1/namespaces/sts/pods');
      for (const p of pods) {
        const claim = p.spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName;
        assert.equal(claim, `data-${p.metadata.name}`);
      }
      await kc('scale', 'statefulset/web', '--replicas=2', '-n', 'sts');
      await waitFor(async () => (await list('/api/v1/namespaces/sts/pods')).length === 2 && deleted.length === 3, { timeoutMs: 60_000, what: 'scale down to 2' });
      assert.deepEqual(deleted, ['web-4', 'web-3', 'web-2']);
      assert.equal((await list('/api/v1/namespaces/sts/persistentvolumeclaims')).length, 5);
      // A deleted pod comes back with the same claim.
      const before = (await api.get('/api/v1/namespaces/sts/pods/web-1')).json();
      await kc('delete', 'pod', 'web-1', '-n', 'sts', '--wait=false');
      const again = await waitFor(async () => {
        const r = await api.get('/api/v1/namespaces/sts/pods/web-1');
        const p = r.status === 200 ? r.json() : undefined;
        return p && p.metadata.uid !== before.metadata.uid && p.status?.phase === 'Running' && p;
      }, { timeoutMs: 60_000, what: 'web-1 recreated' }).catch(async (e: unknown) => {
        const now = (await api.get('/api/v1/namespaces/sts/pods/web-1')).text();
        throw new Error(`${String(e)}\nweb-1 now: ${now}\nserver log tail:\n${server.output().slice(-3000)}`);
      });
      assert.equal(again.spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim.claimName, 'data-web-1');
    } finally {
      w.close();
    }
  });

  after(async () => { await kubectl.run(['delete', 'namespace', 'sts', '--wait=false']); });
});

describe('4. per-OS DaemonSets', () => {
  test('each covers exactly its nodes, including a node added later', async () => {
    await kc('create', 'namespace', 'ds');
    const ds = (name: string, pod: object) => ({
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: 'ds' },
      spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod } },
    });
    await apply('ds-win', ds('win-agent', WINDOWS_POD));
    await apply('ds-lin', ds('lin-agent', LINUX_POD));
    const check = async (): Promise<boolean> => {
      const os = await nodeOs();
      const pods = (await list('/api/v1/namespaces/ds/pods')).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
      const on = (app: string) => pods.filter((p) => p.metadata.labels.app === app).map((p) => p.spec.nodeName as string).sort();
      const want = (o: string) => [...os].filter(([, v]) => v === o).map(([k]) => k).sort();
      return JSON.stringify(on('win-agent')) === JSON.stringify(want('windows')) && JSON.stringify(on('lin-agent')) === JSON.stringify(want('linux'));
    };
    await waitFor(check, { timeoutMs: 90_000, what: 'DaemonSets cover exactly their nodes' });
    startSim(['--nodes', '1', '--windows', '1', '--windows-taint', '--name-prefix', 'late']);
    await waitFor(async () => (await nodeOs()).size === LINUX + WINDOWS + 1, { timeoutMs: 30_000, what: 'late node registered' });
    await waitFor(check, { timeoutMs: 60_000, what: 'DaemonSets cover the late node' });
    const late = (await list('/api/v1/namespaces/ds/pods')).filter((p) => p.spec.nodeName?.startsWith('late'));
    assert.deepEqual(late.map((p) => p.metadata.labels.app), ['win-agent']);
  });

  after(async () => { await kubectl.run(['delete', 'namespace', 'ds', '--wait=false']); });
});

describe('5. node failure', () => {
  test('a node whose heartbeats stop goes NotReady; its pods are evicted after the toleration and replaced', async () => {
    await kc('create', 'namespace', 'fail');
    const doomedSim = startSim(['--nodes', '1', '--name-prefix', 'doomed']);
    await waitFor(async () => [...(await nodeOs()).keys()].find((n) => n.startsWith('doomed')), { timeoutMs: 30_000, what: 'doomed node' });
    const doomed = [...(await nodeOs()).keys()].find((n) => n.startsWith('doomed'))!;
    const spec = {
      ...LINUX_POD,
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [doomed] }] } }] } },
      tolerations: [
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
      ],
    };
    await apply('fail', deployment('fail', 'app', 3, spec));
    const pods = await waitFor(async () => {
      const ps = (await list('/api/v1/namespaces/fail/pods')).filter((p) => p.status?.phase === 'Running');
      return ps.length === 3 && ps;
    }, { timeoutMs: 60_000, what: '3 running pods' });
    const onDoomed = pods.filter((p) => p.spec.nodeName === doomed).map((p) => p.metadata.name as string);
    assert.ok(onDoomed.length > 0, 'the preferred node got pods');
    await doomedSim.stop();
    // The node goes Unknown (no heartbeats) and carries the unreachable taint.
    await waitFor(async () => {
      const n = (await api.get(`/api/v1/nodes/${doomed}`)).json();
      const ready = n.status.conditions.find((c: any) => c.type === 'Ready');
      return ready.status !== 'True' && n.spec.taints?.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
    }, { timeoutMs: 30_000, what: 'doomed node NotReady and tainted' });
    // Its pods are marked for deletion and 3 running replacements live elsewhere.
    await waitFor(async () => {
      const ps = await list('/api/v1/namespaces/fail/pods');
      const gone = onDoomed.every((name) => { const p = ps.find((x) => x.metadata.name === name); return !p || p.metadata.deletionTimestamp; });
      const live = ps.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && p.spec.nodeName !== doomed);
      return gone && live.length === 3;
    }, { timeoutMs: 60_000, what: 'evicted and replaced' });
  });

  after(async () => { await kubectl.run(['delete', 'namespace', 'fail', '--wait=false']); });
});

describe('6. garbage collection and namespace deletion', () => {
  for (const cascade of ['background', 'foreground', 'orphan'] as const) {
    test(`kubectl delete --cascade=${cascade}`, async () => {
      const ns = `gc-${cascade}`;
      await kc('create', 'namespace', ns);
      await apply(`gc-${cascade}`, deployment(ns, 'app', 3, LINUX_POD));
      await waitFor(async () => (await list(`/api/v1/namespaces/${ns}/pods`)).filter((p) => p.status?.phase === 'Running').length === 3, { timeoutMs: 60_000, what: '3 pods' });
      await kc('delete', 'deployment', 'app', '-n', ns, `--cascade=${cascade}`, '--timeout=60s');
      assert.equal((await api.get(`/apis/apps/v1/namespaces/${ns}/deployments/app`)).status, 404);
      if (cascade === 'orphan') {
        const rs = await waitFor(async () => { const l = await list(`/apis/apps/v1/namespaces/${ns}/replicasets`); return l.length === 1 && !l[0].metadata.ownerReferences?.length && l; }, { timeoutMs: 30_000, what: 'orphaned ReplicaSet' });
        assert.equal(rs.length, 1);
        assert.equal((await list(`/api/v1/namespaces/${ns}/pods`)).filter((p) => !p.metadata.deletionTimestamp).length, 3);
      } else {
        if (cascade === 'foreground') assert.equal((await list(`/apis/apps/v1/namespaces/${ns}/replicasets`)).length, 0, 'foreground: the owner went only after its dependents');
        await waitFor(async () => (await list(`/apis/apps/v1/namespaces/${ns}/replicasets`)).length === 0 && (await list(`/api/v1/namespaces/${ns}/pods`)).length === 0, { timeoutMs: 60_000, what: 'dependents gone' });
      }
    });
  }

  test('deleting a namespace removes everything in it', async () => {
    await kc('create', 'namespace', 'doomed-ns');
    await apply('nsdeploy', deployment('doomed-ns', 'app', 2, LINUX_POD));
    await kc('create', 'configmap', 'cm', '-n', 'doomed-ns', '--from-literal=a=b');
    await waitFor(async () => (await list('/api/v1/namespaces/doomed-ns/pods')).length === 2, { timeoutMs: 60_000, what: 'pods' });
    await kc('delete', 'namespace', 'doomed-ns', '--timeout=90s');
    assert.equal((await api.get('/api/v1/namespaces/doomed-ns')).status, 404);
    assert.equal((await list('/api/v1/pods')).filter((p) => p.metadata.namespace === 'doomed-ns').length, 0);
    assert.equal((await list('/apis/apps/v1/replicasets')).filter((p) => p.metadata.namespace === 'doomed-ns').length, 0);
  });
});
