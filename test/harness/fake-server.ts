/**
 * @module test/harness/fake-server — a stand-in for `windlass server` used only to test the harness
 * (and dry-run the benchmarks) before the real server exists: it honours the CLI contract (flags,
 * `windlass: listening on https://127.0.0.1:PORT`, `DATA_DIR/admin.kubeconfig`, SIGTERM exit 0) and
 * serves a tiny CRUD + watch API for `/api/v1/[namespaces/NS/]RESOURCE[/NAME]`, with creates
 * appended and fsynced to `DATA_DIR/fake.jsonl` before the 201, and a watch window of
 * `WINDLASS_WATCH_CACHE_SIZE` events (ERROR 410 for older resourceVersions). It is not a Kubernetes API server.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const dataDir = flag('--data-dir', '.');
const port = Number(flag('--https-listen-port', '0'));
const host = flag('--bind-address', '127.0.0.1');
mkdirSync(join(dataDir, 'tls'), { recursive: true });
const tls = (f: string): string => join(dataDir, 'tls', f);
const ssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
if (!existsSync(tls('ca.crt'))) {
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=fake-ca', '-keyout', tls('ca.key'), '-out', tls('ca.crt'));
  for (const [name, subj, ext] of [['server', '/CN=fake-server', 'subjectAltName=IP:127.0.0.1'],
    ['admin', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth']] as const) {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', subj,
      '-keyout', tls(`${name}.key`), '-out', tls(`${name}.csr`));
    writeFileSync(tls(`${name}.ext`), `${ext}\n`);
    ssl('x509', '-req', '-in', tls(`${name}.csr`), '-CA', tls('ca.crt'), '-CAkey', tls('ca.key'), '-CAcreateserial',
      '-days', '2', '-extfile', tls(`${name}.ext`), '-out', tls(`${name}.crt`));
  }
}
const read = (f: string): string => readFileSync(tls(f), 'utf8');

type Obj = { metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown }; [k: string]: unknown };
const objects = new Map<string, Obj>();
let rv = 1;
const logPath = join(dataDir, 'fake.jsonl');
if (existsSync(logPath)) {
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      const { key, obj } = JSON.parse(line) as { key: string; obj: Obj };
      objects.set(key, obj);
      rv = Math.max(rv, Number(obj.metadata.resourceVersion));
    } catch { /* torn last line after kill -9 */ }
  }
}
const logFd = openSync(logPath, 'a');
const watchers = new Set<{ prefix: string; res: ServerResponse }>();

const send = (res: ServerResponse, code: number, body: unknown): void => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const status = (res: ServerResponse, code: number, reason: string, message: string): void =>
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code });
const windowSize = Number(process.env.WINDLASS_WATCH_CACHE_SIZE ?? 1000);
const history: { rv: number; type: string; key: string; obj: Obj }[] = [];
const notify = (type: string, key: string, obj: Obj): void => {
  history.push({ rv: Number(obj.metadata.resourceVersion), type, key, obj });
  if (history.length > windowSize) history.shift();
  for (const w of watchers) if (key.startsWith(w.prefix)) w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
};

const server = createServer({ key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
  const url = new URL(req.url ?? '/', 'https://x');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (url.pathname === '/version') return send(res, 200, { major: '1', minor: '30', gitVersion: 'v1.30.0-fake' });
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const [, ns = '', resource, name] = m;
    const prefix = `${resource}/${ns}/`;
    if (!name && req.method === 'GET' && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      const from = Number(url.searchParams.get('resourceVersion') ?? '0');
      if (from > 0 && history.length > 0 && from < history[0].rv - 1) {
        res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from} (${history[0].rv - 1})`, reason: 'Expired', code: 410 } })}\n`);
        return;
      }
      for (const h of history) if (h.rv > from && h.key.startsWith(prefix)) res.write(`${JSON.stringify({ type: h.type, object: h.obj })}\n`);
      const w = { prefix, res };
      watchers.add(w);
      res.on('close', () => watchers.delete(w));
      return;
    }
    if (!name && req.method === 'GET') {
      const items = [...objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, o]) => o);
      return send(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items });
    }
    let body: Obj | undefined;
    if (chunks.length) {
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj; } catch { return status(res, 400, 'BadRequest', 'malformed JSON'); }
    }
    if (!name && req.method === 'POST' && body) {
      const key = prefix + body.metadata.name;
      if (objects.has(key)) return status(res, 409, 'AlreadyExists', `${resource} "${body.metadata.name}" already exists`);
      const obj: Obj = { ...body, metadata: { ...body.metadata, namespace: ns, resourceVersion: String(++rv) } };
      appendFileSync(logFd, `${JSON.stringify({ key, obj })}\n`);
      fsyncSync(logFd);
      objects.set(key, obj);
      notify('ADDED', key, obj);
      return send(res, 201, obj);
    }
    const key = prefix + (name ?? '');
    const cur = objects.get(key);
    if (!cur) return status(res, 404, 'NotFound', `${resource} "${name}" not found`);
    if (req.method === 'GET') return send(res, 200, cur);
    if (req.method === 'PUT' && body) {
      const obj: Obj = { ...body, metadata: { ...body.metadata, namespace: ns, resourceVersion: String(++rv) } };
      objects.set(key, obj);
      notify('MODIFIED', key, obj);
      return send(res, 200, obj);
    }
    if (req.method === 'PATCH' && body) {
      const obj: Obj = { ...cur, data: { ...(cur.data as object), ...(body.data as object) }, metadata: { ...cur.metadata, resourceVersion: String(++rv) } };
      objects.set(key, obj);
      notify('MODIFIED', key, obj);
      return send(res, 200, obj);
    }
    if (req.method === 'DELETE') {
      objects.delete(key);
      notify('DELETED', key, { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++rv) } });
      return send(res, 200, cur);
    }
    return status(res, 405, 'MethodNotAllowed', 'method not allowed');
  });
});
server.listen(port, host, () => {
  const addr = server.address();
  const p = typeof addr === 'object' && addr ? addr.port : port;
  const b64 = (f: string): string => Buffer.from(read(f)).toString('base64');
  writeFileSync(join(dataDir, 'admin.kubeconfig'), [
    'apiVersion: v1', 'kind: Config', 'current-context: fake',
    'clusters:', '- name: fake', '  cluster:', `    server: https://127.0.0.1:${p}`, `    certificate-authority-data: ${b64('ca.crt')}`,
    'users:', '- name: fake', '  user:', `    client-certificate-data: ${b64('admin.crt')}`, `    client-key-data: ${b64('admin.key')}`,
    'contexts:', '- name: fake', '  context: {cluster: fake, user: fake}', '',
  ].join('\n'), { mode: 0o600 });
  process.stdout.write(`windlass: listening on https://127.0.0.1:${p}\n`);
});
process.on('SIGTERM', () => {
  for (const w of watchers) w.res.end();
  server.close(() => { closeSync(logFd); process.exit(0); });
  server.closeAllConnections();
});
