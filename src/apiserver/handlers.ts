/**
 * @module apiserver/handlers — REST verbs on resource paths: maps method + path to the generic
 * registry (get, list, watch, create, update, patch, delete, deletecollection, status, scale,
 * namespace finalize, virtual reviews) and renders the result as JSON, Table or metadata.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  badRequest, invalid, isStatusError, methodNotAllowed, type FieldError, type JsonObject, type KindInfo,
} from '../api/index.ts';
import type { ApiDeps } from './deps.ts';
import type { Catalog } from './registry/catalog.ts';
import { applyApply, applyPatch, parsePatchBody, patchTypeOf } from './registry/patching.ts';
import { clone } from './patch/json-util.ts';
import { mergePatchSpine } from './patch/merge-patch.ts';
import { makePredicate } from './registry/predicate.ts';
import { apiVersionOf, type FieldValidation } from './registry/prepare.ts';
import type { DeleteOptions, Mutation, ResourceRegistry, WriteOptions } from './registry/resource-store.ts';
import { asObject, bodyKind, negotiate, parseText, readBody, type ResponseForm } from './request.ts';
import type { ResourcePath } from './router.ts';
import { bindPod, evictPod, SUCCESS_201 } from './pod-subresources.ts';
import { applyScale, scaleOf } from './scale.ts';
import { notAcceptable, notFoundPath } from './status.ts';
import { buildTable, parseIncludeObject, partialMetadata } from './table.ts';
import { answerVirtual, isVirtual, type UserInfo } from './virtual.ts';
import type { AuthService } from './auth/service.ts';
import { issueToken } from './auth/token-request.ts';
import { duplicateFields } from './json-duplicates.ts';
import type { WatchHub } from './watch.ts';
import { stringify as toYaml } from 'yaml';

/** HandlerEnv is what resource handlers work with. */
export interface HandlerEnv {
  readonly registry: ResourceRegistry;
  readonly catalog: Catalog;
  readonly deps: ApiDeps;
  readonly hub: WatchHub;
  readonly now: () => number;
  /** auth answers reviews and TokenRequests and checks RBAC writes for escalation. */
  readonly auth: AuthService;
  /** crdChanged is told about every CRD written through the API (`removed`: it is gone). */
  readonly crdChanged?: (crd: JsonObject, removed: boolean) => void;
}

/** RequestVerb labels metrics ("GET", "LIST", "WATCH", "POST", …). */
export type RequestVerb = 'GET' | 'LIST' | 'WATCH' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'DELETECOLLECTION';

