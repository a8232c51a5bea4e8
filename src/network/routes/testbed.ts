/**
 * @module network/routes/testbed — a throw-away multi-node topology for the pod network's
 * integration test and benchmark: N "node" namespaces (`wl-net-<id>-a|b|c…`) joined by veth links
 * to a bridge `br0` in a switch namespace (`…-s`, the L2 underlay 192.168.50.0/24; the switch is
 * also a router at .254, the nodes' default gateway, for the `l3` mode); in each node a bridge
 * `cni0` holding the pod gateway `10.42.<i>.1/24` and one "pod" namespace (`…-a-p`, `10.42.<i>.2`)
 * that optionally serves busybox httpd (logging clients to `logs`). Only namespaces it creates;
 * `close()` kills its processes and removes all of them, and is safe to call more than once.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** TestbedNode is one node namespace and its pod. */
export interface TestbedNode {
  readonly name: string;
  readonly ns: string;
  readonly pod: string;
  readonly ip: string;
  readonly cidr: string;
  readonly gw: string;
  readonly podIp: string;
}

/** NetTestbed is a running topology. */
export interface NetTestbed {
  readonly id: string;
  readonly switchNs: string;
  readonly nodes: readonly TestbedNode[];
  /** dir is a scratch directory removed on close. */
  readonly dir: string;
  /** logs holds each node's httpd stderr (client addresses), by node name. */
  readonly logs: Map<string, string>;
  /** ip runs `ip -n NS …`. */
  ip(ns: string, ...args: string[]): Promise<string>;
  /** inNs runs a command inside a namespace. */
  inNs(ns: string, ...args: string[]): Promise<string>;
  /** wget fetches a URL from a namespace (3 s limit): the body, or undefined on failure. */
  wget(ns: string, url: string): Promise<string | undefined>;
  close(): void;
}

/** netTestbedUsable says whether this process can build the topology (root, Linux, static busybox). */
export const netTestbedUsable = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/bin/busybox');

/** sh runs a command, resolving stdout as latin1 text (byte-exact) or rejecting with stderr. */
export function sh(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20, encoding: 'buffer' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.toString() || err.message}`));
      else resolve(stdout.toString('latin1'));
    });
  });
}

/** startNetTestbed builds the topology; `files` are served by every pod's httpd (none: no httpd). */
export async function startNetTestbed(opts: { nodes?: number; files?: Record<string, string | Buffer> } = {}): Promise<NetTestbed> {
  const id = randomBytes(3).toString('hex');
  const switchNs = `wl-net-${id}-s`;
  const nodes: TestbedNode[] = [...'abcdefgh'.slice(0, opts.nodes ?? 3)].map((n, i) => ({
    name: `node-${n}`, ns: `wl-net-${id}-${n}`, pod: `wl-net-${id}-${n}-p`,
    ip: `192.168.50.${i + 1}`, cidr: `10.42.${i + 1}.0/24`, gw: `10.42.${i + 1}.1`, podIp: `10.42.${i + 1}.2`,
  }));
  const made: string[] = [];
  const procs: ChildProcess[] = [];
  const logs = new Map<string, string>();
  const dir = mkdtempSync(join(tmpdir(), 'wl-net-'));
  const ip = (ns: string, ...args: string[]): Promise<string> => sh('ip', ['-n', ns, ...args]);
  const inNs = (ns: string, ...args: string[]): Promise<string> => sh('ip', ['netns', 'exec', ns, ...args], 60_000);
  const wget = (ns: string, url: string): Promise<string | undefined> => inNs(ns, 'timeout', '3', '/bin/busybox', 'wget', '-q', '-O', '-', url).then((s) => s, () => undefined);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    process.off('exit', close);
    for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const ns of made.splice(0).reverse()) { try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ } }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', close);
  try {
    const addNs = async (ns: string): Promise<void> => {
      await sh('ip', ['netns', 'add', ns]);
      made.push(ns);
      await ip(ns, 'link', 'set', 'lo', 'up');
    };
    await addNs(switchNs);
    await ip(switchNs, 'link', 'add', 'br0', 'type', 'bridge');
    await ip(switchNs, 'addr', 'add', '192.168.50.254/24', 'dev', 'br0');
    await ip(switchNs, 'link', 'set', 'br0', 'up');
    await inNs(switchNs, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    for (const n of nodes) {
      await addNs(n.ns);
      await addNs(n.pod);
      await inNs(n.ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      const port = `u-${n.name.slice(-1)}`;
      await ip(switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.ns);
      await ip(switchNs, 'link', 'set', port, 'master', 'br0', 'up');
      await ip(n.ns, 'addr', 'add', `${n.ip}/24`, 'dev', 'eth0');
      await ip(n.ns, 'link', 'set', 'eth0', 'up');
      await ip(n.ns, 'route', 'add', 'default', 'via', '192.168.50.254');
      await ip(n.ns, 'link', 'add', 'cni0', 'type', 'bridge');
      await ip(n.ns, 'addr', 'add', `${n.gw}/24`, 'dev', 'cni0');
      await ip(n.ns, 'link', 'set', 'cni0', 'up');
      await ip(n.ns, 'link', 'add', 'vpod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.pod);
      await ip(n.ns, 'link', 'set', 'vpod', 'master', 'cni0', 'up');
      await ip(n.pod, 'addr', 'add', `${n.podIp}/24`, 'dev', 'eth0');
      await ip(n.pod, 'link', 'set', 'eth0', 'up');
      await ip(n.pod, 'route', 'add', 'default', 'via', n.gw);
      if (!opts.files) continue;
      const www = join(dir, n.name);
      mkdirSync(www);
      writeFileSync(join(www, 'index.html'), n.name);
      for (const [f, body] of Object.entries(opts.files)) writeFileSync(join(www, f), body);
      const p = spawn('ip', ['netns', 'exec', n.pod, '/bin/busybox', 'httpd', '-f', '-vv', '-p', '80', '-h', www], { stdio: ['ignore', 'ignore', 'pipe'] });
      p.stderr?.setEncoding('utf8');
      p.stderr?.on('data', (d: string) => logs.set(n.name, (logs.get(n.name) ?? '') + d));
      procs.push(p);
    }
  } catch (e) {
    close();
    throw e;
  }
  return { id, switchNs, nodes, dir, logs, ip, inNs, wget, close };
}
