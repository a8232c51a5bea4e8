/**
 * The agent server's TLS and authorization on its own: a rotated serving certificate is served to
 * new connections, bearer tokens are checked with a TokenReview, callers outside system:masters are
 * checked with a SubjectAccessReview on this node (nodes/proxy, nodes/stats), and non-upgrade exec
 * requests get a 400 Status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { JsonObject } from '../api/index.ts';
import type { ApiClient } from '../client/index.ts';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../pki/index.ts';
import { startAgentServer } from './server.ts';
import { startTestRuntime } from './streaming/test-runtime.ts';

function get(port: number, path: string, ca: string, cert: { cert: string; key: string } | string, method = 'GET'): Promise<{ code: number; body: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const auth = typeof cert === 'string' ? { headers: { Authorization: `Bearer ${cert}` } } : { cert: cert.cert, key: cert.key };
    const req = httpsRequest({ host: '127.0.0.1', port, path, method, ca, ...auth, agent: false }, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      let body = ''; res.on('data', (c: Buffer) => { body += c.toString(); }); res.on('end', () => resolve({ code: res.statusCode ?? 0, body, serial }));
    });
    req.on('error', reject);
    req.end();
  });
}

void test('serving certificate rotation, SubjectAccessReview for other callers, stats', async () => {
  const ca = await createCertificateAuthority();
  let serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  const reviews: JsonObject[] = [];
  const client = {
    create: (_r: unknown, _ns: string, obj: JsonObject) => {
      if (obj.kind === 'TokenReview') {
        const ok = (obj.spec as { token: string }).token === 'good-token';
        return Promise.resolve({ ...obj, status: ok ? { authenticated: true, user: { username: 'monitor', groups: ['system:serviceaccounts'] } } : { authenticated: false } });
      }
      reviews.push(obj);
      const spec = obj.spec as { user: string; resourceAttributes: { subresource: string } };
      return Promise.resolve({ ...obj, status: { allowed: spec.user === 'monitor' && spec.resourceAttributes.subresource === 'stats' } });
    },
  } as unknown as ApiClient;
  const { runtime, test: trt } = await startTestRuntime();
  const agent = await startAgentServer({
    host: '127.0.0.1', port: 0, tls: () => serving, caCert: ca.cert, nodeName: 'node-9', runtime, client,
    stats: { summary: () => Promise.resolve({ node: { nodeName: 'node-9' } }), resourceMetrics: () => Promise.resolve('# metrics\n') },
  });
  try {
    const monitor = await issueClientCertificate(ca.cert, ca.key, { commonName: 'monitor', organizations: ['monitoring'] });
    const a = await get(agent.port, '/stats/summary', ca.cert, monitor);
    assert.deepEqual([a.code, JSON.parse(a.body)], [200, { node: { nodeName: 'node-9' } }]);
    const denied = await get(agent.port, '/pods', ca.cert, monitor);
    assert.equal(denied.code, 403);
    assert.deepEqual(reviews.slice(0, 2).map((r) => (r.spec as { resourceAttributes: unknown }).resourceAttributes), [
      { verb: 'get', resource: 'nodes', subresource: 'stats', name: 'node-9' },
      { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'node-9' },
    ]);
    assert.deepEqual((reviews[0].spec as { groups: unknown }).groups, ['monitoring']);
    assert.equal((await get(agent.port, '/stats/summary', ca.cert, 'good-token')).code, 200);
    assert.equal((await get(agent.port, '/stats/summary', ca.cert, 'bad-token')).code, 401);
    assert.equal((await get(agent.port, '/pods', ca.cert, 'good-token')).code, 403);
    const admin = await issueClientCertificate(ca.cert, ca.key, { commonName: 'root', organizations: ['system:masters'] });
    const m = await get(agent.port, '/metrics/resource', ca.cert, admin);
    assert.equal(m.body, '# metrics\n');
    const plain = await get(agent.port, '/exec/default/web/main?command=ls', ca.cert, admin, 'POST');
    assert.equal(plain.code, 400);
    const before = (await get(agent.port, '/healthz', ca.cert, admin)).serial;
    serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
    const after = (await get(agent.port, '/healthz', ca.cert, admin)).serial;
    assert.notEqual(after, before);
  } finally {
    await agent.close();
    await trt.close();
  }
});
