/**
 * @module cli/agent-flags.test — the node networking switches: parsed only when given (so the
 * other flags' parsed form is unchanged), `--network-mode` restricted to its choices, and mapped
 * onto the agent's network settings with everything on by default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addAgentRuntimeFlags, agentRuntimeFlagsFrom } from './agent-flags.ts';
import { networkSettingsOf } from './agent-run.ts';

/** parse parses agent flags on a throw-away command. */
function parse(args: readonly string[]): ReturnType<typeof agentRuntimeFlagsFrom> {
  const c = addAgentRuntimeFlags(new Command('agent').exitOverride().configureOutput({ writeErr: () => undefined }));
  c.parse([...args], { from: 'user' });
  return agentRuntimeFlagsFrom(c.opts());
}

test('networking flags parse only when given and map onto the agent settings', () => {
  const none = parse([]);
  assert.equal('networkMode' in none, false);
  assert.equal('disableKubeProxy' in none, false);
  assert.deepEqual(networkSettingsOf(none), { mode: 'vxlan', proxy: true, policy: true, dns: true, clusterCidrs: ['10.42.0.0/16'], serviceCidr: '10.43.0.0/16' });
  const all = parse(['--network-mode', 'host-gw', '--disable-kube-proxy', '--disable-network-policy', '--disable-cluster-dns']);
  assert.deepEqual({ m: all.networkMode, p: all.disableKubeProxy, n: all.disableNetworkPolicy, d: all.disableClusterDns }, { m: 'host-gw', p: true, n: true, d: true });
  assert.deepEqual(networkSettingsOf(all, '10.100.0.0/16,fd00::/56', '10.96.0.0/12'),
    { mode: 'host-gw', proxy: false, policy: false, dns: false, clusterCidrs: ['10.100.0.0/16', 'fd00::/56'], serviceCidr: '10.96.0.0/12' });
  for (const mode of ['none', 'l3', 'vxlan', 'geneve']) assert.equal(parse(['--network-mode', mode]).networkMode, mode);
  assert.throws(() => parse(['--network-mode', 'flannel']), /Allowed choices/);
});
