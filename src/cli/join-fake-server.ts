/**
 * @module cli/join-fake-server — test support: a small fake API server over real TLS that plays
 * the parts `windlass join` talks to — anonymous `cluster-info` with per-token JWS, bootstrap-token
 * bearer authentication, the CSR API with a configurable approver/signer, and Nodes/Leases for
 * client-certificate identities. Not a general API server; only what the join tests need.
 */
import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { stringify } from 'yaml';
import {
  createCertificateAuthority, createCertificateRequest, issueServerCertificate, signCertificateRequest, signDetachedJws,
} from '../pki/index.ts';

/** A token the fake cluster knows: its secret, whether it authenticates, whether cluster-info carries its JWS. */
export interface FakeToken { readonly secret: string; readonly authentication: boolean; readonly signing: boolean }

/** What the fake CSR controller does with a new CSR. */
export type CsrMode = 'approve' | 'deny' | 'never' | 'wrong-subject';

/** FakeCluster: the fake server and its knobs. */
export interface FakeCluster {
  readonly url: string;
  readonly port: number;
  readonly caCert: string;
  readonly caKey: string;
  readonly tokens: Map<string, FakeToken>;
  readonly nodes: Map<string, Record<string, any>>;
  readonly leases: Map<string, Record<string, any>>;
  readonly csrs: Map<string, Record<string, any>>;
  csrMode: CsrMode;
  /** forbidNodes: answer 403 to node writes (a name held by another identity). */
  forbidNodes: boolean;
  close(): Promise<void>;
}

/** readBody collects a request body as text. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
  });
}

/** send writes a JSON reply. */
function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** statusBody is a Kubernetes Status object. */
function statusBody(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}

