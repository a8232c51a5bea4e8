/**
 * Unit tests of the renderer: golden snippets of the chains and map elements each kind of service
 * produces, and every rendered ruleset validated by the real nft in check mode (`nft -c -f -`,
 * nothing committed) when nft is usable here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyEndpoint, ProxyModel, ServicePortModel } from './model.ts';
import { fragmentFor, renderDelete, renderFull } from './render.ts';
import { nftCheck } from './nft.ts';
import { canUseNetns } from './testbed.ts';

const nftOk = await canUseNetns();

const ep = (ip: string, port = 8080, local = true): ProxyEndpoint => ({ ip, port, local });
const sp = (over: Partial<ServicePortModel>): ServicePortModel => ({
  key: 'ns/web/tcp/http', namespace: 'ns', name: 'web', portName: 'http', protocol: 'tcp', clusterIP: '10.96.0.10', port: 80,
  nodePort: 0, externalIPs: [], loadBalancerIPs: [], affinitySeconds: 0, internalLocal: false, externalLocal: false,
  clusterEndpoints: [], externalEndpoints: [], hasEndpoints: false, ...over,
});
const mdl = (services: ServicePortModel[], over: Partial<ProxyModel> = {}): ProxyModel => ({
  family: 'ip', nodeIps: ['192.168.0.1'], clusterCidrs: ['10.244.0.0/16'], nodePortAddresses: [], services, ...over,
});
const render = (m: ProxyModel): string => renderFull(m, m.services.map((s) => fragmentFor({ family: m.family, clusterCidrs: m.clusterCidrs }, s)));
/** chain returns the rule lines of one chain in a full script. */
function chain(script: string, name: string): string[] {
  const lines = script.split('\n');
  const i = lines.indexOf(`  chain ${name} {`);
  assert.ok(i >= 0, `chain ${name} missing`);
  const out: string[] = [];
  for (let j = i + 1; lines[j] !== '  }'; j++) out.push(lines[j].trim());
  return out;
}
function elements(script: string, map: string): string {
  const m = new RegExp(`  (?:map|set) ${map} \\{\\n(?:    (?!elements)[^\\n]*\\n)+(?:    elements = \\{ ([^}]*) \\}\\n)?  \\}`).exec(script);
  assert.ok(m, `map ${map} missing`);
  return (m[1] ?? '').replace(/,\n\s+/g, ', ');
}

