/**
 * @module api/openapi/paths — the REST paths and operations of one kind, as the OpenAPI documents
 * list them: collection and item paths (namespaced and all-namespaces), generic subresources, each
 * operation with `x-kubernetes-action`, `x-kubernetes-group-version-kind` and the query parameters
 * clients probe for (`fieldValidation`, `fieldManager`, `dryRun` on writes).
 */
import type { JsonObject, KindInfo } from '../kinds/types.ts';
import { openapiName } from '../schema/names.ts';
import { PATCH_DEF, refTo, defaultStructDescription, type Dialect, type SchemaEmitter } from './schemas.ts';

type Gvk = { group: string; version: string; kind: string };
type ParamType = 'string' | 'integer' | 'boolean';

const PARAMS: Readonly<Record<string, readonly [ParamType, string]>> = {
  allowWatchBookmarks: ['boolean', 'Ask for BOOKMARK events on a watch.'],
  continue: ['string', 'The continue token of the previous page of a chunked list.'],
  fieldSelector: ['string', 'Only return objects whose fields match this selector.'],
  labelSelector: ['string', 'Only return objects whose labels match this selector.'],
  limit: ['integer', 'The largest number of items to return in one page.'],
  resourceVersion: ['string', 'The resource version to read or watch from.'],
  resourceVersionMatch: ['string', 'How resourceVersion is interpreted for a list: Exact or NotOlderThan.'],
  sendInitialEvents: ['boolean', 'Start a watch with synthetic events for the current state.'],
  timeoutSeconds: ['integer', 'End the list or watch call after this many seconds.'],
  watch: ['boolean', 'Stream changes instead of returning a list.'],
  dryRun: ['string', 'When "All", process the request fully but persist nothing.'],
  fieldManager: ['string', 'The name of the actor making the change, recorded in managed fields.'],
  fieldValidation: ['string', 'What to do with unknown or duplicate fields: Ignore, Warn or Strict.'],
  force: ['boolean', 'For apply requests: take over fields owned by other managers.'],
  gracePeriodSeconds: ['integer', 'Seconds to wait before the object is deleted.'],
  orphanDependents: ['boolean', 'Deprecated: use propagationPolicy.'],
  propagationPolicy: ['string', 'How dependents are garbage collected: Orphan, Background or Foreground.'],
  pretty: ['string', 'Pretty-print the output.'],
  container: ['string', 'The container of the pod to use.'],
  command: ['string', 'The command to run (repeat the parameter for each argument).'],
  stdin: ['boolean', 'Attach standard input.'],
  stdout: ['boolean', 'Attach standard output.'],
  stderr: ['boolean', 'Attach standard error.'],
  tty: ['boolean', 'Allocate a terminal.'],
  follow: ['boolean', 'Keep streaming the log as it grows.'],
  previous: ['boolean', 'Return the log of the previous, terminated container.'],
  sinceSeconds: ['integer', 'Only return log lines newer than this many seconds.'],
  tailLines: ['integer', 'Only return this many lines from the end of the log.'],
  timestamps: ['boolean', 'Prefix each log line with its timestamp.'],
  ports: ['integer', 'The pod ports to forward.'],
};
const LIST_PARAMS = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion',
  'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'];
const WRITE_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'];
const PATCH_PARAMS = [...WRITE_PARAMS, 'force'];
const DELETE_PARAMS = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const OK: Readonly<Record<string, string>> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

