/** @module runtime/cri/endpoint.test — endpoint parsing (unix, npipe, tcp) and its inverse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointForSocket, parseCriEndpoint } from './endpoint.ts';

test('parseCriEndpoint', async (t) => {
  const cases: [string, string, string, string][] = [
    ['unix:///run/containerd/containerd.sock', 'unix', '/run/containerd/containerd.sock', 'unix:///run/containerd/containerd.sock'],
    ['unix:/tmp/x.sock', 'unix', '/tmp/x.sock', 'unix:///tmp/x.sock'],
    ['/var/lib/windlass/containerd.sock', 'unix', '/var/lib/windlass/containerd.sock', 'unix:///var/lib/windlass/containerd.sock'],
    ['npipe:////./pipe/containerd-containerd', 'npipe', '\\\\.\\pipe\\containerd-containerd', 'unix:\\\\.\\pipe\\containerd-containerd'],
    ['npipe://./pipe/containerd-containerd', 'npipe', '\\\\.\\pipe\\containerd-containerd', 'unix:\\\\.\\pipe\\containerd-containerd'],
    ['\\\\.\\pipe\\windlass-ctd', 'npipe', '\\\\.\\pipe\\windlass-ctd', 'unix:\\\\.\\pipe\\windlass-ctd'],
    ['tcp://127.0.0.1:1234', 'tcp', '127.0.0.1:1234', 'dns:127.0.0.1:1234'],
    ['tcp://[::1]:1234/', 'tcp', '[::1]:1234', 'dns:[::1]:1234'],
  ];
  for (const [input, kind, address, target] of cases) {
    await t.test(input, () => {
      assert.deepEqual(parseCriEndpoint(input), { kind, address, grpcTarget: target });
    });
  }
  for (const bad of ['unix://relative.sock', 'npipe:////./notpipe/x', 'http://x', 'tcp://host', '']) {
    await t.test(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseCriEndpoint(bad)));
  }
});

test('the grpc-js target of a named pipe resolves to the pipe path', async () => {
  // grpc-js's own URI parser and UDS resolver rule: no authority → the path is used as is.
  const { parseUri } = await import('@grpc/grpc-js/build/src/uri-parser.js') as { parseUri: (s: string) => { scheme?: string; authority?: string; path: string } | null };
  const parsed = parseUri(parseCriEndpoint('npipe:////./pipe/containerd-containerd').grpcTarget);
  assert.equal(parsed?.scheme, 'unix');
  assert.equal(parsed?.authority, undefined);
  assert.equal(parsed?.path, '\\\\.\\pipe\\containerd-containerd');
});

test('endpointForSocket round-trips', () => {
  assert.equal(endpointForSocket('/a/b.sock'), 'unix:///a/b.sock');
  assert.equal(parseCriEndpoint(endpointForSocket('\\\\.\\pipe\\x')).address, '\\\\.\\pipe\\x');
});
