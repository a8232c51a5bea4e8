/**
 * @module apiserver/test-support — fixtures for the API server's tests: a throwaway CA with server
 * and client certificates (openssl CLI), a small kind catalog with fake schema/validation hooks,
 * and an HTTPS client.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FieldError, JsonObject, KindInfo, SchemaRegistry, StructDef } from '../api/index.ts';
import { fieldSelectorFields, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../api/selectors/index.ts';
import type { ApiDeps } from './deps.ts';
import { createMemoryStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.ts';
import { applyMergePatch } from './patch/merge-patch.ts';
import { applyJsonPatch } from './patch/json-patch.ts';

/** TestPki holds PEM strings for a CA, a server (127.0.0.1) and an admin client. */
export interface TestPki { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; otherCert: string; otherKey: string }

/** makeTestPki creates certificates with the openssl CLI in a temporary directory. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'windlass-apiserver-test-'));
  const o = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }); };
  try {
    o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    o('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=server');
    o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext');
    o('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/O=system:masters/O=devs/CN=alice');
    o('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2');
    o('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', '-subj', '/CN=mallory');
    const r = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return { ca: r('ca.crt'), serverCert: r('server.crt'), serverKey: r('server.key'), clientCert: r('client.crt'), clientKey: r('client.key'), otherCert: r('other.crt'), otherKey: r('other.key') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const META = 'meta.v1.ObjectMeta';
const s = (name: string, fields: Record<string, StructDef['fields'][string]['type']>): StructDef => ({
  name, fields: Object.fromEntries(Object.entries(fields).map(([k, type]) => [k, { type }])),
});
const str = { kind: 'scalar', scalar: 'string' } as const;
const int = { kind: 'scalar', scalar: 'int32' } as const;
const json = { kind: 'special', special: 'json' } as const;
const ref = (name: string) => ({ kind: 'ref', name }) as const;
const base = { apiVersion: str, kind: str, metadata: ref(META) };

const STRUCTS: StructDef[] = [
  s(META, { name: str, generateName: str, namespace: str, uid: str, resourceVersion: str, generation: int, creationTimestamp: str, deletionTimestamp: str, deletionGracePeriodSeconds: int, labels: json, annotations: json, finalizers: json, ownerReferences: json, managedFields: json }),
  s('core.v1.ConfigMap', { ...base, data: json, binaryData: json, immutable: { kind: 'scalar', scalar: 'boolean' } }),
  s('core.v1.Namespace', { ...base, spec: json, status: json }),
  s('core.v1.Pod', { ...base, spec: json, status: json }),
  s('apps.v1.Deployment', { ...base, spec: ref('apps.v1.DeploymentSpec'), status: json }),
  s('apps.v1.DeploymentSpec', { replicas: int, selector: json, template: json, paused: { kind: 'scalar', scalar: 'boolean' } }),
  s('apiextensions.v1.CustomResourceDefinition', { ...base, spec: json, status: json }),
  s('authentication.v1.SelfSubjectReview', { ...base, status: json }),
  s('authorization.v1.SelfSubjectAccessReview', { ...base, spec: json, status: json }),
];

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

/** TEST_KINDS is a small catalog: namespaces, configmaps, pods, deployments, CRDs, reviews. */
export const TEST_KINDS: KindInfo[] = [
  { group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', resource: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], verbs: VERBS, subresources: ['status', 'finalize'], schema: 'core.v1.Namespace', hasStatus: true },
  { group: '', version: 'v1', kind: 'ConfigMap', listKind: 'ConfigMapList', resource: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], verbs: VERBS, schema: 'core.v1.ConfigMap',
    columns: [{ name: 'Data', type: 'integer', cell: (o) => Object.keys(o.data ?? {}).length }, { name: 'Age', type: 'string', cell: () => '1m' }] },
  { group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', resource: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], verbs: VERBS, subresources: ['status', 'log', 'eviction', 'binding'], schema: 'core.v1.Pod', hasStatus: true,
    fieldSelectors: { 'spec.nodeName': (o) => o.spec?.nodeName, 'status.phase': (o) => o.status?.phase } },
  { group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', resource: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], verbs: VERBS, subresources: ['status', 'scale'], schema: 'apps.v1.Deployment', hasStatus: true,
    scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
    defaults: (o) => { o.spec ??= {}; o.spec.replicas ??= 1; },
    validate: (o) => (typeof o.spec?.replicas === 'number' && o.spec.replicas < 0 ? [{ type: 'FieldValueInvalid', field: 'spec.replicas', badValue: o.spec.replicas, detail: 'must be greater than or equal to 0' }] : []) },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', listKind: 'CustomResourceDefinitionList', resource: 'customresourcedefinitions', singular: 'customresourcedefinition', namespaced: false, shortNames: ['crd', 'crds'], verbs: VERBS, subresources: ['status'], schema: 'apiextensions.v1.CustomResourceDefinition', hasStatus: true },
  { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', listKind: 'SelfSubjectReviewList', resource: 'selfsubjectreviews', singular: 'selfsubjectreview', namespaced: false, verbs: ['create'], schema: 'authentication.v1.SelfSubjectReview' },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', listKind: 'SelfSubjectAccessReviewList', resource: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', namespaced: false, verbs: ['create'], schema: 'authorization.v1.SelfSubjectAccessReview' },
];

function walk(obj: JsonObject, structName: string, registry: SchemaRegistry, path: string, unknown: string[], prune: boolean): void {
  const st = registry.struct(structName);
  if (!st) return;
  for (const k of Object.keys(obj)) {
    const f = st.fields[k];
    const p = path ? `${path}.${k}` : k;
    if (!f) { unknown.push(p); if (prune) delete obj[k]; continue; }
    if (f.type.kind === 'ref' && obj[k] && typeof obj[k] === 'object') walk(obj[k], f.type.name, registry, p, unknown, prune);
  }
}

/** fakeDeps returns ApiDeps over TEST_KINDS with simplified structure checks and patches. */
export function fakeDeps(kinds: readonly KindInfo[] = TEST_KINDS): ApiDeps {
  const byName = new Map(STRUCTS.map((x) => [x.name, x]));
  const schemas: SchemaRegistry = { struct: (n) => byName.get(n), all: () => byName.values() };
  const mf = (manager: string, op: string, now: string, sub?: string): JsonObject => ({ manager, operation: op, apiVersion: 'v1', time: now, fieldsType: 'FieldsV1', fieldsV1: {}, ...(sub ? { subresource: sub } : {}) });
  return {
    kinds, schemas,
    checkStructure: (obj, name, reg) => { const unknown: string[] = []; walk(obj, name, reg, '', unknown, false); return { unknown, errors: [] }; },
    pruneUnknown: (obj, name, reg) => { walk(obj, name, reg, '', [], true); return obj; },
    validateObjectMeta: (meta) => {
      const errs: FieldError[] = [];
      if (meta.name && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(meta.name)) errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', badValue: meta.name, detail: 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters' });
      return errs;
    },
    parseLabelSelector, matchesLabels, parseFieldSelector, matchesFields, fieldSelectorFields,
    structsFromJsonSchema: () => [],
    buildOpenApiV3: (group, version, ks) => ({ openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths: Object.fromEntries(ks.map((k) => [`/${group ? 'apis/' + group : 'api'}/${version}/${k.resource}`, {}])) }),
    buildOpenApiV2: (ks) => ({ swagger: '2.0', paths: {}, count: ks.length }),
    encodeOpenApiV2Protobuf: () => Uint8Array.of(10, 3, 50, 46, 48),
    applyMergePatch: (t, p) => applyMergePatch(t, p) as JsonObject,
    applyJsonPatch: (t, ops) => { const r = applyJsonPatch(t, ops) as any; if (!r.ok) throw new Error(r.message); return r.doc; },
    applyStrategicMergePatch: (t, p) => applyMergePatch(t, p) as JsonObject,
    applyServerSideApply: (live, applied, o) => {
      const obj = (live ? applyMergePatch(live, applied) : applied) as JsonObject;
      const others = ((live?.metadata?.managedFields ?? []) as JsonObject[]).filter((m) => m.manager !== o.manager);
      if (!o.force && others.some((m) => m.manager === 'owner-of-data')) return { ok: false, conflicts: [{ manager: 'owner-of-data', field: '.data.a' }] };
      obj.metadata = { ...(obj.metadata ?? {}), managedFields: [...others, mf(o.manager, 'Apply', o.now)] };
      return { ok: true, object: obj };
    },
    updateManagedFields: (_old, obj, o) => {
      const others = ((obj.metadata.managedFields ?? []) as JsonObject[]).filter((m) => m.manager !== o.manager || m.operation !== 'Update');
      obj.metadata.managedFields = [...others, mf(o.manager, 'Update', o.now, o.subresource)];
    },
    decodeKubernetesProtobuf: () => { throw new Error('protobuf not supported in tests'); },
  };
}

