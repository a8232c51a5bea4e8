/**
 * @module api/schema/registry — the schema registry over every generated built-in struct, and the
 * means to layer further structs (custom resources) on top of it.
 */
import type { FieldDef, SchemaRegistry, StructDef, TypeRef } from './model.ts';
import type { ProtoEmbed } from './dsl.ts';
import { generatedEmbeds, generatedStructs } from '../generated/index.ts';

/** createSchemaRegistry indexes `structs` by name; names not found are looked up in `parent`
 * (so a custom resource registry can sit on top of the built-ins). Later duplicates win. */
export function createSchemaRegistry(structs: Iterable<StructDef>, parent?: SchemaRegistry): SchemaRegistry {
  const own = new Map<string, StructDef>();
  for (const s of structs) own.set(s.name, s);
  return {
    struct: (name) => own.get(name) ?? parent?.struct(name),
    *all() {
      yield* own.values();
      if (parent) for (const s of parent.all()) if (!own.has(s.name)) yield s;
    },
  };
}

/** schemas: every built-in struct (all served group-versions plus meta), generated from upstream facts. */
export const schemas: SchemaRegistry = createSchemaRegistry(generatedStructs);

/** protoEmbeds: for each struct with Go-embedded members, the nested protobuf messages whose fields
 * JSON inlines into the struct (`core.v1.Volume` → field 2 `volumeSource` of `core.v1.VolumeSource`). */
export const protoEmbeds: Readonly<Record<string, readonly ProtoEmbed[]>> = generatedEmbeds;

/** elementType unwraps lists and maps down to the element type (a struct ref, scalar or special). */
export function elementType(t: TypeRef): TypeRef {
  let cur = t;
  while (cur.kind === 'list' || cur.kind === 'map') cur = cur.kind === 'list' ? cur.items : cur.values;
  return cur;
}

/** lookupField follows a dotted field path from a struct (`spec.template.spec.containers`), stepping
 * through refs and list/map elements; returns the last field's definition or undefined. */
export function lookupField(registry: SchemaRegistry, structName: string, path: string): FieldDef | undefined {
  let struct = registry.struct(structName);
  let field: FieldDef | undefined;
  for (const part of path.split('.')) {
    if (!struct) return undefined;
    field = struct.fields[part];
    if (!field) return undefined;
    const el = elementType(field.type);
    struct = el.kind === 'ref' ? registry.struct(el.name) : undefined;
  }
  return field;
}

/** reachableStructs lists the names of `roots` and every struct they reference, transitively, sorted. */
export function reachableStructs(registry: SchemaRegistry, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    const s = registry.struct(name);
    if (!s) continue;
    seen.add(name);
    for (const fd of Object.values(s.fields)) {
      const el = elementType(fd.type);
      if (el.kind === 'ref' && !seen.has(el.name)) stack.push(el.name);
    }
  }
  return [...seen].sort();
}
