/**
 * Unit tests of NftProxy's sync logic with a recording runner: the first sync replaces the table,
 * later ones touch only changed service ports, in an order the kernel accepts — checked by nft
 * itself: each incremental script is validated in check mode right after the full script it
 * follows, as one transaction (`nft -c`, nothing committed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../client/index.ts';
import type { ProxyEndpoint, ProxyModel, ServicePortModel } from './model.ts';
import { nftCheck } from './nft.ts';
import { NftProxy } from './proxy.ts';
import { canUseNetns } from './testbed.ts';

const nftOk = await canUseNetns();

const ep = (ip: string): ProxyEndpoint => ({ ip, port: 8080, local: true });
const sp = (name: string, ip: string, eps: ProxyEndpoint[], over: Partial<ServicePortModel> = {}): ServicePortModel => ({
  key: `ns/${name}/tcp/http`, namespace: 'ns', name, portName: 'http', protocol: 'tcp', clusterIP: ip, port: 80,
  nodePort: 0, externalIPs: [], loadBalancerIPs: [], affinitySeconds: 0, internalLocal: false, externalLocal: false,
  clusterEndpoints: eps, externalEndpoints: eps, hasEndpoints: eps.length > 0, ...over,
});
const mdl = (services: ServicePortModel[], clusterCidrs = ['10.244.0.0/16']): ProxyModel => ({ family: 'ip', nodeIps: [], clusterCidrs, nodePortAddresses: [], services });

/** recorder returns an NftProxy whose runner records scripts (and can be told to fail). */
function recorder(): { proxy: NftProxy; scripts: string[]; failNext: (n?: number) => void; logs: string[] } {
  const scripts: string[] = [];
  const logs: string[] = [];
  let fail = 0;
  const proxy = new NftProxy({
    nft: async (s) => {
      scripts.push(s);
      if (fail > 0) { fail--; throw new Error('nft failed: boom'); }
    },
    clock: new FakeClock(), log: (m) => logs.push(m),
  });
  return { proxy, scripts, logs, failNext: (n = 1) => { fail = n; } };
}

const A = ['10.244.0.5', '10.244.0.6', '10.244.0.7'].map(ep);

