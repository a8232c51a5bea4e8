/**
 * @module runtime/cri/endpoint — CRI endpoint strings (kubelet's `--container-runtime-endpoint`
 * forms) parsed into what gRPC and `ctr` need. Supported: `unix:///abs/path.sock`, a bare
 * absolute socket path, Windows named pipes `npipe:////./pipe/<name>` (also `npipe://./pipe/<name>`
 * and a raw `\\.\pipe\<name>`), and `tcp://host:port` (tests only; CRI has no TLS here).
 *
 * Named pipes: grpc-js resolves a `unix:<path>` target whose path has no leading `//` to a
 * subchannel address `{ path }` and opens it with `net.connect({ path })`; on Windows Node's
 * `net.connect` opens named pipes given as `\\.\pipe\<name>`, so the target `unix:\\.\pipe\<name>`
 * dials the pipe with no proxy or custom channel.
 */

/** CriEndpoint is a parsed endpoint: `address` is the socket path, pipe path or host:port; `grpcTarget` is for grpc-js. */
export interface CriEndpoint {
  readonly kind: 'unix' | 'npipe' | 'tcp';
  readonly address: string;
  readonly grpcTarget: string;
}

/** parseCriEndpoint parses an endpoint string, throwing on forms it does not support. */
export function parseCriEndpoint(endpoint: string): CriEndpoint {
  const e = endpoint.trim();
  if (e.startsWith('npipe:') || e.startsWith('\\\\')) {
    const rest = e.startsWith('npipe:') ? e.slice('npipe:'.length) : e;
    // `//./pipe/name`, `////./pipe/name` or `\\.\pipe\name` → `\\.\pipe\name`
    const parts = rest.split(/[\\/]+/).filter((p) => p !== '');
    if (parts.length < 3 || parts[1].toLowerCase() !== 'pipe') throw new Error(`invalid named pipe endpoint ${JSON.stringify(endpoint)}`);
    const pipe = `\\\\${parts[0]}\\pipe\\${parts.slice(2).join('\\')}`;
    return { kind: 'npipe', address: pipe, grpcTarget: `unix:${pipe}` };
  }
  if (e.startsWith('unix:')) {
    let path = e.slice('unix:'.length);
    if (path.startsWith('//')) path = path.slice(2); // unix:///abs → /abs
    if (!path.startsWith('/')) throw new Error(`unix endpoint needs an absolute path: ${JSON.stringify(endpoint)}`);
    return { kind: 'unix', address: path, grpcTarget: `unix://${path}` };
  }
  if (e.startsWith('/')) return { kind: 'unix', address: e, grpcTarget: `unix://${e}` };
  if (e.startsWith('tcp://')) {
    const hostPort = e.slice('tcp://'.length).replace(/\/+$/, '');
    if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d+$/.test(hostPort)) throw new Error(`invalid tcp endpoint ${JSON.stringify(endpoint)}`);
    return { kind: 'tcp', address: hostPort, grpcTarget: `dns:${hostPort}` };
  }
  throw new Error(`unsupported CRI endpoint ${JSON.stringify(endpoint)} (use unix://, npipe:// or tcp://)`);
}

/** endpointForSocket turns a containerd socket/pipe path (as in its config) into an endpoint URI. */
export function endpointForSocket(path: string): string {
  return path.startsWith('\\\\') ? `npipe://${path.replaceAll('\\', '/')}` : `unix://${path}`;
}
