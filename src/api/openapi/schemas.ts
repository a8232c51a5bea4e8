/**
 * @module api/openapi/schemas — renders windlass struct definitions as OpenAPI schemas, in the v3
 * (`components.schemas`, `allOf:[{$ref}]` for refs with siblings) or v2 (`definitions`, `$ref` with
 * siblings) dialect, with the Kubernetes extensions clients read: patch strategy and merge key, list
 * type and map keys, map type, group-version-kind. Every struct and property gets a description,
 * our own text where the schema has none, so `kubectl explain` renders every field.
 */
import type { FieldDef, SchemaRegistry, StructDef, TypeRef } from '../schema/model.ts';
import type { JsonObject } from '../kinds/types.ts';
import { openapiName, groupVersionOfStruct } from '../schema/names.ts';

/** Dialect selects OpenAPI v3 or Swagger 2.0 output. */
export type Dialect = 'v3' | 'v2';

/** SPECIAL_DEFS: the named schemas that special types refer to (upstream names, our descriptions). */
const SPECIAL_DEFS: Readonly<Record<string, { name: string; v3: JsonObject; v2: JsonObject; description: string }>> = {
  intOrString: {
    name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    v3: { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
    v2: { type: 'string', format: 'int-or-string' },
    description: 'Either an integer or a string (a number of things, or a name or percentage).',
  },
  quantity: {
    name: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
    v3: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    v2: { type: 'string' },
    description: 'An amount of a resource in fixed-point form with an optional suffix, such as 100m, 2Gi or 1.5.',
  },
  time: {
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    v3: { type: 'string', format: 'date-time' },
    v2: { type: 'string', format: 'date-time' },
    description: 'A timestamp in RFC 3339 form with second precision.',
  },
  microTime: {
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
    v3: { type: 'string', format: 'date-time' },
    v2: { type: 'string', format: 'date-time' },
    description: 'A timestamp in RFC 3339 form with microsecond precision.',
  },
  rawExtension: {
    name: 'io.k8s.apimachinery.pkg.runtime.RawExtension',
    v3: { type: 'object' },
    v2: { type: 'object' },
    description: 'An embedded object of any kind, kept as JSON.',
  },
  fieldsV1: {
    name: 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
    v3: { type: 'object' },
    v2: { type: 'object' },
    description: 'A set of field paths in the FieldsV1 tree form used by managed fields.',
  },
};

/** PATCH_DEF: the request body schema of patch operations. */
export const PATCH_DEF = { name: 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch', schema: { type: 'object', description: 'A patch document; its format is given by the Content-Type of the request.' } };

/** refTo is the `$ref` string of a definition in the dialect. */
export function refTo(name: string, dialect: Dialect): string {
  return dialect === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}`;
}

/** SchemaEmitter renders structs reachable from the roots it is asked for, collecting the named
 * definitions (structs and special types) it needs; inline (synthetic) structs are embedded. */
export class SchemaEmitter {
  readonly defs = new Map<string, JsonObject>();
  readonly registry: SchemaRegistry;
  private readonly dialect: Dialect;
  private readonly describe: (s: StructDef) => string | undefined;

  /** `describe` may supply a description for a struct (the catalog's kind descriptions). */
  constructor(registry: SchemaRegistry, dialect: Dialect, describe: (s: StructDef) => string | undefined = () => undefined) {
    this.registry = registry;
    this.dialect = dialect;
    this.describe = describe;
  }

  /** isInline tells whether a struct is a synthetic part of another (`<root>.spec`), rendered inline. */
  isInline(name: string): boolean {
    for (let i = name.lastIndexOf('.'); i > 0; i = name.lastIndexOf('.', i - 1)) {
      if (this.registry.struct(name.slice(0, i))) return true;
    }
    return false;
  }

  /** addStruct renders a named struct into `defs` (and everything it reaches); returns its definition name. */
  addStruct(name: string, extra?: JsonObject): string {
    const defName = openapiName(name);
    if (this.defs.has(defName)) return defName;
    const s = this.registry.struct(name);
    if (!s) throw new Error(`openapi: unknown struct ${name}`);
    this.defs.set(defName, {});
    this.defs.set(defName, { ...this.structSchema(s), ...extra });
    return defName;
  }

  /** addDef registers a ready-made definition. */
  addDef(defName: string, schema: JsonObject): void {
    if (!this.defs.has(defName)) this.defs.set(defName, schema);
  }

  private structSchema(s: StructDef): JsonObject {
    const props: JsonObject = {};
    const required: string[] = [];
    const topLevel = Boolean(s.gvk?.length) || Boolean(s.fields.metadata && s.fields.apiVersion);
    for (const [fname, fd] of Object.entries(s.fields)) {
      props[fname] = this.propSchema(fname, fd, s, topLevel);
      if (fd.required) required.push(fname);
    }
    const out: JsonObject = { type: 'object' };
    const description = s.description ?? this.describe(s) ?? (s.gvk?.length ? defaultStructDescription(s.name) : undefined);
    if (description !== undefined) out.description = description;
    if (Object.keys(props).length) out.properties = props;
    if (required.length) out.required = required;
    if (s.mapType) out['x-kubernetes-map-type'] = s.mapType;
    if (s.gvk?.length) out['x-kubernetes-group-version-kind'] = s.gvk.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
    return out;
  }

  private propSchema(fname: string, fd: FieldDef, owner: StructDef, topLevel: boolean): JsonObject {
    const description = fd.description ?? fieldDescription(fname, owner, topLevel);
    const base = this.typeSchema(fd.type);
    const ext: JsonObject = { description };
    if (fd.default !== undefined) ext.default = fd.default;
    if (fd.patchStrategy && fd.type.kind !== 'list') ext['x-kubernetes-patch-strategy'] = fd.patchStrategy;
    if (typeof base.$ref === 'string') {
      return this.dialect === 'v3' ? { allOf: [{ $ref: base.$ref }], ...ext } : { $ref: base.$ref, ...ext };
    }
    return { ...base, ...ext };
  }

  /** typeSchema renders a type reference (no description). */
  typeSchema(t: TypeRef): JsonObject {
    switch (t.kind) {
      case 'scalar': {
        const out: JsonObject =
          t.scalar === 'string' ? { type: 'string' }
            : t.scalar === 'bytes' ? { type: 'string', format: 'byte' }
              : t.scalar === 'boolean' ? { type: 'boolean' }
                : t.scalar === 'double' ? { type: 'number', format: 'double' }
                  : { type: 'integer', format: t.scalar };
        if (t.format !== undefined) out.format = t.format;
        if (t.enum) out.enum = [...t.enum];
        return out;
      }
      case 'special': {
        if (t.special === 'duration') return { type: 'string' };
        if (t.special === 'json') return { 'x-kubernetes-preserve-unknown-fields': true };
        const def = SPECIAL_DEFS[t.special];
        this.addDef(def.name, { ...(this.dialect === 'v3' ? def.v3 : def.v2), description: def.description });
        return { $ref: refTo(def.name, this.dialect) };
      }
      case 'ref': {
        if (this.isInline(t.name)) {
          const s = this.registry.struct(t.name)!;
          return this.structSchema(s);
        }
        if (!this.registry.struct(t.name)) return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        return { $ref: refTo(this.addStruct(t.name), this.dialect) };
      }
      case 'list': {
        const out: JsonObject = { type: 'array', items: this.typeSchema(t.items) };
        if (t.listType) out['x-kubernetes-list-type'] = t.listType;
        if (t.listMapKeys) out['x-kubernetes-list-map-keys'] = [...t.listMapKeys];
        if (t.patchStrategy) out['x-kubernetes-patch-strategy'] = t.patchStrategy;
        if (t.patchMergeKey) out['x-kubernetes-patch-merge-key'] = t.patchMergeKey;
        return out;
      }
      case 'map': {
        const out: JsonObject = { type: 'object', additionalProperties: this.typeSchema(t.values) };
        if (t.mapType) out['x-kubernetes-map-type'] = t.mapType;
        return out;
      }
    }
  }
}

function shortOf(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** KNOWN_DESCRIPTIONS: our text for the API machinery kinds that appear in every document. */
const KNOWN_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'meta.v1.Status': 'The result of a call that returns no object: a success message or an error with its reason.',
  'meta.v1.DeleteOptions': 'Options of a delete request: grace period, preconditions and how dependents are handled.',
  'meta.v1.WatchEvent': 'One event of a watch stream: its type and the object it concerns.',
  'meta.v1.APIResourceList': 'The resources served by one group-version, as discovery lists them.',
  'autoscaling.v1.Scale': 'The scale subresource of a workload: desired and observed replica counts and the pod selector.',
  'policy.v1.Eviction': 'A request to evict a pod, honouring its disruption budgets.',
  'authentication.v1.TokenRequest': 'A request for a bound service account token.',
};

/** defaultStructDescription is our generated text for a struct without its own. */
export function defaultStructDescription(name: string): string {
  if (KNOWN_DESCRIPTIONS[name]) return KNOWN_DESCRIPTIONS[name];
  const short = shortOf(name);
  if (short.endsWith('List') && short.length > 4) return `A list of ${short.slice(0, -4)} objects.`;
  const gv = /^[a-z]+\.v[0-9]/.test(name) ? groupVersionOfStruct(name) : '';
  return gv ? `${short}, a structure of the ${gv} API.` : `${short}.`;
}

/** fieldDescription is our generated text for a field without its own. */
export function fieldDescription(field: string, owner: StructDef, topLevel: boolean): string {
  const short = shortOf(owner.name);
  if (topLevel) {
    switch (field) {
      case 'apiVersion': return 'The versioned schema of this object, as group/version ("v1" for the core group).';
      case 'kind': return 'The kind of this object, in CamelCase.';
      case 'metadata': return owner.fields.items ? 'Standard list metadata.' : 'Standard object metadata.';
      case 'spec': return `Desired state of the ${short}.`;
      case 'status': return `Most recently observed state of the ${short}; written by the system.`;
      case 'items': return short.endsWith('List') ? `The ${short.slice(0, -4)} objects of this list.` : `items of ${short}.`;
    }
  }
  return `${field} of ${short}.`;
}
