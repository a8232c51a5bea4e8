/**
 * @module agent/pods/hooks — container lifecycle hooks (postStart, preStop) as the kubelet runs
 * them: `exec` through the runtime's ExecSync, `httpGet` to the pod IP (or the handler's host)
 * on a numbered or named container port, `sleep` on the injected clock. The result is a value:
 * ok, or the failure message the kubelet reports (FailedPostStartHook / FailedPreStopHook).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { JsonObject } from '../../api/index.ts';
import type { Clock } from '../../client/index.ts';
import type { Runtime } from '../../runtime/index.ts';

/** HookTarget is where a hook runs. */
export interface HookTarget {
  readonly runtime: Runtime;
  readonly clock: Clock;
  readonly containerId: string;
  readonly container: JsonObject;
  readonly podIp: string;
  /** timeoutSeconds bounds exec and httpGet handlers (0 = none). */
  readonly timeoutSeconds: number;
}

/** HookResult: the handler succeeded, or its failure message. */
export type HookResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** resolvePort turns a number or a container port name into a port number (undefined when unknown). */
export function resolvePort(port: unknown, container: JsonObject): number | undefined {
  if (typeof port === 'number') return port;
  const n = Number(port);
  if (typeof port === 'string' && /^\d+$/.test(port)) return n;
  const named = ((container.ports ?? []) as JsonObject[]).find((p) => p.name === port);
  return named ? Number(named.containerPort) : undefined;
}

function httpGet(h: JsonObject, t: HookTarget): Promise<HookResult> {
  const port = resolvePort(h.port, t.container);
  if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${String(h.port)}` });
  const https = String(h.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-lifecycle/1.34' };
  for (const x of (h.httpHeaders ?? []) as JsonObject[]) headers[String(x.name)] = String(x.value);
  const host = String(h.host || t.podIp);
  let path = String(h.path ?? '/');
  if (!path.startsWith('/')) path = `/${path}`;
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)({ host, port, path, method: 'GET', headers, agent: false, rejectUnauthorized: false, timeout: (t.timeoutSeconds || 30) * 1000 }, (res) => {
      res.resume();
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP lifecycle hook (${path}) for Container "${String(t.container.name)}" failed - error: Get "${https ? 'https' : 'http'}://${host}:${String(port)}${path}": status ${String(code)}` });
      });
      res.on('error', (e) => { resolve({ ok: false, message: e.message }); });
    });
    req.on('timeout', () => { req.destroy(new Error('context deadline exceeded')); });
    req.on('error', (e) => { resolve({ ok: false, message: `HTTP lifecycle hook (${path}) for Container "${String(t.container.name)}" failed - error: Get "${https ? 'https' : 'http'}://${host}:${String(port)}${path}": ${e.message}` }); });
    req.end();
  });
}

/** runHook runs one lifecycle handler (v1.LifecycleHandler) against a container. */
export async function runHook(handler: JsonObject, t: HookTarget): Promise<HookResult> {
  if (handler.exec) {
    const cmd = ((handler.exec.command ?? []) as unknown[]).map(String);
    try {
      const r = await t.runtime.execSync(t.containerId, cmd, t.timeoutSeconds);
      if (r.exitCode === 0) return { ok: true };
      const out = Buffer.concat([r.stdout, r.stderr]).toString('utf8');
      return { ok: false, message: `Exec lifecycle hook (${JSON.stringify(cmd)}) for Container "${String(t.container.name)}" failed - error: command '${cmd.join(' ')}' exited with ${String(r.exitCode)}: ${out}` };
    } catch (e) {
      return { ok: false, message: `Exec lifecycle hook (${JSON.stringify(cmd)}) for Container "${String(t.container.name)}" failed - error: ${(e as Error).message}` };
    }
  }
  if (handler.httpGet) return httpGet(handler.httpGet as JsonObject, t);
  if (handler.sleep) {
    await t.clock.sleep(Math.max(0, Number(handler.sleep.seconds ?? 0)) * 1000);
    return { ok: true };
  }
  if (handler.tcpSocket) return { ok: true }; // deprecated: accepted and ignored, as the kubelet does
  return { ok: false, message: 'a lifecycle handler needs exec, httpGet or sleep' };
}
