/**
 * @module agent/streaming/test-runtime — TEST ONLY: a Runtime whose containers are local
 * processes, with a CRI-like streaming server on 127.0.0.1 built from this folder's own server
 * side (SPDY remote command and port-forward). Exec runs the command with `child_process.spawn`
 * (environment `WL_TTY=1|0`, and `WL_COLUMNS`/`WL_LINES` from the first resize with a tty);
 * attach joins the container's main process; port-forward dials 127.0.0.1:<port>. The agent's
 * SPDY client is exercised against it exactly as against containerd's streaming server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Container, ContainerStatus, PodSandbox, Runtime, StreamRequest, ContainerFilter, PodSandboxFilter } from '../../runtime/types.ts';
import { acceptRemoteCommand, type TerminalSize } from './remotecommand.ts';
import { acceptPortForward } from './portforward.ts';
import { rejectUpgrade } from './upgrade.ts';

/** TestContainer describes one container of the test runtime. */
export interface TestContainer {
  readonly id: string;
  readonly namespace: string;
  readonly pod: string;
  readonly uid: string;
  readonly name: string;
  readonly attempt: number;
  state: 'RUNNING' | 'EXITED';
  readonly logPath: string;
  /** main: argv of the container's main process (attach joins it). */
  readonly main?: readonly string[];
}

type Ticket = { kind: 'exec' | 'attach'; req: StreamRequest } | { kind: 'portforward'; sandboxId: string };

