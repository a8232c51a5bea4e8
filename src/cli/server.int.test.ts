/**
 * @module cli/server.int.test — `windlass server`'s start-up and shutdown order against a stand-in
 * API server (a real HTTPS server on loopback that echoes the client certificate's subject).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { readKubeconfigCredentials } from '../pki/index.ts';
import type { Store } from '../store/index.ts';
import type { ApiServer, ApiServerOptions } from '../apiserver/index.ts';
import { certificateHosts, clientHost, hostForUrl, localEndpoint, runServer } from './server.ts';
import type { ServerDeps } from './server.ts';
import type { ServerFlags } from './program.ts';

/** fakeStore is a Store stand-in that only records being closed. */
function fakeStore(events: string[]): Store {
  return { name: 'fake', close: async () => { events.push('store closed'); } } as unknown as Store;
}

/** echoApiServer starts an HTTPS server that answers with the peer certificate's CN and O. */
async function echoApiServer(opts: ApiServerOptions, events: string[]): Promise<ApiServer> {
  const server = https.createServer({ ...opts.tls, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const subject = socket.getPeerCertificate().subject;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ authorized: socket.authorized, cn: subject?.CN, o: subject?.O }));
  });
  server.listen(opts.port, opts.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  events.push('api started');
  return {
    url: `https://${hostForUrl(opts.host)}:${port}`, port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
      events.push('api closed');
    },
  };
}

/** baseFlags returns server flags for a temporary data dir on loopback with a random port. */
function baseFlags(dataDir: string, extra: Partial<ServerFlags> = {}): ServerFlags {
  return {
    dataDir, httpsListenPort: 0, bindAddress: '127.0.0.1', writeKubeconfigMode: 0o600,
    clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', disableAgent: true, tlsSan: [],
    serviceNodePortRange: '30000-32767', nodeCidrMaskSize: 24, nodeMonitorGracePeriod: 40, disableScheduler: false, disableControllerManager: false, ...extra,
  };
}

