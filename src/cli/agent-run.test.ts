import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RestClient } from '../client/index.ts';
import type { NodeAgent, NodeAgentOptions } from '../agent/node.ts';
import { DEFAULT_AGENT_RUNTIME_FLAGS } from './agent-flags.ts';
import { runNodeAgent } from './agent-run.ts';
import { createLogger } from './log.ts';

void test('runNodeAgent: the agent\'s API client takes up each rotated client certificate', async () => {
  let listener: ((pair: { cert: string; key: string }) => void) | undefined;
  let given: NodeAgentOptions | undefined;
  const stop = new AbortController();
  const agent = await runNodeAgent({
    server: 'https://127.0.0.1:1', caCert: 'CA', clientCertificate: { cert: 'OLD-CERT', key: 'OLD-KEY' },
    clientRotations: (l) => { listener = l; },
    certificates: { start: async () => undefined, current: () => undefined },
    nodeName: 'n1', labels: {}, taints: [], dataDir: '/nonexistent', runtime: DEFAULT_AGENT_RUNTIME_FLAGS,
    clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', signal: stop.signal, log: createLogger(() => undefined),
  }, async (o) => { given = o; return { nodeName: o.nodeName, done: Promise.resolve() } as unknown as NodeAgent; });
  const client = given?.client as RestClient;
  assert.equal(client.config.cert, 'OLD-CERT');
  assert.ok(listener, 'runNodeAgent subscribed to rotations');
  listener({ cert: 'NEW-CERT', key: 'NEW-KEY' });
  assert.equal(client.config.cert, 'NEW-CERT');
  assert.equal(client.config.key, 'NEW-KEY');
  stop.abort();
  await agent.done;
});
