/**
 * @module agent/probes/run — one probe attempt, as the kubelet's probers do it: httpGet (HTTP or
 * HTTPS without certificate verification, 200–399 succeed, redirects followed on the same host,
 * `HTTP probe failed with statuscode: N` otherwise), tcpSocket (a connect), exec (the runtime's
 * ExecSync, exit 0 succeeds) and grpc (grpc.health.v1 Check). Every attempt ends within its
 * timeout; the answer is a value, never a thrown error.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { JsonObject } from '../../api/index.ts';
import type { Runtime } from '../../runtime/types.ts';
import { AGENT_KUBELET_VERSION } from '../node-info.ts';
import { grpcProbe, hostPort } from './grpc.ts';

/** ProbeResult is the outcome of one probe attempt and its output (the failure text of events). */
export interface ProbeResult {
  readonly result: 'success' | 'failure';
  readonly output: string;
}

/** ProbeTarget is what a probe attempt runs against. */
export interface ProbeTarget {
  readonly podIp: string;
  readonly containerId: string;
  readonly container: JsonObject;
  readonly runtime: Runtime;
  readonly timeoutSeconds: number;
}

const MAX_BODY = 10 * 1024;
const MAX_REDIRECTS = 10;

/** PROBE_USER_AGENT is the kubelet's probe User-Agent (`kube-probe/<major>.<minor>`). */
export const PROBE_USER_AGENT = `kube-probe/${AGENT_KUBELET_VERSION.replace(/^v/, '').split('.').slice(0, 2).join('.')}`;

/** resolvePort turns a probe's `port` (number, numeric string or a container port name) into a number, or an error text. */
export function resolvePort(port: unknown, container: JsonObject): number | string {
  if (typeof port === 'number') return port > 0 && port < 65536 ? port : `invalid port number: ${port}`;
  const s = typeof port === 'string' ? port : '';
  if (/^[0-9]+$/.test(s)) return resolvePort(Number(s), container);
  const named = ((Array.isArray(container.ports) ? container.ports : []) as JsonObject[]).find((p) => p.name === s);
  if (named && typeof named.containerPort === 'number') return named.containerPort;
  return `couldn't find port: ${s} in ${String(container.name ?? '')}`;
}

function fail(output: string): ProbeResult { return { result: 'failure', output }; }

interface HttpAnswer { readonly status: number; readonly body: string; readonly location: string }

function httpOnce(url: URL, headers: Record<string, string>, deadline: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const left = Math.max(1, deadline - Date.now());
    const opts = { method: 'GET', headers, rejectUnauthorized: false, servername: undefined as string | undefined };
    if (url.protocol === 'https:' && headers.Host) opts.servername = headers.Host.replace(/:\d+$/, '');
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, opts, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size));
        size += c.length;
      });
      res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), location: String(res.headers.location ?? '') }); });
      res.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)'), { code: 'ETIMEDOUT_PROBE' })), left);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end();
  });
}

/** dialError renders a socket error as Go's net package does (`dial tcp 10.0.0.1:80: connect: connection refused`). */
function dialError(target: string, e: NodeJS.ErrnoException): string {
  if (e.code === 'ECONNREFUSED') return `dial tcp ${target}: connect: connection refused`;
  if (e.code === 'ETIMEDOUT_PROBE') return e.message;
  if (e.code === 'EHOSTUNREACH') return `dial tcp ${target}: connect: no route to host`;
  if (e.code === 'ENETUNREACH') return `dial tcp ${target}: connect: network is unreachable`;
  if (e.code === 'ECONNRESET') return `read tcp ${target}: read: connection reset by peer`;
  return e.message;
}