void test('runServer: starts, writes kubeconfigs that authenticate as admin, stops in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'windlass-cli-'));
  try {
    const events: string[] = [];
    const logs: Record<string, unknown>[] = [];
    const out: string[] = [];
    const listening = Promise.withResolvers<void>();
    let apiOptions: ApiServerOptions | undefined;
    const deps: ServerDeps = {
      openStore: async (endpoint, dataDir) => { events.push(`store ${endpoint} ${dataDir}`); return fakeStore(events); },
      startApiServer: (opts) => { apiOptions = opts; return echoApiServer(opts, events); },
      log: {
        info: (msg, f) => { logs.push({ msg, ...f }); if (msg === 'listening') listening.resolve(); },
        error: (msg, f) => { logs.push({ level: 'error', msg, ...f }); },
      },
      out: (t) => out.push(t),
      hostname: () => 'Test-Host',
    };
    const extraKubeconfig = join(dir, 'home', 'kube', 'config');
    const controller = new AbortController();
    const running = runServer(baseFlags(join(dir, 'data'), {
      tlsSan: ['api.example'], writeKubeconfig: extraKubeconfig, writeKubeconfigMode: 0o640,
    }), controller.signal, deps);
    await listening.promise;

    assert.equal(out.length, 1);
    const m = /^windlass: listening on (https:\/\/127\.0\.0\.1:(\d+))\n$/.exec(out[0]);
    assert.ok(m, out[0]);
    assert.notEqual(Number(m[2]), 0);
    const admin = await readFile(join(dir, 'data', 'admin.kubeconfig'), 'utf8');
    assert.equal(await readFile(extraKubeconfig, 'utf8'), admin);
    if (process.platform !== 'win32') {
      assert.equal((await stat(join(dir, 'data', 'admin.kubeconfig'))).mode & 0o777, 0o600);
      assert.equal((await stat(extraKubeconfig)).mode & 0o777, 0o640);
    }
    const creds = readKubeconfigCredentials(admin);
    assert.equal(creds.server, m[1]);
    // The control plane's local endpoint: a socket in the data directory, a token per component.
    assert.equal(apiOptions?.local?.path, join(dir, 'data', 'api.sock'));
    assert.deepEqual([...apiOptions.local.tokens.values()].map((u) => u.username).sort(), ['system:kube-controller-manager', 'system:kube-scheduler']);

    const body = await new Promise<string>((res, rej) => {
      https.get(`${creds.server}/version`, { ca: creds.caCert, cert: creds.clientCert, key: creds.clientKey, agent: false }, (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => { text += c; });
        r.on('end', () => res(text));
      }).on('error', rej);
    });
    assert.deepEqual(JSON.parse(body), { authorized: true, cn: 'kubernetes-admin', o: 'system:masters' });

    controller.abort();
    await running;
    assert.deepEqual(events, [`store undefined ${join(dir, 'data')}`, 'api started', 'api closed', 'store closed']);
    assert.deepEqual(logs.map((l) => l.msg), ['starting', 'listening', 'shutting down', 'stopped']);
    assert.equal(logs[1].url, m[1]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('runServer: a failing API server start closes the store and rejects', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'windlass-cli-'));
  try {
    const events: string[] = [];
    const deps: ServerDeps = {
      openStore: async () => fakeStore(events),
      startApiServer: async () => { throw new Error('listen EADDRINUSE'); },
      log: { info: () => {}, error: () => {} },
      out: () => {},
      hostname: () => 'h',
    };
    await assert.rejects(runServer(baseFlags(dir), new AbortController().signal, deps), /EADDRINUSE/);
    assert.deepEqual(events, ['store closed']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('localEndpoint: a socket in the data directory (a pipe on Windows, none if the path is too long), fresh tokens', () => {
  const a = localEndpoint('/var/lib/windlass', 'linux');
  assert.equal(a.socketPath, '/var/lib/windlass/api.sock');
  assert.deepEqual([...a.tokens.keys()].sort(), ['system:kube-controller-manager', 'system:kube-scheduler']);
  const tokens = [...a.tokens.values()];
  assert.equal(new Set(tokens).size, 2);
  for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  const b = localEndpoint('/var/lib/windlass', 'linux');
  assert.ok([...b.tokens.values()].every((t) => !tokens.includes(t)), 'each start makes new tokens');
  assert.equal(localEndpoint(`/${'d'.repeat(95)}`, 'linux').socketPath, undefined);
  assert.match(localEndpoint('C:\\windlass', 'win32').socketPath ?? '', /^\\\\\.\\pipe\\windlass-api-[0-9a-f]{16}$/);
});

void test('client host and certificate hosts', () => {
  const table: { flags: Pick<ServerFlags, 'advertiseAddress' | 'bindAddress'>; want: string }[] = [
    { flags: { bindAddress: '0.0.0.0' }, want: '127.0.0.1' },
    { flags: { bindAddress: '::' }, want: '::1' },
    { flags: { bindAddress: '10.0.0.2' }, want: '10.0.0.2' },
    { flags: { bindAddress: '0.0.0.0', advertiseAddress: '192.0.2.7' }, want: '192.0.2.7' },
  ];
  for (const { flags, want } of table) assert.equal(clientHost(flags), want);
  assert.equal(hostForUrl('::1'), '[::1]');
  assert.equal(hostForUrl('10.0.0.1'), '10.0.0.1');
  assert.deepEqual(certificateHosts({ tlsSan: ['a.example'], bindAddress: '10.0.0.2', advertiseAddress: '192.0.2.7' }, 'Node-1'),
    ['a.example', '192.0.2.7', '10.0.0.2', 'node-1']);
  assert.deepEqual(certificateHosts({ tlsSan: [], bindAddress: '0.0.0.0' }, 'bad_name'), []);
});