/** startFakeCluster starts the fake server on 127.0.0.1 with a fresh CA. */
export async function startFakeCluster(): Promise<FakeCluster> {
  const ca = await createCertificateAuthority();
  const serving = await issueServerCertificate(ca.cert, ca.key, { hosts: ['127.0.0.1'] });
  let rv = 1;
  const state = {
    tokens: new Map<string, FakeToken>(), nodes: new Map<string, Record<string, any>>(),
    leases: new Map<string, Record<string, any>>(), csrs: new Map<string, Record<string, any>>(),
    csrMode: 'approve' as CsrMode, forbidNodes: false,
  };
  let url = '';

  /** clusterInfo builds the ConfigMap with a JWS for each signing token. */
  const clusterInfo = (): Record<string, unknown> => {
    // kubeadm's shape: one unnamed cluster, no users, no contexts
    const kubeconfig = stringify({
      apiVersion: 'v1', kind: 'Config', preferences: {}, users: null, contexts: null, 'current-context': '',
      clusters: [{ name: '', cluster: { 'certificate-authority-data': Buffer.from(ca.cert).toString('base64'), server: url } }],
    });
    const data: Record<string, string> = { kubeconfig };
    for (const [id, t] of state.tokens) if (t.signing) data[`jws-kubeconfig-${id}`] = signDetachedJws(kubeconfig, id, t.secret);
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data };
  };

  /** user identifies the caller: node CN, bootstrap token id, or anonymous. */
  const user = (req: IncomingMessage): { kind: 'node'; name: string } | { kind: 'bootstrap'; id: string } | { kind: 'anonymous' } | { kind: 'bad' } => {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer ([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(auth);
      const t = m ? state.tokens.get(m[1]) : undefined;
      return t !== undefined && t.secret === m![2] && t.authentication ? { kind: 'bootstrap', id: m![1] } : { kind: 'bad' };
    }
    const sock = req.socket as TLSSocket;
    const cn = sock.authorized ? sock.getPeerCertificate().subject?.CN : undefined;
    const name = Array.isArray(cn) ? cn[0] : cn;
    return typeof name === 'string' && name.startsWith('system:node:') ? { kind: 'node', name: name.slice(12) } : { kind: 'anonymous' };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const who = user(req);
    if (who.kind === 'bad') return send(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
    if (req.method === 'GET' && path === '/api/v1/namespaces/kube-public/configmaps/cluster-info') return send(res, 200, clusterInfo());
    if (who.kind === 'anonymous') return send(res, 403, statusBody(403, 'Forbidden', `forbidden: User "system:anonymous" cannot ${req.method} ${path}`));

    const csrBase = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
    if (path === csrBase && req.method === 'POST') {
      const csr = JSON.parse(body);
      csr.metadata.resourceVersion = String(rv++);
      state.csrs.set(csr.metadata.name, csr);
      return send(res, 201, csr);
    }
    if (path.startsWith(`${csrBase}/`) && req.method === 'GET') {
      const csr = state.csrs.get(path.slice(csrBase.length + 1));
      if (csr === undefined) return send(res, 404, statusBody(404, 'NotFound', 'not found'));
      if (csr.status === undefined && state.csrMode !== 'never') {
        if (state.csrMode === 'deny') {
          csr.status = { conditions: [{ type: 'Denied', status: 'True', reason: 'PolicyDenied', message: 'node name is not allowed' }] };
        } else {
          let pem = Buffer.from(csr.spec.request, 'base64').toString('utf8');
          if (state.csrMode === 'wrong-subject') pem = (await createCertificateRequest({ commonName: 'system:node:other', organizations: ['system:nodes'] })).csrPem;
          const cert = await signCertificateRequest(ca.cert, ca.key, pem, { usages: csr.spec.usages, days: 1 });
          csr.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }], certificate: Buffer.from(cert).toString('base64') };
        }
      }
      return send(res, 200, csr);
    }
    const nodeMatch = /^\/api\/v1\/nodes(?:\/([^/]+))?(\/status)?$/.exec(path);
    if (nodeMatch) {
      const name = nodeMatch[1];
      if (req.method === 'GET' && name !== undefined) {
        const n = state.nodes.get(name);
        return n ? send(res, 200, n) : send(res, 404, statusBody(404, 'NotFound', `nodes "${name}" not found`));
      }
      if (who.kind !== 'node') return send(res, 403, statusBody(403, 'Forbidden', 'only nodes may write nodes'));
      if (state.forbidNodes) return send(res, 403, statusBody(403, 'Forbidden', `node "${who.name}" is not allowed to modify node "${name ?? 'new'}"`));
      if (req.method === 'POST' && name === undefined) {
        const n = JSON.parse(body);
        if (state.nodes.has(n.metadata.name)) return send(res, 409, statusBody(409, 'AlreadyExists', `nodes "${n.metadata.name}" already exists`));
        n.metadata.uid = `uid-${n.metadata.name}`;
        n.metadata.resourceVersion = String(rv++);
        state.nodes.set(n.metadata.name, n);
        return send(res, 201, n);
      }
      const live = name !== undefined ? state.nodes.get(name) : undefined;
      if (live === undefined) return send(res, 404, statusBody(404, 'NotFound', 'not found'));
      if (req.method === 'PATCH' && nodeMatch[2] !== undefined) {
        const patch = JSON.parse(body);
        live.status = { ...live.status, ...patch.status };
        live.metadata.resourceVersion = String(rv++);
        return send(res, 200, live);
      }
      if (req.method === 'PUT') {
        const n = JSON.parse(body);
        n.metadata.resourceVersion = String(rv++);
        state.nodes.set(name, n);
        return send(res, 200, n);
      }
    }
    const leaseBase = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    if (path.startsWith(leaseBase)) {
      const name = path.slice(leaseBase.length + 1);
      if (req.method === 'POST') {
        const l = JSON.parse(body);
        state.leases.set(l.metadata.name, l);
        return send(res, 201, l);
      }
      const l = state.leases.get(name);
      if (l === undefined) return send(res, 404, statusBody(404, 'NotFound', 'not found'));
      if (req.method === 'GET') return send(res, 200, l);
      if (req.method === 'PUT') {
        state.leases.set(name, JSON.parse(body));
        return send(res, 200, state.leases.get(name));
      }
    }
    return send(res, 404, statusBody(404, 'NotFound', `no fake route for ${req.method} ${path}`));
  };

  const server: Server = createServer({ cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, statusBody(500, 'InternalError', String(err))));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as AddressInfo).port;
  url = `https://127.0.0.1:${port}`;
  return Object.assign(state, {
    url, port, caCert: ca.cert, caKey: ca.key,
    close: () => new Promise<void>((res) => { server.closeAllConnections(); server.close(() => res()); }),
  });
}