/** httpGetProbe runs an httpGet probe. */
async function httpGetProbe(h: JsonObject, t: ProbeTarget): Promise<ProbeResult> {
  const port = resolvePort(h.port, t.container);
  if (typeof port === 'string') return fail(port);
  const scheme = String(h.scheme ?? 'HTTP').toLowerCase() === 'https' ? 'https' : 'http';
  const host = String(h.host || t.podIp);
  let path = String(h.path ?? '/');
  if (!path.startsWith('/')) path = `/${path}`;
  let url = new URL(`${scheme}://${hostPort(host, port)}${path}`);
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*', Connection: 'close' };
  for (const hh of (Array.isArray(h.httpHeaders) ? h.httpHeaders : []) as JsonObject[]) {
    const name = String(hh.name ?? '');
    if (!name) continue;
    const canonical = name.toLowerCase() === 'host' ? 'Host' : name.toLowerCase() === 'user-agent' ? 'User-Agent' : name.toLowerCase() === 'accept' ? 'Accept' : name;
    headers[canonical] = String(hh.value ?? '');
  }
  const deadline = Date.now() + t.timeoutSeconds * 1000;
  const original = url.hostname;
  for (let hop = 0; ; hop++) {
    let ans: HttpAnswer;
    try {
      ans = await httpOnce(url, headers, deadline);
    } catch (e) {
      return fail(`Get "${url.href}": ${dialError(url.host, e as NodeJS.ErrnoException)}`);
    }
    if (ans.status >= 300 && ans.status < 400 && ans.location && hop < MAX_REDIRECTS) {
      let next: URL;
      try { next = new URL(ans.location, url); } catch { return { result: 'success', output: ans.body }; }
      // Redirects to another host are not followed: the 3xx itself counts as success (kubelet: "Probe terminated redirects").
      if (next.hostname !== original || (next.protocol !== 'http:' && next.protocol !== 'https:')) return { result: 'success', output: `Probe terminated redirects, Response body: ${ans.body}` };
      url = next;
      continue;
    }
    if (ans.status >= 200 && ans.status < 400) return { result: 'success', output: ans.body };
    return fail(`HTTP probe failed with statuscode: ${ans.status}`);
  }
}

/** tcpProbe runs a tcpSocket probe: success when a connection opens within the timeout. */
function tcpProbe(s: JsonObject, t: ProbeTarget): Promise<ProbeResult> {
  const port = resolvePort(s.port, t.container);
  if (typeof port === 'string') return Promise.resolve(fail(port));
  const host = String(s.host || t.podIp);
  const target = hostPort(host, port);
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => { sock.destroy(); resolve(fail(`dial tcp ${target}: i/o timeout`)); }, t.timeoutSeconds * 1000);
    sock.once('connect', () => { clearTimeout(timer); sock.destroy(); resolve({ result: 'success', output: '' }); });
    sock.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); sock.destroy(); resolve(fail(dialError(target, e))); });
  });
}

/** execProbe runs an exec probe through the runtime's ExecSync. */
async function execProbe(x: JsonObject, t: ProbeTarget): Promise<ProbeResult> {
  const cmd = (Array.isArray(x.command) ? x.command : []).map(String);
  const quoted = cmd.join(' ');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    // The runtime enforces the timeout; this is the backstop for one that does not answer.
    timer = setTimeout(() => resolve(fail(`command "${quoted}" timed out`)), t.timeoutSeconds * 1000 + 1000);
  });
  const run = (async (): Promise<ProbeResult> => {
    try {
      const r = await t.runtime.execSync(t.containerId, cmd, t.timeoutSeconds);
      const output = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
      if (r.exitCode === 0) return { result: 'success', output };
      return fail(output || `command "${quoted}" exited with ${r.exitCode}`);
    } catch (e) {
      const msg = (e as Error).message;
      if (/deadline|timed? ?out/i.test(msg)) return fail(`command "${quoted}" timed out`);
      return fail(msg);
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** runProbe runs one attempt of a v1.Probe against a container (timeoutSeconds comes from the caller, default 1). */
export async function runProbe(probe: JsonObject, t: ProbeTarget): Promise<ProbeResult> {
  const target = { ...t, timeoutSeconds: t.timeoutSeconds > 0 ? t.timeoutSeconds : 1 };
  try {
    if (probe.exec) return await execProbe(probe.exec, target);
    if (probe.httpGet) return await httpGetProbe(probe.httpGet, target);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket, target);
    if (probe.grpc) {
      const port = Number(probe.grpc.port);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) return fail(`invalid port number: ${String(probe.grpc.port)}`);
      return await grpcProbe(target.podIp, port, String(probe.grpc.service ?? ''), target.timeoutSeconds * 1000);
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  return fail('missing probe handler');
}
