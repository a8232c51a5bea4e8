/**
 * @module agent/probes/grpc — the gRPC probe: `grpc.health.v1.Health/Check` over plaintext HTTP/2
 * (our own health.proto, loaded with proto-loader), success only for `SERVING`, with the kubelet's
 * failure wording for a refused connection, a missing health service, a timeout or an unhealthy
 * service. Also exports the service definition so tests can serve it.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** HEALTH_PROTO_PATH is the absolute path of health.proto. */
export const HEALTH_PROTO_PATH = fileURLToPath(new URL('./health.proto', import.meta.url));

type HealthCtor = new (target: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;
let health: { ctor: HealthCtor; service: grpc.ServiceDefinition } | undefined;

/** healthService loads the Health service: its client constructor and its definition (for servers). */
export function healthService(): { ctor: HealthCtor; service: grpc.ServiceDefinition } {
  if (!health) {
    const def = protoLoader.loadSync(HEALTH_PROTO_PATH, { keepCase: true, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: HealthCtor & { service: grpc.ServiceDefinition } } } } };
    const ctor = pkg.grpc.health.v1.Health;
    health = { ctor, service: ctor.service };
  }
  return health;
}

/** hostPort renders `host:port`, bracketing IPv6 addresses. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** grpcProbe checks `service` at host:port within `timeoutMs`; resolves to the probe result and its output. */
export function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<{ result: 'success' | 'failure'; output: string }> {
  const target = hostPort(host, port);
  const { ctor } = healthService();
  const client = new ctor(target, grpc.credentials.createInsecure(), { 'grpc.enable_http_proxy': 0, 'grpc.enable_retries': 0 });
  const secs = `${timeoutMs / 1000}s`;
  const deadline = Date.now() + timeoutMs;
  return new Promise<{ result: 'success' | 'failure'; output: string }>((resolve) => {
    client.waitForReady(deadline, (err) => {
      if (err) {
        resolve({ result: 'failure', output: `timeout: failed to connect service "${target}" within ${secs}: context deadline exceeded` });
        return;
      }
      const check = (client as unknown as { Check: (req: object, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res: { status?: string }) => void) => void }).Check;
      check.call(client, { service }, { deadline }, (e, res) => {
        if (e) {
          if (e.code === grpc.status.UNIMPLEMENTED) resolve({ result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${e.details}` });
          else if (e.code === grpc.status.DEADLINE_EXCEEDED) resolve({ result: 'failure', output: `timeout: health rpc did not complete within ${secs}` });
          else resolve({ result: 'failure', output: `error: health rpc probe failed: ${e.details || e.message}` });
          return;
        }
        const status = String(res?.status ?? 'UNKNOWN');
        resolve(status === 'SERVING' ? { result: 'success', output: '' } : { result: 'failure', output: `service unhealthy (responded with "${status}")` });
      });
    });
  }).finally(() => client.close());
}