const two = [ep('10.244.0.5'), ep('10.244.1.5', 8080, false)];
const cases: { name: string; model: ProxyModel; check(s: string): void }[] = [
  {
    name: 'ClusterIP with two endpoints: verdict element to the shared 2-backend chain, backends by index',
    model: mdl([sp({ clusterEndpoints: two, externalEndpoints: two, hasEndpoints: true })]),
    check: (s) => {
      assert.equal(elements(s, 'service-ips'), '10.96.0.10 . tcp . 80 : goto lb-c-2');
      assert.equal(elements(s, 'be-2'), '10.96.0.10 . tcp . 80 . 0 : 10.244.0.5 . 8080, 10.96.0.10 . tcp . 80 . 1 : 10.244.1.5 . 8080');
      assert.match(s, /  map be-2 \{\n    typeof ip daddr \. meta l4proto \. th dport \. numgen random mod 1 : ip daddr \. tcp dport\n/);
      assert.deepEqual(chain(s, 'lb-c-2'), [
        'ip saddr != 10.244.0.0/16 meta mark set meta mark | 0x4000',
        'meta l4proto tcp dnat to ip daddr . meta l4proto . th dport . numgen random mod 2 map @be-2',
        'meta l4proto udp dnat to ip daddr . meta l4proto . th dport . numgen random mod 2 map @be-2',
        'meta l4proto sctp dnat to ip daddr . meta l4proto . th dport . numgen random mod 2 map @be-2',
      ]);
      assert.equal(elements(s, 'hairpin'), '10.244.0.5 . 10.244.0.5', 'only the node-local endpoint can hairpin here');
      assert.equal(elements(s, 'no-endpoint-services'), '');
      assert.doesNotMatch(s, /chain (svc|ext|np)-/);
    },
  },
  {
    name: 'no endpoints at all: reject for the cluster IP, the node port and external IPs',
    model: mdl([sp({ nodePort: 30080, externalIPs: ['198.51.100.1'] })]),
    check: (s) => {
      assert.equal(elements(s, 'no-endpoint-services'), '10.96.0.10 . tcp . 80 : goto reject-chain, 198.51.100.1 . tcp . 80 : goto reject-chain');
      assert.equal(elements(s, 'no-endpoint-nodeports'), 'tcp . 30080 : goto reject-chain');
      assert.equal(elements(s, 'service-ips'), '');
      assert.deepEqual(chain(s, 'reject-chain'), ['meta l4proto tcp reject with tcp reset', 'reject with icmp type host-unreachable']);
    },
  },
  {
    name: 'NodePort, policy Cluster: everything masqueraded; node ports and LB IPs use their own shared chains',
    model: mdl([sp({ protocol: 'udp', key: 'ns/dns/udp/dns', port: 53, nodePort: 30053, loadBalancerIPs: ['203.0.113.7'], clusterEndpoints: [ep('10.244.0.9', 5353)], externalEndpoints: [ep('10.244.0.9', 5353)], hasEndpoints: true })]),
    check: (s) => {
      assert.equal(elements(s, 'service-nodeports'), 'udp . 30053 : goto np-x-1');
      assert.equal(elements(s, 'nbe-1'), 'udp . 30053 . 0 : 10.244.0.9 . 5353');
      assert.equal(elements(s, 'service-ips'), '10.96.0.10 . udp . 53 : goto lb-c-1, 203.0.113.7 . udp . 53 : goto lb-x-1');
      assert.equal(elements(s, 'be-1'), '10.96.0.10 . udp . 53 . 0 : 10.244.0.9 . 5353, 203.0.113.7 . udp . 53 . 0 : 10.244.0.9 . 5353');
      assert.deepEqual(chain(s, 'np-x-1').slice(0, 2), ['meta mark set meta mark | 0x4000', 'meta l4proto tcp dnat to meta l4proto . th dport . numgen random mod 1 map @nbe-1']);
      assert.equal(chain(s, 'lb-x-1')[0], 'meta mark set meta mark | 0x4000');
    },
  },
  {
    name: 'externalTrafficPolicy Local: only node-local clients are masqueraded; none local → drop',
    model: mdl([
      sp({ nodePort: 30001, externalLocal: true, clusterEndpoints: two, externalEndpoints: [two[0]], hasEndpoints: true }),
      sp({ key: 'ns/far/tcp/http', name: 'far', clusterIP: '10.96.0.11', nodePort: 30002, externalLocal: true, clusterEndpoints: [two[1]], externalEndpoints: [], hasEndpoints: true }),
    ]),
    check: (s) => {
      assert.equal(chain(s, 'np-l-1')[0], 'fib saddr type local meta mark set meta mark | 0x4000');
      assert.equal(elements(s, 'nbe-1'), 'tcp . 30001 . 0 : 10.244.0.5 . 8080');
      assert.equal(elements(s, 'no-endpoint-nodeports'), 'tcp . 30002 : drop');
      assert.equal(elements(s, 'service-nodeports'), 'tcp . 30001 : goto np-l-1');
    },
  },
  {
    name: 'internalTrafficPolicy Local with no local endpoint: drop for the cluster IP',
    model: mdl([sp({ internalLocal: true, clusterEndpoints: [], externalEndpoints: [two[1]], hasEndpoints: true })]),
    check: (s) => assert.equal(elements(s, 'no-endpoint-services'), '10.96.0.10 . tcp . 80 : drop'),
  },
  {
    name: 'ClientIP affinity keeps per-service chains: per-endpoint timeout sets and chains, sticky lookups before the random pick',
    model: mdl([sp({ affinitySeconds: 60, clusterEndpoints: two, externalEndpoints: two, hasEndpoints: true })]),
    check: (s) => {
      assert.match(s, /set aff-ns\/web\/tcp\/http\/10\.244\.0\.5\/8080 \{ type ipv4_addr; flags dynamic,timeout; timeout 60s; \}/);
      assert.deepEqual(chain(s, 'svc-ns/web/tcp/http').slice(1), [
        'ip saddr @aff-ns/web/tcp/http/10.244.0.5/8080 goto sep-ns/web/tcp/http/10.244.0.5/8080',
        'ip saddr @aff-ns/web/tcp/http/10.244.1.5/8080 goto sep-ns/web/tcp/http/10.244.1.5/8080',
        'numgen random mod 2 == 0 goto sep-ns/web/tcp/http/10.244.0.5/8080',
        'goto sep-ns/web/tcp/http/10.244.1.5/8080',
      ]);
      assert.deepEqual(chain(s, 'sep-ns/web/tcp/http/10.244.1.5/8080'), [
        'update @aff-ns/web/tcp/http/10.244.1.5/8080 { ip saddr }',
        'meta l4proto tcp dnat to 10.244.1.5:8080',
      ]);
    },
  },
  {
    name: 'several cluster CIDRs use a named interval set; nodePortAddresses restrict node ports',
    model: mdl([sp({ protocol: 'sctp', key: 'ns/s/sctp/x', nodePort: 30099, clusterEndpoints: [ep('10.244.0.5')], externalEndpoints: [ep('10.244.0.5')], hasEndpoints: true })],
      { clusterCidrs: ['10.244.0.0/16', '10.245.0.0/16'], nodePortAddresses: ['192.168.0.1'] }),
    check: (s) => {
      assert.equal(chain(s, 'lb-c-1')[0], 'ip saddr != @cluster-cidrs meta mark set meta mark | 0x4000');
      assert.equal(elements(s, 'nbe-1'), 'sctp . 30099 . 0 : 10.244.0.5 . 8080');
      assert.equal(elements(s, 'cluster-cidrs'), '10.244.0.0/16, 10.245.0.0/16');
      assert.equal(chain(s, 'services')[1], 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports');
      assert.equal(chain(s, 'nodeport-endpoints-check')[0], 'ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports');
    },
  },
  {
    name: 'no cluster CIDR: no masquerade mark for cluster IP traffic; base chains per nft 1.0.6',
    model: mdl([sp({ clusterEndpoints: [ep('10.244.0.5')], externalEndpoints: [ep('10.244.0.5')], hasEndpoints: true })], { clusterCidrs: [] }),
    check: (s) => {
      assert.equal(chain(s, 'lb-c-1').length, 3, 'no mark rule, one DNAT rule per protocol');
      assert.equal(chain(s, 'nat-output')[0], 'type nat hook output priority -100; policy accept;');
      assert.equal(chain(s, 'nat-prerouting')[0], 'type nat hook prerouting priority dstnat; policy accept;');
      assert.deepEqual(chain(s, 'masquerading'), [
        'ct status dnat ip saddr . ip daddr @hairpin masquerade fully-random',
        'meta mark & 0x4000 == 0 return', 'meta mark set meta mark ^ 0x4000', 'masquerade fully-random',
      ]);
      assert.deepEqual(s.split('\n').slice(0, 3), ['add table ip windlass-proxy', 'delete table ip windlass-proxy', 'table ip windlass-proxy {']);
    },
  },
  {
    name: 'ip6 family: ip6 matches, bracketed dnat targets, names without colons',
    model: mdl([
      sp({ clusterIP: 'fd00:96::10', clusterEndpoints: [ep('fd00:244::5')], externalEndpoints: [ep('fd00:244::5')], hasEndpoints: true, affinitySeconds: 5 }),
      sp({ key: 'ns/b/tcp/http', clusterIP: 'fd00:96::11', nodePort: 30111, clusterEndpoints: [ep('fd00:244::6')], externalEndpoints: [ep('fd00:244::6')], hasEndpoints: true }),
    ], { family: 'ip6', clusterCidrs: ['fd00:244::/64'] }),
    check: (s) => {
      assert.match(s, /^table ip6 windlass-proxy \{$/m);
      assert.deepEqual(chain(s, 'sep-ns/web/tcp/http/fd00_244__5/8080'), [
        'update @aff-ns/web/tcp/http/fd00_244__5/8080 { ip6 saddr }', 'meta l4proto tcp dnat to [fd00:244::5]:8080',
      ]);
      assert.equal(chain(s, 'svc-ns/web/tcp/http')[0], 'ip6 saddr != fd00:244::/64 meta mark set meta mark | 0x4000');
      assert.equal(elements(s, 'be-1'), 'fd00:96::11 . tcp . 80 . 0 : fd00:244::6 . 8080');
      assert.equal(chain(s, 'lb-c-1')[1], 'meta l4proto tcp dnat to ip6 daddr . meta l4proto . th dport . numgen random mod 1 map @be-1');
    },
  },
];

for (const c of cases) {
  test(`render: ${c.name}`, async () => {
    const script = render(c.model);
    c.check(script);
    if (nftOk) await nftCheck(script);
  });
}

test('render: an empty model is a valid table; renderDelete is safe when the table is absent', { skip: !nftOk && 'nft not usable' }, async () => {
  await nftCheck(render(mdl([])));
  await nftCheck(renderDelete('ip', 'windlass-proxy-absent'));
});

test('render: nft check mode catches a broken script with nft\'s message', { skip: !nftOk && 'nft not usable' }, async () => {
  await assert.rejects(nftCheck('table ip x {\n  chain c {\n    ip daddr 10.0.0.1 dnat to 10.0.0.2:80\n  }\n}\n'), /transport protocol mapping is only valid after transport protocol match/);
});
