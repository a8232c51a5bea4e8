/**
 * @module agent/pods/env.test — container environments as the kubelet builds them: `$(VAR)`
 * expansion (and `$$`), env order and overrides, ConfigMap/Secret references with `optional` and
 * kubelet's error wording, fieldRef and resourceFieldRef (divisors, node allocatable default),
 * envFrom with prefixes and skipped invalid names, and service link variables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../api/index.ts';
import { FakeClient, RESOURCES } from '../../client/index.ts';
import { expand, fieldValue, resolveEnv, resourceValue, serviceLinkEnv } from './env.ts';

void test('expand: $(VAR), $$ escapes, unknown and malformed references stay', () => {
  const vars: Record<string, string> = { A: 'x', B: 'y', EMPTY: '' };
  const look = (n: string): string | undefined => vars[n];
  const cases: [string, string][] = [
    ['$(A)', 'x'], ['pre-$(A)-$(B)-post', 'pre-x-y-post'], ['$$(A)', '$(A)'], ['$$$(A)', '$x'], ['$(MISSING)', '$(MISSING)'],
    ['$(A', '$(A'], ['$A', '$A'], ['a$', 'a$'], ['$(EMPTY)|', '|'], ['$()', '$()'], ['$$', '$'], ['plain', 'plain'],
  ];
  for (const [input, want] of cases) assert.equal(expand(input, look), want, input);
});

const pod = (containers: JsonObject[], spec: JsonObject = {}, ns = 'team'): JsonObject => ({
  metadata: { name: 'p', namespace: ns, uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers, ...spec },
});

function client(): FakeClient {
  const c = new FakeClient();
  c.seed(RESOURCES.configmaps, { metadata: { name: 'cfg', namespace: 'team' }, data: { mode: 'fast', 'bad key': 'x', level: '3' } });
  c.seed(RESOURCES.secrets, { metadata: { name: 'sec', namespace: 'team' }, type: 'Opaque', data: { token: Buffer.from('s3cret').toString('base64') } });
  c.seed(RESOURCES.services, { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } });
  c.seed(RESOURCES.services, { metadata: { name: 'my-db', namespace: 'team' }, spec: { clusterIP: '10.96.0.9', ports: [{ name: 'sql', port: 5432 }] } });
  c.seed(RESOURCES.services, { metadata: { name: 'headless', namespace: 'team' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
  return c;
}

const ctx = (c?: FakeClient): Parameters<typeof resolveEnv>[2] => ({ ...(c ? { client: c } : {}), podIps: ['10.1.0.5', 'fd00::5'], hostIps: ['192.168.0.2'], allocatable: async () => ({ cpu: 4, memory: 8 * 2 ** 30 }) });

const asMap = (r: Awaited<ReturnType<typeof resolveEnv>>): Map<string, string> => {
  assert.ok(r.ok, r.ok ? '' : r.message);
  return new Map(r.envs.map((e) => [e.key, e.value]));
};

void test('resolveEnv: literals, references, downward API and expansion in order', async () => {
  const c = {
    name: 'app', image: 'i', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    env: [
      { name: 'A', value: 'one' },
      { name: 'B', value: '$(A)-two-$(MY_DB_SERVICE_HOST)' },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'token' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
      { name: 'OPTKEY', valueFrom: { secretKeyRef: { name: 'sec', key: 'x', optional: true } } },
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
      { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
      { name: 'CPU_LIM', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'MEM_LIM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'A', value: 'redefined' },
    ],
  };
  const env = asMap(await resolveEnv(pod([c]), c, ctx(client())));
  const want: Record<string, string> = {
    A: 'redefined', B: 'one-two-10.96.0.9', MODE: 'fast', TOKEN: 's3cret', NAME: 'p', LABEL: 'web', IPS: '10.1.0.5,fd00::5',
    CPU_REQ: '250', CPU_LIM: '4', MEM_LIM: '128', KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', MY_DB_SERVICE_PORT_SQL: '5432',
  };
  for (const [k, v] of Object.entries(want)) assert.equal(env.get(k), v, k);
  assert.equal(env.has('OPT') || env.has('OPTKEY'), false, 'optional misses are left out');
  assert.equal(env.has('HEADLESS_SERVICE_HOST'), false);
  const r = await resolveEnv(pod([c]), c, ctx(client()));
  assert.ok(r.ok);
  assert.deepEqual(r.envs.slice(0, 2).map((e) => e.key), ['A', 'B'], 'a redefined variable keeps its first position');
});

void test('resolveEnv: missing ConfigMaps, Secrets and keys give kubelet’s CreateContainerConfigError messages', async () => {
  const cases: [JsonObject, string][] = [
    [{ configMapKeyRef: { name: 'gone', key: 'k' } }, 'configmap "gone" not found'],
    [{ configMapKeyRef: { name: 'cfg', key: 'k' } }, "couldn't find key k in ConfigMap team/cfg"],
    [{ secretKeyRef: { name: 'gone', key: 'k' } }, 'secret "gone" not found'],
    [{ secretKeyRef: { name: 'sec', key: 'k' } }, "couldn't find key k in Secret team/sec"],
  ];
  for (const [valueFrom, message] of cases) {
    const c = { name: 'app', env: [{ name: 'X', valueFrom }] };
    assert.deepEqual(await resolveEnv(pod([c]), c, ctx(client())), { ok: false, message });
  }
  const ef = { name: 'app', envFrom: [{ secretRef: { name: 'gone' } }] };
  assert.deepEqual(await resolveEnv(pod([ef]), ef, ctx(client())), { ok: false, message: 'secret "gone" not found' });
});

void test('resolveEnv: envFrom with prefix, optional sources and skipped invalid names; env overrides envFrom', async () => {
  const c = { name: 'app', envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }, { configMapRef: { name: 'nope', optional: true } }], env: [{ name: 'CFG_level', value: '9' }] };
  const r = await resolveEnv(pod([c]), c, ctx(client()));
  const env = asMap(r);
  assert.equal(env.get('CFG_mode'), 'fast');
  assert.equal(env.get('CFG_level'), '9');
  assert.equal(env.get('token'), 's3cret');
  assert.ok(r.ok);
  assert.deepEqual(r.skipped, ['Keys [CFG_bad key] from the EnvFrom configMap team/cfg were skipped since they are considered invalid environment variable names.']);
});

void test('resolveEnv: enableServiceLinks false keeps only the kubernetes Service; without a client only literals and the downward API', async () => {
  const c = { name: 'app', env: [{ name: 'X', value: '$(MY_DB_SERVICE_HOST)' }, { name: 'N', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }, { name: 'M', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } }] };
  const env = asMap(await resolveEnv(pod([c], { enableServiceLinks: false }), c, ctx(client())));
  assert.equal(env.get('X'), '$(MY_DB_SERVICE_HOST)');
  assert.equal(env.get('KUBERNETES_PORT_443_TCP_ADDR'), '10.96.0.1');
  assert.equal(env.has('MY_DB_SERVICE_HOST'), false);
  const bare = asMap(await resolveEnv(pod([c]), c, ctx()));
  assert.deepEqual([...bare], [['X', '$(MY_DB_SERVICE_HOST)'], ['N', 'n1']]);
});

void test('serviceLinkEnv renders docker-link variables', () => {
  const env = serviceLinkEnv([{ metadata: { name: 'redis-main' }, spec: { clusterIP: '10.0.0.11', ports: [{ name: 'db', port: 6379, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } }]);
  assert.deepEqual(env.map((e) => `${e.key}=${e.value}`), [
    'REDIS_MAIN_SERVICE_HOST=10.0.0.11', 'REDIS_MAIN_SERVICE_PORT=6379', 'REDIS_MAIN_SERVICE_PORT_DB=6379', 'REDIS_MAIN_PORT=tcp://10.0.0.11:6379',
    'REDIS_MAIN_PORT_6379_TCP=tcp://10.0.0.11:6379', 'REDIS_MAIN_PORT_6379_TCP_PROTO=tcp', 'REDIS_MAIN_PORT_6379_TCP_PORT=6379', 'REDIS_MAIN_PORT_6379_TCP_ADDR=10.0.0.11',
    'REDIS_MAIN_PORT_53_UDP=udp://10.0.0.11:53', 'REDIS_MAIN_PORT_53_UDP_PROTO=udp', 'REDIS_MAIN_PORT_53_UDP_PORT=53', 'REDIS_MAIN_PORT_53_UDP_ADDR=10.0.0.11',
  ]);
});

void test('fieldValue and resourceValue tables', () => {
  const p = pod([]);
  const fields: [string, string | undefined][] = [
    ['metadata.namespace', 'team'], ['metadata.uid', 'u-1'], ["metadata.annotations['note']", 'hi'], ["metadata.labels['none']", ''],
    ['spec.serviceAccountName', 'sa'], ['status.hostIP', '192.168.0.2'], ['status.hostIPs', '192.168.0.2'], ['status.podIP', '10.1.0.5'], ['spec.bogus', undefined],
  ];
  for (const [path, want] of fields) assert.equal(fieldValue(p, path, ['10.1.0.5'], ['192.168.0.2']), want, path);
  const c = { resources: { requests: { cpu: '1500m', memory: '1Gi' }, limits: { cpu: '2' } } };
  const alloc = { cpu: 8, memory: 16 * 2 ** 30 };
  const res: [string, unknown, string][] = [
    ['requests.cpu', undefined, '2'], ['requests.cpu', '1m', '1500'], ['limits.cpu', '100m', '20'], ['requests.memory', '1Mi', '1024'],
    ['limits.memory', '1Gi', '16'], ['limits.memory', undefined, String(16 * 2 ** 30)], ['requests.ephemeral-storage', undefined, '0'],
  ];
  for (const [r, d, want] of res) assert.equal(resourceValue(c, r, d, alloc), want, `${r}/${String(d)}`);
});
