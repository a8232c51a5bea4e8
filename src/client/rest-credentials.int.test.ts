/**
 * @module client/rest-credentials.int.test — RestClient.setCredentials against a real HTTPS server
 * on loopback that answers each request with its peer certificate's CN: requests after the switch
 * present the new certificate, the old keep-alive connection is closed once idle, and an open watch
 * (on the old certificate) ends so that its consumer watches again with the new one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../pki/index.ts';
import { RestClient } from './rest.ts';
import { RESOURCES } from './resources.ts';

let server: https.Server;
let url: string;
let ca: { cert: string; key: string };
const sockets = new Set<Socket>();

before(async () => {
  ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  server = https.createServer({ cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
    if (req.url?.includes('watch=true')) {
      // A watch that stays open: one event naming the certificate, then nothing.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: String(cn) } } })}\n`);
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: String(cn) } }));
  });
  server.on('secureConnection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

void test('setCredentials: later requests present the new certificate; old connections close; watches end', async () => {
  const a = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:node:a' });
  const b = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:node:b' });
  const client = new RestClient({ server: url, ca: ca.cert, cert: a.cert, key: a.key });
  try {
    assert.equal((await client.get(RESOURCES.configmaps, 'x', 'y')).metadata.name, 'system:node:a');
    const events = client.watch(RESOURCES.configmaps, 'x')[Symbol.asyncIterator]();
    assert.equal((await events.next()).value?.object.metadata.name, 'system:node:a');
    const before = new Set(sockets);
    assert.equal(before.size, 2, 'one keep-alive request connection and one watch');

    client.setCredentials(b);
    assert.equal(client.config.cert, b.cert);
    // The watch on the old certificate ends (its consumer watches again).
    const ended = await events.next().then((r) => r.done === true, () => true);
    assert.equal(ended, true, 'the old watch ended');
    assert.equal((await client.get(RESOURCES.configmaps, 'x', 'y')).metadata.name, 'system:node:b');
    const again = client.watch(RESOURCES.configmaps, 'x')[Symbol.asyncIterator]();
    assert.equal((await again.next()).value?.object.metadata.name, 'system:node:b');
    await again.return(undefined);
    // Both connections made with the old certificate are gone.
    for (let i = 0; i < 50 && [...before].some((s) => sockets.has(s)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([...before].filter((s) => sockets.has(s)).length, 0, 'old connections closed');
  } finally {
    client.close();
  }
});

void test('the client\'s one TLS context still verifies the server: a client trusting another CA is refused, requests and watches alike', async () => {
  const other = await createCertificateAuthority();
  const pair = await issueClientCertificate(ca.cert, ca.key, { commonName: 'system:node:c' });
  const client = new RestClient({ server: url, ca: other.cert, cert: pair.cert, key: pair.key });
  try {
    await assert.rejects(client.get(RESOURCES.configmaps, 'x', 'y'), /certificate|self.signed|verify/i);
    await assert.rejects(client.watch(RESOURCES.configmaps, 'x')[Symbol.asyncIterator]().next(), /certificate|self.signed|verify/i);
    const good = new RestClient({ server: url, ca: ca.cert, cert: pair.cert, key: pair.key });
    try {
      // Several connections from one context: each presents the client certificate.
      const names = await Promise.all([1, 2, 3].map(() => good.get(RESOURCES.configmaps, 'x', 'y')));
      assert.deepEqual(names.map((o) => o.metadata.name), ['system:node:c', 'system:node:c', 'system:node:c']);
    } finally { good.close(); }
  } finally {
    client.close();
  }
});

void test('credentials that do not parse fail each request (as before), not the client\'s construction', async () => {
  const client = new RestClient({ server: url, ca: ca.cert, cert: 'not a certificate', key: 'not a key' });
  try {
    await assert.rejects(client.get(RESOURCES.configmaps, 'x', 'y'), /PEM|certificate|key/i);
  } finally {
    client.close();
  }
});