test('proxy: first sync is full, an unchanged model sends nothing', async () => {
  const r = recorder();
  const m = mdl([sp('a', '10.96.0.1', A), sp('b', '10.96.0.2', A)]);
  assert.deepEqual(await r.proxy.sync(m), { full: true, ms: 0 });
  assert.match(r.scripts[0], /^add table ip windlass-proxy\ndelete table ip windlass-proxy\ntable ip windlass-proxy \{/);
  assert.deepEqual(await r.proxy.sync(mdl([sp('a', '10.96.0.1', A), sp('b', '10.96.0.2', A)])), { full: false, ms: 0 });
  assert.equal(r.scripts.length, 1);
});

const T = 'ip windlass-proxy';
const steps: { name: string; before: ServicePortModel[]; after: ServicePortModel[]; expect: RegExp[]; never: RegExp[] }[] = [
  {
    name: 'an endpoint is replaced: one backend element and the hairpin entries change, nothing else',
    before: [sp('a', '10.96.0.1', A), sp('b', '10.96.0.2', [ep('10.244.0.9')])],
    after: [sp('a', '10.96.0.1', [...A.slice(0, 2), ep('10.244.0.8')]), sp('b', '10.96.0.2', [ep('10.244.0.9')])],
    expect: [new RegExp(`^delete element ${T} be-3 \\{ 10\\.96\\.0\\.1 \\. tcp \\. 80 \\. 2 \\}\\n` +
      `delete element ${T} hairpin \\{ 10\\.244\\.0\\.7 \\. 10\\.244\\.0\\.7 \\}\\n` +
      `add element ${T} be-3 \\{ 10\\.96\\.0\\.1 \\. tcp \\. 80 \\. 2 : 10\\.244\\.0\\.8 \\. 8080 \\}\\n` +
      `add element ${T} hairpin \\{ 10\\.244\\.0\\.8 \\. 10\\.244\\.0\\.8 \\}\\n$`)],
    never: [/table/, /chain/, /10\.96\.0\.2/, /service-ips/],
  },
  {
    name: 'an endpoint leaves: the service moves to the 2-backend chain, which is created on first use',
    before: [sp('a', '10.96.0.1', A), sp('b', '10.96.0.2', [ep('10.244.0.9')])],
    after: [sp('a', '10.96.0.1', A.slice(0, 2)), sp('b', '10.96.0.2', [ep('10.244.0.9')])],
    expect: [/^delete element ip windlass-proxy service-ips \{ 10\.96\.0\.1 \. tcp \. 80 \}$/m,
      /^delete element ip windlass-proxy be-3 \{ 10\.96\.0\.1 \. tcp \. 80 \. 0, 10\.96\.0\.1 \. tcp \. 80 \. 1, 10\.96\.0\.1 \. tcp \. 80 \. 2 \}$/m,
      /^add map ip windlass-proxy be-2 \{ typeof [^}]+; \}\nadd chain ip windlass-proxy lb-c-2\n/m,
      /^add element ip windlass-proxy service-ips \{ 10\.96\.0\.1 \. tcp \. 80 : goto lb-c-2 \}$/m,
      /^delete element ip windlass-proxy hairpin \{ 10\.244\.0\.7 \. 10\.244\.0\.7 \}$/m],
    never: [/table/, /10\.96\.0\.2/, /flush/],
  },
  {
    name: 'a service goes away: its elements go, shared chains stay',
    before: [sp('a', '10.96.0.1', A), sp('b', '10.96.0.2', A)],
    after: [sp('a', '10.96.0.1', A)],
    expect: [/^delete element ip windlass-proxy service-ips \{ 10\.96\.0\.2 \. tcp \. 80 \}\ndelete element ip windlass-proxy be-3 \{ 10\.96\.0\.2 \. tcp \. 80 \. 0, 10\.96\.0\.2 \. tcp \. 80 \. 1, 10\.96\.0\.2 \. tcp \. 80 \. 2 \}\n$/],
    never: [/chain/, /hairpin/],
  },
  {
    name: 'a new service: its shared chain and map first, then its elements',
    before: [sp('a', '10.96.0.1', A)],
    after: [sp('a', '10.96.0.1', A), sp('c', '10.96.0.3', [ep('10.244.0.20')])],
    expect: [/add map ip windlass-proxy be-1 \{ [^}]+ \}\nadd chain ip windlass-proxy lb-c-1\n(add rule ip windlass-proxy lb-c-1 [^\n]+\n){4}add element ip windlass-proxy service-ips \{ 10\.96\.0\.3 \. tcp \. 80 : goto lb-c-1 \}\nadd element ip windlass-proxy be-1 \{ 10\.96\.0\.3 \. tcp \. 80 \. 0 : 10\.244\.0\.20 \. 8080 \}\nadd element ip windlass-proxy hairpin \{ 10\.244\.0\.20 \. 10\.244\.0\.20 \}/],
    never: [/flush/, /delete/],
  },
  {
    name: 'the last endpoint goes: the service moves to the reject map',
    before: [sp('a', '10.96.0.1', A)],
    after: [sp('a', '10.96.0.1', [])],
    expect: [/delete element ip windlass-proxy service-ips/, /delete element ip windlass-proxy be-3/, /add element ip windlass-proxy no-endpoint-services \{ 10\.96\.0\.1 \. tcp \. 80 : goto reject-chain \}/],
    never: [/chain ip/, /flush/],
  },
  {
    name: 'endpoints come back to a rejecting service',
    before: [sp('a', '10.96.0.1', [])],
    after: [sp('a', '10.96.0.1', A.slice(0, 1))],
    expect: [/delete element ip windlass-proxy no-endpoint-services \{ 10\.96\.0\.1 \. tcp \. 80 \}/, /add chain ip windlass-proxy lb-c-1/, /add element ip windlass-proxy service-ips \{ 10\.96\.0\.1 \. tcp \. 80 : goto lb-c-1 \}/],
    never: [/flush/],
  },
  {
    name: 'affinity: a removed endpoint takes its chain and set with it; a changed timeout recreates sets',
    before: [sp('a', '10.96.0.1', A, { affinitySeconds: 60 })],
    after: [sp('a', '10.96.0.1', A.slice(1), { affinitySeconds: 30 })],
    expect: [/^delete chain ip windlass-proxy sep-ns\/a\/tcp\/http\/10\.244\.0\.5\/8080$/m, /^delete set ip windlass-proxy aff-ns\/a\/tcp\/http\/10\.244\.0\.5\/8080$/m,
      /^add set ip windlass-proxy aff-ns\/a\/tcp\/http\/10\.244\.0\.6\/8080 \{ [^}]*timeout 30s; \}$/m, /^flush chain ip windlass-proxy sep-ns\/a\/tcp\/http\/10\.244\.0\.6\/8080$/m],
    never: [/add chain/],
  },
  {
    name: 'affinity switched off: per-service chains and sets go after the element that pointed at them',
    before: [sp('a', '10.96.0.1', A, { affinitySeconds: 60 })],
    after: [sp('a', '10.96.0.1', A)],
    expect: [/^delete element ip windlass-proxy service-ips \{ 10\.96\.0\.1 \. tcp \. 80 \}\n(.*\n)*delete chain ip windlass-proxy svc-ns\/a\/tcp\/http\n/m,
      /^delete set ip windlass-proxy aff-ns\/a\/tcp\/http\/10\.244\.0\.7\/8080$/m, /^add element ip windlass-proxy service-ips \{ 10\.96\.0\.1 \. tcp \. 80 : goto lb-c-3 \}$/m],
    never: [/hairpin/],
  },
  {
    name: 'a hairpin entry shared by two services stays while one still uses it',
    before: [sp('a', '10.96.0.1', A), sp('b', '10.96.0.2', A.slice(0, 1))],
    after: [sp('a', '10.96.0.1', A.slice(1)), sp('b', '10.96.0.2', A.slice(0, 1))],
    expect: [/delete element ip windlass-proxy be-3 \{ 10\.96\.0\.1/],
    never: [/hairpin/],
  },
  {
    name: 'NodePort added to a service: node-port chain, map and elements',
    before: [sp('a', '10.96.0.1', A)],
    after: [sp('a', '10.96.0.1', A, { nodePort: 30080 })],
    expect: [/add map ip windlass-proxy nbe-3 \{ typeof meta l4proto \. th dport \. numgen random mod 1 : ip daddr \. tcp dport; \}\nadd chain ip windlass-proxy np-x-3/,
      /add element ip windlass-proxy service-nodeports \{ tcp \. 30080 : goto np-x-3 \}/, /add element ip windlass-proxy nbe-3 \{ tcp \. 30080 \. 0 : 10\.244\.0\.5 \. 8080, /],
    never: [/flush/, /delete/],
  },
];

for (const s of steps) {
  test(`proxy: incremental — ${s.name}`, async () => {
    const r = recorder();
    await r.proxy.sync(mdl(s.before));
    const res = await r.proxy.sync(mdl(s.after));
    assert.equal(res.full, false);
    assert.equal(r.scripts.length, 2, 'one transaction');
    const inc = r.scripts[1];
    for (const re of s.expect) assert.match(inc, re);
    for (const re of s.never) assert.doesNotMatch(inc, re);
    if (nftOk) await nftCheck(r.scripts[0] + inc);
    // A third sync back to the first model must also be a valid increment.
    await r.proxy.sync(mdl(s.before));
    if (nftOk && (r.scripts.length as number) === 3) await nftCheck(r.scripts[0] + inc + r.scripts[2]);
  });
}

test('proxy: a change of the node-wide settings replaces the table', async () => {
  const r = recorder();
  await r.proxy.sync(mdl([sp('a', '10.96.0.1', A)]));
  const res = await r.proxy.sync(mdl([sp('a', '10.96.0.1', A)], ['10.244.0.0/16', '10.245.0.0/16']));
  assert.equal(res.full, true);
  assert.match(r.scripts[1], /^add table ip windlass-proxy\ndelete table/);
});

test('proxy: a refused increment falls back to a full replace; a refused full sync throws and the next sync is full', async () => {
  const r = recorder();
  await r.proxy.sync(mdl([sp('a', '10.96.0.1', A)]));
  r.failNext();
  const res = await r.proxy.sync(mdl([sp('a', '10.96.0.1', A.slice(1))]));
  assert.equal(res.full, true);
  assert.equal(r.scripts.length, 3);
  assert.match(r.logs.join('\n'), /incremental sync failed, replacing the table: nft failed: boom/);
  r.failNext(2); // the increment, then the full replace it falls back to
  await assert.rejects(r.proxy.sync(mdl([sp('a', '10.96.0.1', A)])), /boom/);
  const again = await r.proxy.sync(mdl([sp('a', '10.96.0.1', A)]));
  assert.equal(again.full, true);
});

test('proxy: close deletes the table', async () => {
  const r = recorder();
  await r.proxy.sync(mdl([]));
  await r.proxy.close();
  assert.equal(r.scripts.at(-1), 'add table ip windlass-proxy\ndelete table ip windlass-proxy\n');
});
