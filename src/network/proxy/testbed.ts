/**
 * @module network/proxy/testbed — a throw-away network topology for the proxy's integration test
 * and benchmark: a "node" namespace with a bridge (the pod network), endpoint namespaces on veth
 * pairs to that bridge each serving its own name with busybox httpd, and an off-cluster client
 * namespace on its own veth link. Only namespaces it creates; `close()` removes all of them and
 * stops every process it started, and is safe to call more than once.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** run executes a command and resolves its stdout; rejects with its stderr. */
export function run(cmd: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** canUseNetns says whether this process may create namespaces and has ip, nft and busybox. */
export async function canUseNetns(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  try {
    await run('nft', ['--version']);
    await run('ip', ['-V']);
    await run('/bin/busybox', ['true']);
    return true;
  } catch { return false; }
}

/** TestbedEndpoint is one endpoint namespace with its IP and the name its httpd answers. */
export interface TestbedEndpoint { readonly name: string; readonly ns: string; readonly ip: string }

/** Testbed is a running topology. */
export interface Testbed {
  /** node is the namespace the proxy programs (the node's root network namespace stand-in). */
  readonly node: string;
  /** client is an off-cluster namespace whose default route points at the node. */
  readonly client: string;
  readonly nodeIp: string;
  readonly clientIp: string;
  readonly podCidr: string;
  readonly endpoints: readonly TestbedEndpoint[];
  /** exec runs a command inside a namespace. */
  exec(ns: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  /** get fetches `http://host:port/` from a namespace with busybox wget (2 s limit); the body, or an Error. */
  get(ns: string, host: string, port: number): Promise<string | Error>;
  close(): Promise<void>;
}

/** startTestbed builds the topology with `endpoints` httpd namespaces (all on port 8080); `httpd: false` skips the servers. */
export async function startTestbed(opts: { endpoints: number; httpd?: boolean }): Promise<Testbed> {
  const id = randomBytes(3).toString('hex');
  const node = `wl-proxy-${id}`;
  const client = `${node}-c`;
  const made: string[] = [];
  const procs: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'wl-proxy-'));
  const nodeIp = '192.168.77.1';
  const clientIp = '192.168.77.2';
  const endpoints: TestbedEndpoint[] = [];
  const exec = (ns: string, args: readonly string[], timeoutMs?: number): Promise<string> => run('ip', ['netns', 'exec', ns, ...args], timeoutMs);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const ns of made.reverse()) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const addNs = async (ns: string): Promise<void> => {
      await run('ip', ['netns', 'add', ns]);
      made.push(ns);
      await exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
    };
    await addNs(node);
    await exec(node, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await exec(node, ['ip', 'link', 'add', 'br0', 'type', 'bridge']);
    await exec(node, ['ip', 'addr', 'add', '10.244.0.1/24', 'dev', 'br0']);
    await exec(node, ['ip', 'link', 'set', 'br0', 'up']);
    // Service IPs need a route for connect() from the node itself (no dummy link type here).
    await exec(node, ['ip', 'route', 'add', '10.96.0.0/16', 'dev', 'br0']);
    for (let i = 1; i <= opts.endpoints; i++) {
      const ns = `${node}-e${i}`;
      const ip = `10.244.0.${10 + i}`;
      await addNs(ns);
      await exec(node, ['ip', 'link', 'add', `ve${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await exec(node, ['ip', 'link', 'set', `ve${i}`, 'master', 'br0', 'up']);
      await exec(node, ['bridge', 'link', 'set', 'dev', `ve${i}`, 'hairpin', 'on']);
      await exec(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await exec(ns, ['ip', 'link', 'set', 'eth0', 'up']);
      await exec(ns, ['ip', 'route', 'add', 'default', 'via', '10.244.0.1']);
      endpoints.push({ name: `ep${i}`, ns, ip });
      if (opts.httpd !== false) {
        const www = join(dir, `ep${i}`);
        mkdirSync(www, { recursive: true });
        writeFileSync(join(www, 'index.html'), `ep${i}\n`);
        const p = spawn('ip', ['netns', 'exec', ns, '/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
        procs.push(p);
      }
    }
    await addNs(client);
    await exec(node, ['ip', 'link', 'add', 'vc', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client]);
    await exec(node, ['ip', 'addr', 'add', `${nodeIp}/24`, 'dev', 'vc']);
    await exec(node, ['ip', 'link', 'set', 'vc', 'up']);
    await exec(client, ['ip', 'addr', 'add', `${clientIp}/24`, 'dev', 'eth0']);
    await exec(client, ['ip', 'link', 'set', 'eth0', 'up']);
    await exec(client, ['ip', 'route', 'add', 'default', 'via', nodeIp]);
  } catch (e) {
    await close();
    throw e;
  }
  const get = async (ns: string, host: string, port: number): Promise<string | Error> => {
    try {
      return (await run('ip', ['netns', 'exec', ns, 'timeout', '2', '/bin/busybox', 'wget', '-q', '-O', '-', `http://${host}:${port}/`], 5000)).trim();
    } catch (e) { return e as Error; }
  };
  // Wait until every httpd answers directly.
  if (opts.httpd !== false) {
    for (const ep of endpoints) {
      for (let i = 0; ; i++) {
        const r = await get(node, ep.ip, 8080);
        if (r === ep.name) break;
        if (i > 50) { await close(); throw new Error(`testbed: httpd in ${ep.ns} did not answer: ${String(r)}`); }
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  }
  return { node, client, nodeIp, clientIp, podCidr: '10.244.0.0/16', endpoints, exec, get, close };
}
