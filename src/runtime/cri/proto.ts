/**
 * @module runtime/cri/proto — loads our CRI subset (api.proto) with proto-loader (keepCase,
 * int64 as decimal strings, enums as names, defaults filled in) and makes promise-returning
 * unary calls with a deadline. Wire objects use the proto field names (snake_case).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);
let grpcModule: typeof grpc | undefined;

/** grpcJs loads @grpc/grpc-js on first use (about 100 ms), so importing this module stays cheap. */
export function grpcJs(): typeof grpc {
  grpcModule ??= require('@grpc/grpc-js') as typeof grpc;
  return grpcModule;
}

/** GRPC_NOT_FOUND is the gRPC status of a missing object (mapped to `undefined` / idempotent success). */
export const GRPC_NOT_FOUND = 5;
/** GRPC_UNIMPLEMENTED is the gRPC status of an RPC the runtime lacks (pod stats fall back to container stats). */
export const GRPC_UNIMPLEMENTED = 12;

/** CRI_PROTO_PATH is the absolute path of api.proto. */
export const CRI_PROTO_PATH = fileURLToPath(new URL('./api.proto', import.meta.url));

/** Wire is a decoded or to-be-encoded CRI message (snake_case fields). */
export type Wire = Record<string, unknown>;

/** CriClients are the two service stubs of one connection (sharing one channel). */
export interface CriClients {
  readonly runtime: grpc.Client;
  readonly image: grpc.Client;
}

type ServiceCtor = new (target: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;
let services: { runtime: ServiceCtor; image: ServiceCtor } | undefined;

function loadServices(): { runtime: ServiceCtor; image: ServiceCtor } {
  if (!services) {
    const protoLoader = require('@grpc/proto-loader') as typeof ProtoLoader;
    const def = protoLoader.loadSync(CRI_PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: false });
    const pkg = grpcJs().loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: ServiceCtor; ImageService: ServiceCtor } } };
    services = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  }
  return services;
}

/** makeCriClients opens a channel to `grpcTarget` (see endpoint.ts) and returns both service stubs on it. */
export function makeCriClients(grpcTarget: string): CriClients {
  const { runtime: Runtime, image: Image } = loadServices();
  const options: grpc.ChannelOptions = {
    'grpc.enable_http_proxy': 0,
    // reconnect quickly after a containerd restart (defaults: 1 s initial, 120 s max)
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 5000,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.max_send_message_length': 16 * 1024 * 1024,
  };
  const creds = grpcJs().credentials.createInsecure();
  const runtime = new Runtime(grpcTarget, creds, options);
  const image = new Image(grpcTarget, creds, { ...options, channelOverride: runtime.getChannel() });
  return { runtime, image };
}

/** isGrpcCode tells whether `err` is a gRPC error with the given status code. */
export function isGrpcCode(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** unary calls `method` on `client` with `request` and a deadline `timeoutMs` from now. */
export function unary(client: grpc.Client, method: string, request: Wire, timeoutMs: number): Promise<Wire> {
  const fn = (client as unknown as Record<string, unknown>)[method];
  if (typeof fn !== 'function') return Promise.reject(new Error(`CRI method ${method} is not declared in api.proto`));
  return new Promise((resolve, reject) => {
    (fn as (req: Wire, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Wire) => void) => void).call(
      client, request, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) {
          err.message = `CRI ${method}: ${err.details || err.message}`;
          reject(err);
        } else {
          resolve(res);
        }
      });
  });
}