function matches(labels: Readonly<Record<string, string>>, sel?: Readonly<Record<string, string>>): boolean {
  return !sel || Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** TestRuntime implements the streaming-related part of Runtime; other calls throw. */
export class TestRuntime {
  readonly containers: TestContainer[] = [];
  readonly mains = new Map<string, ChildProcess>();
  /** resizes records every terminal size received by exec/attach sessions. */
  readonly resizes: TerminalSize[] = [];
  private readonly tickets = new Map<string, Ticket>();
  private next = 0;
  private port = 0;
  private readonly server = createServer((_req, res) => { res.writeHead(404); res.end(); });

  /** start listens on 127.0.0.1 and starts the main processes. */
  async start(): Promise<void> {
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => { void this.upgrade(req, socket, head); });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }

  /** add registers a container (and starts its main process if it has one). */
  add(c: TestContainer): void {
    this.containers.push(c);
    if (c.main) {
      const p = spawn(c.main[0], c.main.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      p.stdin.on('error', () => undefined);
      this.mains.set(c.id, p);
    }
  }

  async close(): Promise<void> {
    for (const p of this.mains.values()) p.kill('SIGKILL');
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private labels(c: TestContainer): Record<string, string> {
    return { 'io.kubernetes.pod.namespace': c.namespace, 'io.kubernetes.pod.name': c.pod, 'io.kubernetes.pod.uid': c.uid, 'io.kubernetes.container.name': c.name };
  }

  private asContainer(c: TestContainer): Container {
    return {
      id: c.id, podSandboxId: `sb-${c.uid}`, metadata: { name: c.name, attempt: c.attempt }, image: { image: 'test' }, imageRef: 'test',
      state: c.state, createdAt: c.attempt, labels: this.labels(c), annotations: {},
    };
  }

  listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return Promise.resolve(this.containers.filter((c) => matches(this.labels(c), filter?.labelSelector) && (!filter?.state || filter.state === c.state)).map((c) => this.asContainer(c)));
  }

  containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.find((x) => x.id === id);
    if (!c) return Promise.resolve(undefined);
    return Promise.resolve({ ...this.asContainer(c), startedAt: 1, finishedAt: 0, exitCode: 0, reason: '', message: '', logPath: c.logPath });
  }

  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const seen = new Map<string, PodSandbox>();
    for (const c of this.containers) {
      const labels = { 'io.kubernetes.pod.namespace': c.namespace, 'io.kubernetes.pod.name': c.pod, 'io.kubernetes.pod.uid': c.uid };
      if (!matches(labels, filter?.labelSelector)) continue;
      seen.set(c.uid, { id: `sb-${c.uid}`, metadata: { name: c.pod, namespace: c.namespace, uid: c.uid, attempt: 0 }, state: 'READY', createdAt: 1, labels, annotations: {}, runtimeHandler: '' });
    }
    return Promise.resolve([...seen.values()]);
  }

  private ticket(t: Ticket, path: string): Promise<{ url: string }> {
    const token = `t${this.next++}`;
    this.tickets.set(token, t);
    return Promise.resolve({ url: `http://127.0.0.1:${this.port}/${path}/${token}` });
  }

  exec(req: StreamRequest): Promise<{ url: string }> { return this.ticket({ kind: 'exec', req }, 'exec'); }
  attach(req: StreamRequest): Promise<{ url: string }> { return this.ticket({ kind: 'attach', req }, 'attach'); }
  portForward(sandboxId: string): Promise<{ url: string }> { return this.ticket({ kind: 'portforward', sandboxId }, 'portforward'); }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://x');
    const token = url.pathname.split('/').pop() ?? '';
    const t = this.tickets.get(token);
    this.tickets.delete(token);
    if (!t) { rejectUpgrade(socket, { code: 404, reason: 'NotFound', message: 'unknown token' }); return; }
    if (t.kind === 'portforward') {
      await acceptPortForward(req, socket, head, url.searchParams, (port) => new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => { s.off('error', reject); resolve(s); });
        s.once('error', reject);
      }));
      return;
    }
    const r = t.req;
    const session = await acceptRemoteCommand(req, socket, head, { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, tty: r.tty });
    if (!session) return;
    session.resize.on('resize', (s: TerminalSize) => this.resizes.push(s));
    if (t.kind === 'attach') {
      const main = this.mains.get(r.containerId);
      if (!main) { await session.finish({ error: 'container has no main process' }); return; }
      const onOut = (c: Buffer): void => { session.stdout?.write(c); };
      main.stdout?.on('data', onOut);
      session.stdin?.on('data', (c: Buffer) => main.stdin?.write(c));
      const exited = new Promise<number>((res) => main.once('exit', (code) => res(code ?? 1)));
      const result = await Promise.race([exited, session.closed.then(() => undefined)]);
      main.stdout?.off('data', onOut);
      if (result !== undefined) await session.finish({ exitCode: result });
      return;
    }
    let size: TerminalSize | undefined;
    if (r.tty) {
      size = await new Promise<TerminalSize | undefined>((res) => {
        const t2 = setTimeout(() => res(undefined), 1000);
        session.resize.once('resize', (s: TerminalSize) => { clearTimeout(t2); res(s); });
      });
    }
    const env = { ...process.env, WL_TTY: r.tty ? '1' : '0', ...(size ? { WL_COLUMNS: String(size.width), WL_LINES: String(size.height) } : {}) };
    const cmd = r.cmd ?? [];
    const child = spawn(cmd[0] ?? 'true', cmd.slice(1), { env, stdio: [r.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const spawnError = new Promise<string>((res) => child.once('error', (e) => res(e.message)));
    child.stdin?.on('error', () => undefined);
    if (session.stdin && child.stdin) {
      const into = child.stdin;
      session.stdin.on('data', (c: Buffer) => into.write(c));
      session.stdin.once('end', () => into.end());
    }
    const out = (c: Buffer): void => { session.stdout?.write(c); };
    child.stdout?.on('data', out);
    child.stderr?.on('data', (c: Buffer) => { (r.tty ? session.stdout : session.stderr)?.write(c); });
    const closed = new Promise<number>((res) => child.once('close', (code, sig) => res(code ?? (sig ? 128 + 9 : 1))));
    const outcome = await Promise.race([closed.then((c) => ({ exitCode: c })), spawnError.then((e) => ({ error: e })), session.closed.then(() => undefined)]);
    if (outcome === undefined) { child.kill('SIGKILL'); return; }
    await session.finish(outcome);
  }
}

/** testRuntime starts a TestRuntime and returns it typed as a Runtime too (unused calls throw). */
export async function startTestRuntime(): Promise<{ runtime: Runtime; test: TestRuntime }> {
  const test = new TestRuntime();
  await test.start();
  const runtime = new Proxy(test, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (v !== undefined) return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return () => Promise.reject(new Error(`TestRuntime: ${String(prop)} is not implemented`));
    },
  }) as unknown as Runtime;
  return { runtime, test };
}
