/**
 * @module apiserver/protobuf/tools/capture-kubectl — development script (never imported at run
 * time) that records the exact request bodies kubectl sends for protobuf-encoded writes. It starts
 * a throw-away HTTPS server on 127.0.0.1 (self-signed cert from the openssl CLI) that answers
 * legacy discovery and records every POST, runs kubectl commands against it, and writes
 * `../testdata/<name>.pb` (raw body), `../testdata/<name>.client.json` (the same object printed
 * by `--dry-run=client -o json`, the Go JSON oracle) and `../testdata/captures.json` (metadata).
 * Usage: `node capture-kubectl.ts [kubectl-binary] [out-dir]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const kubectl = process.argv[2] ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const outDir = process.argv[3] ?? join(import.meta.dirname, '..', 'testdata');

/** Capture is one recorded command. */
interface Capture { readonly name: string; readonly args: readonly string[]; readonly clientJson: boolean }

const CAPTURES: readonly Capture[] = [
  { name: 'create-deployment', args: ['create', 'deployment', 'web', '--image=nginx:1.27', '--port=8080', '-n', 'default'], clientJson: true },
  { name: 'create-deployment-zero', args: ['create', 'deployment', 'idle', '--image=busybox', '--replicas=0', '-n', 'default'], clientJson: true },
  { name: 'create-configmap', args: ['create', 'configmap', 'cfg', '--from-literal=a=b', '--from-literal=empty=', '-n', 'default'], clientJson: true },
  { name: 'create-secret', args: ['create', 'secret', 'generic', 'sec', '--from-literal=password=s3cr3t', '--type=Opaque', '-n', 'default'], clientJson: true },
  { name: 'create-namespace', args: ['create', 'namespace', 'ns1'], clientJson: true },
  { name: 'create-job', args: ['create', 'job', 'job1', '--image=busybox', '-n', 'default', '--', 'echo', 'hi'], clientJson: true },
  { name: 'create-token', args: ['create', 'token', 'default', '-n', 'default', '--duration=1h', '--audience=api'], clientJson: false },
  { name: 'auth-whoami', args: ['auth', 'whoami'], clientJson: false },
  { name: 'auth-can-i', args: ['auth', 'can-i', 'create', 'deployments.apps', '-n', 'default'], clientJson: false },
  { name: 'auth-can-i-subresource', args: ['auth', 'can-i', 'get', 'pods', '--subresource=log', '-n', 'kube-system'], clientJson: false },
];

const RESOURCES: Record<string, readonly (readonly [string, string, boolean])[]> = {
  '/api/v1': [['configmaps', 'ConfigMap', true], ['secrets', 'Secret', true], ['namespaces', 'Namespace', false], ['pods', 'Pod', true],
    ['pods/log', 'Pod', true], ['serviceaccounts', 'ServiceAccount', true], ['serviceaccounts/token', 'TokenRequest', true]],
  '/apis/apps/v1': [['deployments', 'Deployment', true]],
  '/apis/batch/v1': [['jobs', 'Job', true]],
  '/apis/authorization.k8s.io/v1': [['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false]],
  '/apis/authentication.k8s.io/v1': [['selfsubjectreviews', 'SelfSubjectReview', false]],
};

function discovery(path: string, host: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }] };
  if (path === '/apis') {
    const groups = Object.keys(RESOURCES).filter((p) => p.startsWith('/apis/')).map((p) => {
      const [, , name, version] = p.split('/');
      const gv = { groupVersion: `${name}/${version}`, version };
      return { name, versions: [gv], preferredVersion: gv };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const res = RESOURCES[path];
  if (!res) return undefined;
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: path.replace(/^\/apis?\//, ''),
    resources: res.map(([name, kind, namespaced]) => ({
      name, singularName: name.includes('/') ? '' : kind.toLowerCase(), namespaced, kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    })),
  };
}

function reply(path: string): unknown {
  if (path.includes('selfsubjectaccessreviews')) {
    return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {}, status: { allowed: true } };
  }
  if (path.endsWith('/token')) {
    return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['api'] }, status: { token: 'captured-token', expirationTimestamp: '2030-01-01T00:00:00Z' } };
  }
  if (path.includes('selfsubjectreviews')) {
    return { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', status: { userInfo: { username: 'admin', groups: ['system:masters'] } } };
  }
  return { apiVersion: 'v1', kind: 'Status', status: 'Success' };
}

interface Recorded { method: string; path: string; contentType: string; body: Buffer }

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capture-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const recorded: Recorded[] = [];
  const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://x');
        const send = (code: number, body: unknown): void => {
          res.writeHead(code, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.method === 'GET') {
          const d = discovery(url.pathname, req.headers.host ?? '');
          if (d) send(200, d);
          else send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
          return;
        }
        recorded.push({ method: req.method ?? '', path: req.url ?? '', contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
        send(201, reply(url.pathname));
      });
    });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: capture-token\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`);
  const env = { ...process.env, HOME: dir, KUBECONFIG: kubeconfig };
  const manifest: Record<string, unknown> = {};
  const version = execFileSync(kubectl, ['version', '--client', '-o', 'json'], { env, encoding: 'utf8' });
  for (const c of CAPTURES) {
    const before = recorded.length;
    const extra = c.args[0] === 'create' && c.args[1] !== 'token' ? ['--dry-run=server', '--validate=false'] : [];
    try {
      const run = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
        // Asynchronous run: the server lives in this process and must keep answering.
        import('node:child_process').then(({ execFile }) => execFile(kubectl, args, { env, encoding: 'utf8' },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)))).catch(reject);
      });
      const out = await run([...c.args.slice(0, c.args.indexOf('--') < 0 ? undefined : c.args.indexOf('--')), ...extra,
        ...(c.args.includes('--') ? c.args.slice(c.args.indexOf('--')) : [])]);
      process.stdout.write(`${c.name}: ${out.trim()}\n`);
      if (c.clientJson) {
        const args = [...c.args];
        const cut = args.indexOf('--');
        const head = cut < 0 ? args : args.slice(0, cut);
        const tail = cut < 0 ? [] : args.slice(cut);
        const json = await run([...head, '--dry-run=client', '-o', 'json', ...tail]);
        writeFileSync(join(outDir, `${c.name}.client.json`), `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
      }
    } catch (err) {
      process.stdout.write(`${c.name}: FAILED ${(err as Error).message}\n`);
    }
    const posts = recorded.slice(before);
    if (posts.length !== 1) {
      process.stdout.write(`${c.name}: expected one POST, saw ${posts.length}\n`);
      continue;
    }
    const p = posts[0];
    writeFileSync(join(outDir, `${c.name}.pb`), p.body);
    manifest[c.name] = { command: ['kubectl', ...c.args].join(' '), method: p.method, path: p.path, contentType: p.contentType, bytes: p.body.length };
  }
  const client = JSON.parse(version).clientVersion.gitVersion;
  writeFileSync(join(outDir, 'captures.json'), `${JSON.stringify({ kubectl: client, captures: manifest }, null, 2)}\n`);
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