function send(res: ServerResponse, code: number, body: unknown, warnings: readonly string[], yaml = false, json?: string): void {
  const text = yaml ? toYaml(body) : json ?? JSON.stringify(body);
  const headers: Record<string, string | number | string[]> = { 'Content-Type': yaml ? 'application/yaml' : 'application/json', 'Content-Length': Buffer.byteLength(text) };
  if (warnings.length > 0) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

function sendRaw(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const LIST_CHUNK = 256;

/** drainedOrClosed resolves when `res` can take more output or has gone away. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => { res.off('drain', done); res.off('close', done); resolve(); };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** sendRawList streams a list of stored JSON texts in chunks, minding backpressure, so a list of
 * 100k objects never becomes one string (V8 caps strings near 512 MiB) nor one giant buffer. */
async function sendRawList(res: ServerResponse, head: string, items: readonly string[]): Promise<void> {
  if (items.length <= LIST_CHUNK) {
    sendRaw(res, `${head}${items.join(',')}]}`);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write(head);
  for (let i = 0; i < items.length; i += LIST_CHUNK) {
    const chunk = (i > 0 ? ',' : '') + items.slice(i, i + LIST_CHUNK).join(',');
    if (!res.write(chunk) && !res.destroyed) await drainedOrClosed(res);
    if (res.destroyed) return;
  }
  res.end(']}');
}

/** sendObject answers with one object in the asked form; `json` is the object's JSON text when the
 * write already has it (a plain JSON answer then needs no serializing). */
function sendObject(res: ServerResponse, code: number, obj: JsonObject, kind: KindInfo, form: ResponseForm, q: URLSearchParams, now: number, warnings: readonly string[] = [], json?: string): void {
  if (form.as === 'Table') {
    send(res, code, buildTable(kind, [obj], { now, include: parseIncludeObject(q.get('includeObject')), version: form.version, resourceVersion: obj.metadata?.resourceVersion }), warnings);
  } else if (form.as === 'PartialObjectMetadata' || form.as === 'PartialObjectMetadataList') {
    send(res, code, partialMetadata(obj, form.version), warnings);
  } else {
    send(res, code, obj, warnings, form.as === 'object' && form.yaml, json);
  }
}

const OPTIONS_KIND: Record<string, string> = { POST: 'CreateOptions', PUT: 'UpdateOptions', PATCH: 'PatchOptions' };

/** writeOptions reads dryRun/fieldValidation/fieldManager; bad values are 422 Invalid on the
 * request's options kind (CreateOptions, UpdateOptions, PatchOptions), as upstream answers. */
/** REQUEST_USERS carries the authenticated user of a request to writeOptions (for admission). */
const REQUEST_USERS = new WeakMap<IncomingMessage, UserInfo>();

function writeOptions(q: URLSearchParams, req: IncomingMessage, forceValidation?: FieldValidation): WriteOptions {
  const errs: FieldError[] = [];
  const dry = q.getAll('dryRun');
  for (const d of dry) if (d !== 'All') errs.push({ type: 'FieldValueNotSupported', field: 'dryRun', badValue: d, supported: ['All'] });
  const fv = q.get('fieldValidation') ?? '';
  let fieldValidation: FieldValidation = 'Warn';
  if (fv === 'Strict' || fv === 'Warn' || fv === 'Ignore') fieldValidation = fv;
  else if (fv !== '') errs.push({ type: 'FieldValueNotSupported', field: 'fieldValidation', badValue: fv, supported: ['Ignore', 'Strict', 'Warn'] });
  let fieldManager = q.get('fieldManager') ?? '';
  if (!fieldManager) {
    const ua = req.headers['user-agent'] ?? '';
    fieldManager = ua.split('/')[0].trim() || 'unknown';
  }
  if (fieldManager.length > 128) errs.push({ type: 'FieldValueTooLong', field: 'fieldManager', detail: 'must have at most 128 bytes' });
  if (errs.length > 0) throw invalid(OPTIONS_KIND[req.method ?? ''] ?? 'CreateOptions', 'meta.k8s.io', '', errs);
  const user = REQUEST_USERS.get(req);
  return { dryRun: dry.length > 0, fieldManager, fieldValidation: forceValidation ?? fieldValidation, ...(user ? { user } : {}) };
}

/** readObject decodes a JSON, YAML or protobuf request body. With `opts`, repeated JSON keys are
 * rejected (Strict) or reported in `warnings` (Warn), as upstream's strict decoder does. */
async function readObject(req: IncomingMessage, env: HandlerEnv, opts?: WriteOptions, warnings?: string[], gvk?: ReadonlyMap<string, KindInfo>): Promise<JsonObject> {
  return decodeObject(await readBody(req), req.headers['content-type'], env, opts, warnings, gvk);
}

/** decodeObject decodes a request body (JSON, YAML or protobuf by its content type); with `opts`
 * it also reports duplicate JSON fields as `fieldValidation` says. */
function decodeObject(body: Buffer, contentType: string | undefined, env: HandlerEnv, opts?: WriteOptions, warnings?: string[], gvk?: ReadonlyMap<string, KindInfo>): JsonObject {
  const kindOfBody = bodyKind(contentType);
  if (kindOfBody === 'protobuf') {
    try {
      return asObject(env.deps.decodeKubernetesProtobuf(body, env.catalog.schemas, gvk ?? env.catalog.byGvk()));
    } catch (e) {
      if (isStatusError(e)) throw e;
      throw badRequest(`the protobuf body could not be decoded: ${(e as Error).message}`);
    }
  }
  if (body.length === 0) throw badRequest('the request body is empty');
  const text = body.toString('utf8');
  const obj = asObject(parseText(text, kindOfBody));
  if (opts && kindOfBody === 'json' && opts.fieldValidation !== 'Ignore') {
    const dups = duplicateFields(text).map((f) => `duplicate field "${f}"`);
    if (dups.length > 0 && opts.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${dups.join(', ')}`);
    warnings?.push(...dups);
  }
  return obj;
}

async function readDeleteOptions(req: IncomingMessage, q: URLSearchParams, env: HandlerEnv): Promise<DeleteOptions & { dryRun: boolean }> {
  const body = await readBody(req);
  let o: JsonObject = {};
  if (body.length > 0) {
    const k = bodyKind(req.headers['content-type']);
    o = k === 'protobuf' ? asObject(env.deps.decodeKubernetesProtobuf(body, env.catalog.schemas, env.catalog.byGvk())) : asObject(parseText(body.toString('utf8'), k));
  }
  const grace = q.get('gracePeriodSeconds');
  let gracePeriodSeconds = o.gracePeriodSeconds as number | undefined;
  if (grace !== null) {
    if (!/^-?\d+$/.test(grace)) throw badRequest(`gracePeriodSeconds: invalid value "${grace}"`);
    gracePeriodSeconds = Number(grace);
  }
  if (gracePeriodSeconds !== undefined && (typeof gracePeriodSeconds !== 'number' || !Number.isInteger(gracePeriodSeconds))) throw badRequest('gracePeriodSeconds must be an integer');
  const orphan = q.get('orphanDependents');
  return {
    gracePeriodSeconds: gracePeriodSeconds !== undefined && gracePeriodSeconds < 0 ? 0 : gracePeriodSeconds,
    propagationPolicy: q.get('propagationPolicy') ?? o.propagationPolicy,
    orphanDependents: orphan !== null ? orphan === 'true' : o.orphanDependents,
    preconditions: o.preconditions,
    dryRun: Array.isArray(o.dryRun) && o.dryRun.includes('All'),
  };
}

function requireVerb(kind: KindInfo, verb: string): void {
  if (!kind.verbs.includes(verb)) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
}

function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`${name}: invalid value "${v}"`);
  return Number(v);
}

const CRD_GROUP = 'apiextensions.k8s.io';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** guarded wraps an update of an RBAC object with the escalation and bind checks. */
function guarded(env: HandlerEnv, kind: KindInfo, ns: string, user: UserInfo, m: Mutation): Mutation {
  if (kind.group !== RBAC_GROUP) return m;
  return async (cur) => {
    const o = await m(cur);
    env.auth.guardRbacWrite(kind, ns, o, cur, user);
    return o;
  };
}

/** stampRequester records the requesting user in a new CertificateSigningRequest's spec (username,
 * uid, groups, extra), overriding what the client sent, as upstream's CSR strategy does. */
function stampRequester(body: JsonObject, user: UserInfo): void {
  if (!body.spec || typeof body.spec !== 'object' || Array.isArray(body.spec)) return;
  const spec = body.spec as JsonObject;
  spec.username = user.username;
  if (user.uid) spec.uid = user.uid; else delete spec.uid;
  spec.groups = [...user.groups];
  if (user.extra) spec.extra = structuredClone(user.extra); else delete spec.extra;
}

/** withSubresourceKinds adds the kinds of request bodies that are no served resource (TokenRequest)
 * to the protobuf decoder's map. */
function withSubresourceKinds(env: HandlerEnv): ReadonlyMap<string, KindInfo> {
  const m = new Map(env.catalog.byGvk());
  const tr = { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', schema: 'authentication.v1.TokenRequest' } as KindInfo;
  m.set('authentication.k8s.io/v1/TokenRequest', tr);
  return m;
}

/** serveLocalReview answers a LocalSubjectAccessReview (namespaced, not in the kind catalog). */
async function serveLocalReview(req: IncomingMessage, res: ServerResponse, p: ResourcePath, env: HandlerEnv, user: UserInfo): Promise<RequestVerb> {
  if ((req.method ?? 'GET') !== 'POST' || p.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
  const body = await readObject(req, env);
  send(res, 201, await answerVirtual(env.auth, p.resource, `${p.group}/${p.version}`, 'LocalSubjectAccessReview', body, user, p.namespace), []);
  return 'POST';
}

/** handleResource serves one resource request; returns the verb for metrics. */
export async function handleResource(req: IncomingMessage, res: ServerResponse, p: ResourcePath, q: URLSearchParams, env: HandlerEnv, user: UserInfo): Promise<RequestVerb> {
  if (p.group !== CRD_GROUP || p.resource !== 'customresourcedefinitions' || !env.crdChanged || (req.method ?? 'GET') === 'GET' || q.has('dryRun')) {
    return serveResource(req, res, p, q, env, user);
  }
  const notify = env.crdChanged;
  const verb = await serveResource(req, res, p, q, env, user, (obj, removed) => notify(obj, removed));
  return verb;
}

async function serveResource(req: IncomingMessage, res: ServerResponse, p: ResourcePath, q: URLSearchParams, env: HandlerEnv, user: UserInfo,
  written: (obj: JsonObject, removed: boolean) => void = () => undefined): Promise<RequestVerb> {
  if (p.group === 'authorization.k8s.io' && p.version === 'v1' && p.resource === 'localsubjectaccessreviews' && p.namespace && !p.subresource) return serveLocalReview(req, res, p, env, user);
  REQUEST_USERS.set(req, user);
  const kind = env.catalog.lookup(p.group, p.version, p.resource);
  if (!kind || (p.namespace && !kind.namespaced)) throw notFoundPath();
  const ns = kind.namespaced ? p.namespace : '';
  const method = req.method ?? 'GET';
  const form = negotiate(req.headers.accept);
  if (form.as === 'none') throw notAcceptable(req.headers.accept ?? '');

  if (isVirtual(kind.group, kind.resource)) {
    if (method !== 'POST' || p.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
    const body = await readObject(req, env);
    send(res, 201, await answerVirtual(env.auth, kind.resource, apiVersionOf(kind), kind.kind, body, user), []);
    return 'POST';
  }
  const sub = p.subresource;
  if (sub && !(kind.subresources ?? []).includes(sub) && !(sub === 'finalize' && kind.group === '' && kind.resource === 'namespaces')) throw notFoundPath();
  if (sub && method === 'POST' && kind.group === '' && kind.resource === 'pods' && (sub === 'binding' || sub === 'eviction')) {
    const opts = writeOptions(q, req);
    const body = await readObject(req, env);
    if (sub === 'binding') {
      await bindPod(env.registry, kind, ns, p.name, body, opts.dryRun, opts.user);
      send(res, 201, SUCCESS_201, []);
    } else {
      const status = await evictPod(env.registry, kind, ns, p.name, body, opts.dryRun, opts.user);
      send(res, Number(status.code) || 201, status, []);
    }
    return 'POST';
  }
  if (sub === 'token' && method === 'POST' && kind.group === '' && kind.resource === 'serviceaccounts') {
    const opts = writeOptions(q, req);
    const body = await readObject(req, env, undefined, undefined, withSubresourceKinds(env));
    send(res, 201, await issueToken({ ...env, signer: env.auth.signer, authenticator: env.auth.authenticator }, ns, p.name, body, opts.dryRun), []);
    return 'POST';
  }
  if (sub && sub !== 'status' && sub !== 'scale' && sub !== 'finalize' && !(sub === 'approval' && kind.subresources?.includes('approval'))
    && !(sub === 'ephemeralcontainers' && kind.group === '' && kind.resource === 'pods')) throw notFoundPath();
  const now = env.now();

  switch (method) {
    case 'GET': {
      const watch = p.legacyWatch || q.get('watch') === 'true' || q.get('watch') === '1';
      if (watch) {
        if (sub) throw notFoundPath();
        requireVerb(kind, 'watch');
        let fs = q.get('fieldSelector');
        if (p.name) fs = fs ? `metadata.name=${p.name},${fs}` : `metadata.name=${p.name}`;
        const pred = makePredicate(kind, q.get('labelSelector'), fs, env.deps);
        const se = q.get('sendInitialEvents');
        await env.hub.serve(res, kind, ns, pred, form, {
          resourceVersion: q.get('resourceVersion') ?? '',
          allowBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: se === null ? undefined : se === 'true',
          timeoutSeconds: queryInt(q, 'timeoutSeconds'),
          include: parseIncludeObject(q.get('includeObject')),
        });
        return 'WATCH';
      }
      if (!p.name) {
        requireVerb(kind, 'list');
        const pred = makePredicate(kind, q.get('labelSelector'), q.get('fieldSelector'), env.deps);
        const plain = form.as === 'object' && !form.yaml;
        const page = await env.registry.list(kind, ns, {
          predicate: pred, limit: queryInt(q, 'limit') ?? 0, continueToken: q.get('continue') ?? '',
          resourceVersion: q.get('resourceVersion') ?? '', resourceVersionMatch: q.get('resourceVersionMatch') ?? '', raw: plain,
        });
        const rv = String(page.revision);
        if (form.as === 'Table') {
          send(res, 200, buildTable(kind, page.items, { now, include: parseIncludeObject(q.get('includeObject')), version: form.version, resourceVersion: rv, continueToken: page.continueToken, remaining: page.remaining }), []);
          return 'LIST';
        }
        const metadata: JsonObject = { resourceVersion: rv };
        if (page.continueToken) metadata.continue = page.continueToken;
        if (page.remaining !== undefined) metadata.remainingItemCount = page.remaining;
        if (page.raw) {
          await sendRawList(res, `{"kind":${JSON.stringify(kind.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(kind))},"metadata":${JSON.stringify(metadata)},"items":[`, page.raw);
        } else if (form.as === 'PartialObjectMetadata' || form.as === 'PartialObjectMetadataList') {
          send(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${form.version}`, metadata, items: page.items.map((o) => partialMetadata(o, form.version)) }, []);
        } else {
          send(res, 200, { kind: kind.listKind, apiVersion: apiVersionOf(kind), metadata, items: page.items }, [], form.as === 'object' && form.yaml);
        }
        return 'LIST';
      }
      requireVerb(kind, 'get');
      if (!sub && form.as === 'object' && !form.yaml) {
        sendRaw(res, await env.registry.getRaw(kind, ns, p.name));
        return 'GET';
      }
      const obj = await env.registry.get(kind, ns, p.name);
      if (sub === 'scale') send(res, 200, scaleOf(obj, kind.scale!), []);
      else sendObject(res, 200, obj, kind, form, q, now);
      return 'GET';
    }
    case 'POST': {
      if (p.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
      requireVerb(kind, 'create');
      const opts = writeOptions(q, req);
      const decodeWarnings: string[] = [];
      const body = await readObject(req, env, opts, decodeWarnings);
      if (kind.group === RBAC_GROUP) env.auth.guardRbacWrite(kind, ns, body, undefined, user);
      if (kind.group === 'certificates.k8s.io' && kind.resource === 'certificatesigningrequests') stampRequester(body, user);
      const out = await env.registry.create(kind, ns, body, opts);
      written(out.obj, false);
      sendObject(res, out.code, out.obj, kind, form, q, now, [...decodeWarnings, ...out.warnings], out.json);
      return 'POST';
    }
    case 'PUT': {
      if (!p.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
      requireVerb(kind, 'update');
      const opts = writeOptions(q, req);
      const decodeWarnings: string[] = [];
      const raw = await readBody(req);
      const body = decodeObject(raw, req.headers['content-type'], env, opts, decodeWarnings);
      if (sub === 'scale') {
        const out = await env.registry.update(kind, ns, p.name, (cur) => applyScale(cur, body, kind, kind.scale!), { ...opts, fieldValidation: 'Ignore' }, '');
        send(res, 200, scaleOf(out.obj, kind.scale!), out.warnings);
        return 'PUT';
      }
      // The body replaces the object: the mutation (and the RBAC guard) only read the current one.
      // The first try takes the decoded body itself; a retry (from the store, after the cached copy
      // failed) decodes the request again, as the first try changed what it was given.
      let fresh: JsonObject | undefined = body;
      const replacement = (): JsonObject => { const o = fresh ?? decodeObject(raw, req.headers['content-type'], env); fresh = undefined; return o; };
      const out = await env.registry.update(kind, ns, p.name, guarded(env, kind, ns, user, replacement), { ...opts, replacesCurrent: true }, sub);
      written(out.obj, false);
      sendObject(res, out.code, out.obj, kind, form, q, now, [...decodeWarnings, ...out.warnings], out.json);
      return 'PUT';
    }
    case 'PATCH': {
      if (!p.name) throw methodNotAllowed('the server does not allow this method on the requested resource');
      requireVerb(kind, 'patch');
      const custom = env.catalog.isCustom(kind);
      const type = patchTypeOf(req.headers['content-type'], custom);
      const opts = { ...writeOptions(q, req), patch: true };
      const patch = parsePatchBody(type, await readBody(req));
      if (sub === 'scale') {
        const t = type === 'apply' || type === 'strategic' ? 'merge' : type;
        const out = await env.registry.update(kind, ns, p.name, (cur) => {
          const scale = applyPatch(t, scaleOf(cur, kind.scale!), clone(patch), 'autoscaling.v1.Scale', env.deps, env.catalog);
          if (scale.metadata?.resourceVersion === cur.metadata.resourceVersion) delete scale.metadata.resourceVersion;
          return applyScale(cur, scale, kind, kind.scale!);
        }, { ...opts, fieldValidation: 'Ignore' }, '');
        send(res, 200, scaleOf(out.obj, kind.scale!), out.warnings);
        return 'PATCH';
      }
      if (type === 'apply') {
        const applied = asObject(patch);
        const force = q.get('force') === 'true';
        const aopts = { ...opts, fieldManager: q.get('fieldManager') ?? '', managedByMutation: true };
        try {
          const out = await env.registry.update(kind, ns, p.name, guarded(env, kind, ns, user, (cur) => {
            const r = applyApply(kind, cur, clone(applied), aopts.fieldManager, force, env.now(), env.deps, env.catalog, sub || undefined);
            if (r.metadata?.resourceVersion === cur.metadata.resourceVersion) delete r.metadata.resourceVersion;
            return r;
          }), aopts, sub);
          sendObject(res, out.code, out.obj, kind, form, q, now, out.warnings, out.json);
        } catch (e) {
          if (!isStatusError(e, 404) || sub || (e.status.details?.kind !== kind.resource)) throw e;
          const created = applyApply(kind, undefined, clone(applied), aopts.fieldManager, force, env.now(), env.deps, env.catalog);
          created.metadata = { ...(created.metadata ?? {}), name: p.name };
          if (kind.group === RBAC_GROUP) env.auth.guardRbacWrite(kind, ns, created, undefined, user);
          const out = await env.registry.create(kind, ns, created, aopts);
          sendObject(res, 201, out.obj, kind, form, q, now, out.warnings, out.json);
        }
        return 'PATCH';
      }
      // A merge patch of the status changes only the paths it names, and the update keeps only the
      // result's status: copy just those paths for it (a main-resource update's strategies and hooks
      // may rewrite what the patch did not name, so it keeps its deep copy).
      const copyForMutation = type === 'merge' && sub === 'status' ? (cur: JsonObject): JsonObject => mergePatchSpine(cur, patch) as JsonObject : undefined;
      const out = await env.registry.update(kind, ns, p.name, guarded(env, kind, ns, user, (cur) => {
        // `cur` is the update's private copy and may be patched in place — except where the guard
        // compares the result with it (RBAC escalation checks).
        const curRv = cur.metadata.resourceVersion;
        const r = applyPatch(type, kind.group === RBAC_GROUP ? clone(cur) : cur, clone(patch), kind.schema, env.deps, env.catalog);
        if (r.metadata && r.metadata.resourceVersion === curRv) delete r.metadata.resourceVersion;
        return r;
      }), { ...opts, copyForMutation }, sub);
      written(out.obj, false);
      sendObject(res, out.code, out.obj, kind, form, q, now, out.warnings, out.json);
      return 'PATCH';
    }
    case 'DELETE': {
      if (sub) throw methodNotAllowed('the server does not allow this method on the requested resource');
      const dryRun = q.getAll('dryRun');
      for (const d of dryRun) if (d !== 'All') throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
      const options = await readDeleteOptions(req, q, env);
      const dry = dryRun.length > 0 || options.dryRun;
      if (!p.name) {
        requireVerb(kind, 'deletecollection');
        const pred = makePredicate(kind, q.get('labelSelector'), q.get('fieldSelector'), env.deps);
        const items = await env.registry.deleteCollection(kind, ns, pred, options, { dryRun: dry, user });
        send(res, 200, { kind: kind.listKind, apiVersion: apiVersionOf(kind), metadata: {}, items }, []);
        return 'DELETECOLLECTION';
      }
      requireVerb(kind, 'delete');
      const out = await env.registry.delete(kind, ns, p.name, options, { dryRun: dry, user });
      written(out.obj, !out.obj.metadata?.deletionTimestamp);
      sendObject(res, out.code, out.obj, kind, form, q, now);
      return 'DELETE';
    }
    default:
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
}