/** pascal turns `rbac.authorization` or `v1` into `RbacAuthorization` / `V1`. */
function pascal(s: string): string {
  return s.split(/[^A-Za-z0-9]/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
}

/** groupTag is the operation tag stem of a group (`core`, `apps`, `rbacAuthorization`). */
export function groupTag(group: string): string {
  if (group === '') return 'core';
  const p = pascal(group.replace(/\.k8s\.io$/, ''));
  return p[0].toLowerCase() + p.slice(1);
}

/** apiPrefix is the URL prefix of a group-version (`/api/v1`, `/apis/apps/v1`). */
export function apiPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** PathBuilder turns kinds into OpenAPI path items in one dialect, registering schemas with `emit`. */
export class PathBuilder {
  private readonly emit: SchemaEmitter;
  private readonly dialect: Dialect;

  constructor(emit: SchemaEmitter, dialect: Dialect) {
    this.emit = emit;
    this.dialect = dialect;
  }

  private param(name: string, where: 'query' | 'path' = 'query'): JsonObject {
    const [type, description] = where === 'path' ? ['string', `The ${name} of the object.`] as const : PARAMS[name];
    const base: JsonObject = { description, in: where, name };
    if (where === 'path') base.required = true;
    return this.dialect === 'v3' ? { ...base, schema: { type, uniqueItems: true } } : { ...base, type, uniqueItems: true };
  }

  private ref(def: string): JsonObject {
    return { $ref: refTo(def, this.dialect) };
  }

  /** op renders one operation. `body` is a definition name, `response` a definition name or a raw schema. */
  op(o: {
    id: string; tag: string; action: string; gvk: Gvk; params: readonly string[]; codes: readonly string[];
    response: string | JsonObject; body?: string; consumes?: readonly string[]; produces: readonly string[];
  }): JsonObject {
    const resSchema = typeof o.response === 'string' ? this.ref(o.response) : o.response;
    const out: JsonObject = {
      description: `${o.action} ${o.gvk.kind}`,
      operationId: o.id,
      tags: [o.tag],
      'x-kubernetes-action': o.action,
      'x-kubernetes-group-version-kind': { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version },
    };
    const params = o.params.map((p) => this.param(p));
    const responses: JsonObject = {};
    if (this.dialect === 'v3') {
      for (const c of o.codes) {
        responses[c] = { description: OK[c], content: Object.fromEntries(o.produces.map((m) => [m, { schema: resSchema }])) };
      }
      if (o.body) {
        out.requestBody = { content: Object.fromEntries((o.consumes ?? ['*/*']).map((m) => [m, { schema: this.ref(o.body!) }])), required: true };
      }
    } else {
      for (const c of o.codes) responses[c] = { description: OK[c], schema: resSchema };
      if (o.body) params.unshift({ in: 'body', name: 'body', required: true, schema: this.ref(o.body) });
      out.consumes = [...(o.consumes ?? ['*/*'])];
      out.produces = [...o.produces];
      out.schemes = ['https'];
    }
    responses['401'] = { description: 'Unauthorized' };
    out.responses = responses;
    if (params.length) out.parameters = params;
    return out;
  }

  /** kindPaths renders every path of one kind into `paths`. */
  kindPaths(k: KindInfo, paths: JsonObject): void {
    const builtin = openapiName(k.schema).startsWith('io.k8s.');
    const produces = builtin ? ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'] : ['application/json', 'application/yaml'];
    const patchTypes = builtin ? PATCH_TYPES : PATCH_TYPES.filter((t) => !t.includes('strategic'));
    const gvk: Gvk = { group: k.group, version: k.version, kind: k.kind };
    const tag = `${groupTag(k.group)}_${k.version}`;
    const stem = `${pascal(groupTag(k.group))}${pascal(k.version)}`;
    const ns = k.namespaced ? 'Namespaced' : '';
    const prefix = apiPrefix(k.group, k.version);
    const coll = k.namespaced ? `${prefix}/namespaces/{namespace}/${k.resource}` : `${prefix}/${k.resource}`;
    const item = `${coll}/{name}`;
    const has = (v: string): boolean => k.verbs.includes(v);
    const kindDef = this.kindDef(k);
    const statusDef = this.emit.addStruct('meta.v1.Status');
    const nsParams = k.namespaced ? [this.param('namespace', 'path')] : [];
    const common = { tag, produces };

    const collItem: JsonObject = {};
    if (has('list')) {
      collItem.get = this.op({ ...common, id: `list${stem}${ns}${k.kind}`, action: 'list', gvk, params: LIST_PARAMS, codes: ['200'], response: this.listDef(k) });
    }
    if (has('create')) {
      collItem.post = this.op({ ...common, id: `create${stem}${ns}${k.kind}`, action: 'post', gvk, params: WRITE_PARAMS, codes: ['200', '201', '202'], response: kindDef, body: kindDef });
    }
    if (has('deletecollection')) {
      collItem.delete = this.op({ ...common, id: `deletecollection${stem}${ns}${k.kind}`, action: 'deletecollection', gvk, params: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p !== 'watch' && p !== 'allowWatchBookmarks')], codes: ['200'], response: statusDef, body: this.emit.addStruct('meta.v1.DeleteOptions') });
    }
    if (Object.keys(collItem).length) paths[coll] = { ...collItem, parameters: [...nsParams, this.param('pretty')] };
    if (k.namespaced && has('list')) {
      paths[`${prefix}/${k.resource}`] = {
        get: this.op({ ...common, id: `list${stem}${k.kind}ForAllNamespaces`, action: 'list', gvk, params: LIST_PARAMS, codes: ['200'], response: this.listDef(k) }),
        parameters: [this.param('pretty')],
      };
    }
    const itemParams = [this.param('name', 'path'), ...nsParams, this.param('pretty')];
    const itemOps: JsonObject = {};
    if (has('get')) itemOps.get = this.op({ ...common, id: `read${stem}${ns}${k.kind}`, action: 'get', gvk, params: [], codes: ['200'], response: kindDef });
    if (has('update')) itemOps.put = this.op({ ...common, id: `replace${stem}${ns}${k.kind}`, action: 'put', gvk, params: WRITE_PARAMS, codes: ['200', '201'], response: kindDef, body: kindDef });
    if (has('patch')) itemOps.patch = this.patchOp(common, `patch${stem}${ns}${k.kind}`, gvk, kindDef, patchTypes);
    if (has('delete')) itemOps.delete = this.op({ ...common, id: `delete${stem}${ns}${k.kind}`, action: 'delete', gvk, params: DELETE_PARAMS, codes: ['200', '202'], response: statusDef, body: this.emit.addStruct('meta.v1.DeleteOptions') });
    if (Object.keys(itemOps).length) paths[item] = { ...itemOps, parameters: itemParams };

    for (const sub of k.subresources ?? []) {
      const ops = this.subresourceOps(k, sub, { ...common, id: `${stem}${ns}${k.kind}${pascal(sub)}`, gvk, kindDef, patchTypes });
      if (ops) paths[`${item}/${sub}`] = { ...ops, parameters: itemParams };
    }
  }

  private patchOp(common: { tag: string; produces: readonly string[] }, id: string, gvk: Gvk, def: string, patchTypes: readonly string[]): JsonObject {
    this.emit.addDef(PATCH_DEF.name, PATCH_DEF.schema);
    return this.op({ ...common, id, action: 'patch', gvk, params: PATCH_PARAMS, codes: ['200', '201'], response: def, body: PATCH_DEF.name, consumes: patchTypes });
  }

  private subresourceOps(k: KindInfo, sub: string, c: {
    tag: string; produces: readonly string[]; id: string; gvk: Gvk; kindDef: string; patchTypes: readonly string[];
  }): JsonObject | undefined {
    const gup = (def: string, gvk: Gvk): JsonObject => ({
      get: this.op({ ...c, id: `read${c.id}`, action: 'get', gvk, params: [], codes: ['200'], response: def }),
      put: this.op({ ...c, id: `replace${c.id}`, action: 'put', gvk, params: WRITE_PARAMS, codes: ['200', '201'], response: def, body: def }),
      patch: this.patchOp(c, `patch${c.id}`, gvk, def, c.patchTypes),
    });
    const post = (struct: string, gvk: Gvk): JsonObject => {
      const def = this.emit.addStruct(struct);
      return { post: this.op({ ...c, id: `create${c.id}`, action: 'post', gvk, params: WRITE_PARAMS, codes: ['200', '201', '202'], response: def, body: def }) };
    };
    const text = { type: 'string' };
    const connect = (kind: string, params: readonly string[]): JsonObject => {
      const gvk = { group: '', version: 'v1', kind };
      const o = { ...c, action: 'connect', gvk, params, codes: ['200'], response: text, produces: ['*/*'] };
      return { get: this.op({ ...o, id: `connectGet${c.id}` }), post: this.op({ ...o, id: `connectPost${c.id}` }) };
    };
    switch (sub) {
      case 'status': case 'approval': case 'ephemeralcontainers': case 'resize':
        return gup(c.kindDef, c.gvk);
      case 'scale':
        return gup(this.emit.addStruct('autoscaling.v1.Scale'), { group: 'autoscaling', version: 'v1', kind: 'Scale' });
      case 'finalize':
        return { put: this.op({ ...c, id: `replace${c.id}`, action: 'put', gvk: c.gvk, params: WRITE_PARAMS, codes: ['200', '201'], response: c.kindDef, body: c.kindDef }) };
      case 'binding':
        return post('core.v1.Binding', { group: '', version: 'v1', kind: 'Binding' });
      case 'eviction':
        return post('policy.v1.Eviction', { group: 'policy', version: 'v1', kind: 'Eviction' });
      case 'token':
        return post('authentication.v1.TokenRequest', { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' });
      case 'log':
        return { get: this.op({ ...c, id: `read${c.id}`, action: 'get', gvk: c.gvk, params: ['container', 'follow', 'previous', 'sinceSeconds', 'tailLines', 'timestamps'], codes: ['200'], response: text, produces: ['text/plain'] }) };
      case 'exec':
        return connect('PodExecOptions', ['command', 'container', 'stderr', 'stdin', 'stdout', 'tty']);
      case 'attach':
        return connect('PodAttachOptions', ['container', 'stderr', 'stdin', 'stdout', 'tty']);
      case 'portforward':
        return connect('PodPortForwardOptions', ['ports']);
      default:
        return undefined;
    }
  }

  /** kindDef registers the kind's schema (with its GVK); a kind without a struct gets an open object. */
  private kindDef(k: KindInfo): string {
    const gvk = { 'x-kubernetes-group-version-kind': [{ group: k.group, kind: k.kind, version: k.version }] };
    const struct = this.emit.registry.struct(k.schema);
    if (struct) return this.emit.addStruct(k.schema, struct.gvk?.length ? undefined : gvk);
    const name = openapiName(k.schema);
    this.emit.addDef(name, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: `${k.kind} objects.`, ...gvk });
    return name;
  }

  /** listDef returns the definition of the kind's list, synthesizing one when the registry has none. */
  listDef(k: KindInfo): string {
    const listStruct = `${k.schema.slice(0, k.schema.lastIndexOf('.') + 1)}${k.listKind}`;
    if (this.emit.registry.struct(listStruct)) return this.emit.addStruct(listStruct);
    const name = openapiName(listStruct);
    const listMeta = this.emit.addStruct('meta.v1.ListMeta');
    const kindRef = refTo(openapiName(k.schema), this.dialect);
    const metaProp = this.dialect === 'v3'
      ? { allOf: [{ $ref: refTo(listMeta, this.dialect) }], description: 'Standard list metadata.' }
      : { $ref: refTo(listMeta, this.dialect), description: 'Standard list metadata.' };
    this.emit.addDef(name, {
      description: defaultStructDescription(listStruct),
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'The versioned schema of this object, as group/version.' },
        items: { type: 'array', items: { $ref: kindRef }, description: `The ${k.kind} objects of this list.` },
        kind: { type: 'string', description: 'The kind of this object, in CamelCase.' },
        metadata: metaProp,
      },
      required: ['items'],
      'x-kubernetes-group-version-kind': [{ group: k.group, kind: k.listKind, version: k.version }],
    });
    return name;
  }
}