/** Reply is a buffered HTTPS response. */
export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

/** Client sends requests to the test server with the admin certificate (or none). */
export class Client {
  readonly agent: Agent;
  readonly base: string;
  constructor(base: string, pki: TestPki, identity: 'admin' | 'anonymous' | 'other' = 'admin') {
    this.base = base;
    const id = identity === 'admin' ? { cert: pki.clientCert, key: pki.clientKey } : identity === 'other' ? { cert: pki.otherCert, key: pki.otherKey } : {};
    this.agent = new Agent({ ca: pki.ca, keepAlive: false, ...id });
  }

  /** req performs one request and buffers the reply. */
  req(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
      const r = request(this.base + path, { method, agent: this.agent, headers: { ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}), ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let j: any;
          try { j = JSON.parse(text); } catch { j = undefined; }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: j });
        });
      });
      r.on('error', reject);
      r.end(data);
    });
  }

  /** watch opens a watch and collects events until `until` returns true or the stream ends. */
  watch(path: string, until: (events: any[]) => boolean, headers: Record<string, string> = {}): Promise<{ status: number; events: any[] }> {
    return new Promise((resolve, reject) => {
      const r = request(this.base + path, { method: 'GET', agent: this.agent, headers }, (res) => {
        const events: any[] = [];
        let buf = '';
        let done = false;
        const finish = (): void => { if (!done) { done = true; resolve({ status: res.statusCode ?? 0, events }); r.destroy(); } };
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim()) events.push(JSON.parse(line));
          }
          if (until(events)) finish();
        });
        res.on('end', finish);
        res.on('error', () => finish());
      });
      r.on('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
      r.end();
    });
  }

  /** close releases the agent's sockets. */
  close(): void { this.agent.destroy(); }
}

/** RealServer is an API server with the real modules over the memory store, and an admin client. */
export interface RealServer { readonly pki: TestPki; readonly store: Store; readonly server: ApiServer; readonly client: Client; close(): Promise<void> }

/** startRealServer starts the API server with the real modules on a loopback port, a memory store
 * and a throwaway CA (`extra` adds options); `close` stops client, server and store. */
export async function startRealServer(extra: Partial<ApiServerOptions> = {}): Promise<RealServer> {
  const pki = makeTestPki();
  const store = createMemoryStore();
  const server = await startApiServer({ store, tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca }, host: '127.0.0.1', port: 0, ...extra });
  const client = new Client(server.url, pki);
  return {
    pki, store, server, client,
    async close() { client.close(); await server.close(); await store.close(); },
  };
}
