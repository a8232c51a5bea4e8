/**
 * Unit: the nftables renderer — the script's shape (established first, vmaps, sets with except
 * holes, port ranges, shared chains, removal when nothing is isolated) and, where nft is installed
 * and we may use it, the kernel's own check of every rendered script (`nft -c -f -` in a throwaway
 * network namespace, changing nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { PolicyModel } from './model.ts';
import { nftRunner } from './nft.ts';
import { removePolicyScript, renderPolicyRuleset } from './render.ts';

const canCheck = process.getuid?.() === 0 && ['/usr/sbin/nft', '/sbin/nft'].some(existsSync) && existsSync('/usr/bin/unshare');
const check = nftRunner({ check: true, prefix: ['unshare', '-n'] });

const model: PolicyModel = {
  pods: [
    { namespace: 'prod', name: 'web', ips: ['10.0.1.1', 'fd00::1:1'], policies: ['prod/a'], ingress: [
      { peers: { ips: ['10.0.1.3', 'fd00::1:3'], blocks: [{ cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] }] }, ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 8000, endPort: 8100 }, { protocol: 'UDP' }] },
      { peers: 'any', ports: [{ protocol: 'SCTP', port: 9 }] },
      { peers: { ips: [], blocks: [] }, ports: 'any' },
    ] },
    { namespace: 'prod', name: 'web2', ips: ['10.0.1.4'], policies: ['prod/a'], ingress: [
      { peers: { ips: ['10.0.1.3', 'fd00::1:3'], blocks: [{ cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] }] }, ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 8000, endPort: 8100 }, { protocol: 'UDP' }] },
      { peers: 'any', ports: [{ protocol: 'SCTP', port: 9 }] },
      { peers: { ips: [], blocks: [] }, ports: 'any' },
    ] },
    { namespace: 'prod', name: 'multi', ips: ['10.0.1.5'], policies: ['prod/c'], ingress: [{ peers: 'any', ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 8000, endPort: 8100 }, { protocol: 'TCP', port: 81 }] }] },
    { namespace: 'prod', name: 'client', ips: ['10.0.1.3'], policies: ['prod/b'], ingress: [], egress: [
      { peers: 'any', ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { peers: { ips: ['10.0.1.1'], blocks: [] }, ports: 'any' },
    ] },
  ],
};

test('render: established first, vmaps per family, shared chains, sets with except holes, port ranges', () => {
  const s = renderPolicyRuleset(model);
  assert.match(s, /^add table inet windlass-policy\ndelete table inet windlass-policy\ntable inet windlass-policy \{$/m);
  const fwd = s.slice(s.indexOf('chain forward'));
  assert.ok(fwd.indexOf('ct state established,related accept') < fwd.indexOf('vmap'), 'established before any vmap');
  assert.ok(fwd.indexOf('ip saddr vmap @egress_v4') < fwd.indexOf('ip daddr vmap @ingress_v4'), 'egress of the source, then ingress of the destination');
  assert.match(s, /chain input \{\n\s+type filter hook input priority filter; policy accept;\n\s+ct state established,related accept\n\s+ip saddr vmap @egress_v4/);
  assert.doesNotMatch(s, /hook output/);
  assert.match(s, /elements = \{ 10\.0\.0\.0\/23, 10\.0\.3\.0-10\.0\.255\.255 \}/, 'except 10.0.2.0/24 is cut out (10.0.1.3 lies inside the kept range)');
  assert.match(s, /elements = \{ fd00::1:3 \}/);
  assert.match(s, /meta l4proto tcp th dport 8000-8100 accept/, '8080 merges into the 8000-8100 range');
  assert.match(s, /meta l4proto udp accept/);
  assert.match(s, /^\s+meta l4proto sctp th dport 9 accept$/m);
  assert.match(s, /elements = \{ 10\.0\.1\.1 : jump ing_0, 10\.0\.1\.4 : jump ing_0, 10\.0\.1\.5 : jump ing_1, 10\.0\.1\.3 : jump ing_2 \}/, 'web and web2 share a chain');
  assert.match(s, /chain ing_1 \{\n\s+meta l4proto tcp th dport \{ 80-81, 443, 8000-8100 \} accept\n\s+drop/, 'ports merge into one sorted set');
  assert.match(s, /elements = \{ fd00::1:1 : jump ing_0 \}/);
  assert.match(s, /chain ing_2 \{\n\s+drop\n\s+\}/, 'empty ingress = deny all');
  assert.match(s, /chain egr_0 \{\n\s+meta l4proto tcp th dport 53 return\n\s+meta l4proto udp th dport 53 return\n\s+ip daddr @egr_0_r1_v4 return\n\s+drop\n\s+\}/);
  const ing0 = s.slice(s.indexOf('chain ing_0'), s.indexOf('}', s.indexOf('chain ing_0')));
  assert.equal(ing0.split('\n').filter((l) => l.includes('accept')).length, 5, 'v4 × (tcp, udp) + v6 × (tcp, udp) + sctp; the empty-peer rule vanishes');
});

test('render: ip family and output enforcement options', () => {
  const s = renderPolicyRuleset(model, { family: 'ip', table: 'pol', enforceFromNode: true });
  assert.match(s, /table ip pol \{/);
  assert.doesNotMatch(s, /ip6|ipv6_addr/);
  assert.match(s, /chain output \{\n\s+type filter hook output priority filter; policy accept;\n\s+ct state established,related accept\n\s+ip daddr vmap @ingress_v4/);
});

test('render: nothing isolated removes the table', () => {
  assert.equal(renderPolicyRuleset({ pods: [] }), removePolicyScript());
  assert.equal(removePolicyScript(), 'add table inet windlass-policy\ndelete table inet windlass-policy\n');
});

test('render: nft accepts every rendered script (nft -c in a throwaway netns)', { skip: !canCheck }, async () => {
  await check(renderPolicyRuleset(model));
  await check(renderPolicyRuleset(model, { family: 'ip', enforceFromNode: true }));
  await check(renderPolicyRuleset({ pods: [] }));
  await check(renderPolicyRuleset({ pods: [{ namespace: 'a', name: 'b', ips: ['10.1.1.1'], policies: [], egress: [] }] }));
  await assert.rejects(check('table inet x { chain y { bogus } }'), /nft failed \(exit 1\)/);
});
