/**
 * @module store/etcd-testing — starts a throw-away single-member etcd (Debian's /usr/bin/etcd) on
 * loopback with free random ports and a temporary data directory, for integration tests and benches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** ETCD_BINARY is where the etcd server is looked for (override with WINDLASS_ETCD_BINARY). */
export const ETCD_BINARY = process.env.WINDLASS_ETCD_BINARY ?? '/usr/bin/etcd';

/** RunningEtcd is a started etcd: its client endpoint (http://127.0.0.1:port) and how to stop it. */
export interface RunningEtcd {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** freePort asks the kernel for an unused loopback TCP port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** healthy reports whether etcd's /health endpoint answers healthy. */
async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: string };
    return body.health === 'true';
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** startOnce makes one attempt; it resolves undefined when etcd exited early (e.g. a port race). */
async function startOnce(dir: string): Promise<{ endpoint: string; child: ChildProcess } | { failed: string }> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(ETCD_BINARY, [
    '--name', 'windlass-test', '--data-dir', dir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `windlass-test=${peer}`, '--initial-cluster-state', 'new',
    '--logger', 'zap', '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => { log = (log + d).slice(-4000); });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return { failed: `etcd exited (${child.exitCode ?? child.signalCode}): ${log}` };
    if (await healthy(endpoint)) return { endpoint, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await exited(child);
  return { failed: `etcd did not become healthy within 15 s: ${log}` };
}

/** startEtcd spawns a single-member etcd on 127.0.0.1 (fsync kept on) and waits until it is healthy;
 * it throws with setup instructions when the etcd binary is missing. */
export async function startEtcd(): Promise<RunningEtcd> {
  if (!existsSync(ETCD_BINARY)) {
    throw new Error(`etcd server binary not found at ${ETCD_BINARY}: run scripts/setup.sh --test (installs Debian's etcd-server)`);
  }
  let lastFailure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'windlass-etcd-'));
    const started = await startOnce(dir);
    if ('failed' in started) {
      lastFailure = started.failed;
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    const { endpoint, child } = started;
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      stop(): Promise<void> {
        stopped ??= (async () => {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited(child);
          clearTimeout(timer);
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  throw new Error(`could not start etcd: ${lastFailure}`);
}
