/**
 * @module bench/agent-rss.bench — the resident memory of a standalone node agent (`windlass join`
 * → the agent process, without the API server in it) on a real node: a control-plane-only server
 * (`--disable-agent`) in a network namespace (test/fixtures/node-netns.ts), a node joined with the
 * printed join command running the agent with its managed containerd; RSS of the agent process and
 * of containerd idle (after the node is Ready and settled) and with N busybox pods running.
 *
 * Usage (root, the same tools as the node e2e tests): node bench/agent-rss.bench.ts [--pods 30] [--settle-s 20]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { REPO_ROOT, rssKiB } from '../test/harness/index.ts';
import { pidsMatching, startNodeCluster } from '../test/fixtures/node-netns.ts';

const { values: args } = parseArgs({ options: { pods: { type: 'string', default: '30' }, 'settle-s': { type: 'string', default: '20' } } });
const PODS = Number(args.pods);
const SETTLE_MS = Number(args['settle-s']) * 1000;

/** processRss sums the RSS (MiB) of the processes whose command line contains `needle` and `kind`. */
async function processRss(needle: string, kind: RegExp): Promise<number> {
  let kib = 0;
  for (const pid of pidsMatching(needle)) {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (kind.test(cmd[0] ?? '')) kib += (await rssKiB(pid)) ?? 0;
  }
  return kib / 1024;
}

const c = await startNodeCluster({ disableAgent: true, nodeName: 'control-plane' });
try {
  const k = c.kubectl('1.33');
  const joinDir = join(c.dir, 'joined');
  const token = c.exec(process.execPath, ['--disable-warning=ExperimentalWarning', join(REPO_ROOT, 'src', 'cli', 'main.ts'),
    'token', 'create', '--print-join-command', '--data-dir', c.dataDir], 60_000);
  const printed = token.stdout.trim().split('\n').pop() ?? '';
  const agent = c.windlass([...printed.split(' ').slice(1), '--data-dir', joinDir, '--node-name', 'bench-node', '--node-ip', '127.0.0.1',
    '--cgroup-root', `${c.cgroupRoot}/joined`, '--private-registry', join(c.dir, 'registries.yaml'), '--kubelet-port', '10251']);
  for (let i = 0; ; i++) {
    const r = await k.run(['get', 'node', 'bench-node', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], { timeoutMs: 20_000 });
    if (r.stdout === 'True') break;
    if (agent.child.exitCode !== null || i > 240) throw new Error(`the joined node did not become Ready:\n${agent.output()}`);
    await sleep(500);
  }
  await sleep(SETTLE_MS);
  const idleAgent = await processRss(joinDir, /node$/);
  const idleCtd = await processRss(joinDir, /containerd$/);
  await k.run(['create', 'deployment', 'rss', `--image=${c.image}`, `--replicas=${PODS}`, '--', 'sleep', '3600'], { timeoutMs: 30_000 });
  for (let i = 0; ; i++) {
    const r = await k.run(['get', 'deployment', 'rss', '-o', 'jsonpath={.status.readyReplicas}'], { timeoutMs: 20_000 });
    if (Number(r.stdout) === PODS) break;
    if (i > 600) throw new Error('pods did not become ready');
    await sleep(1000);
  }
  await sleep(SETTLE_MS);
  const busyAgent = await processRss(joinDir, /node$/);
  const busyCtd = await processRss(joinDir, /containerd$/);
  console.log(`standalone agent RSS: idle ${idleAgent.toFixed(1)} MiB, with ${PODS} pods ${busyAgent.toFixed(1)} MiB; its containerd: idle ${idleCtd.toFixed(1)} MiB, with pods ${busyCtd.toFixed(1)} MiB`);
  await agent.stop();
} finally {
  await c.teardown();
}
