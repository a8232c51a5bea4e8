/** @module api/validation/structure.test — unknown fields, type errors and pruning against a hand-made registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../errors.ts';
import type { SchemaRegistry, StructDef } from '../schema/model.ts';
import { checkStructure, pruneUnknown, unknownFieldMessages } from './structure.ts';

const str = { type: { kind: 'scalar', scalar: 'string' } } as const;
const structs: StructDef[] = [
  { name: 'meta.v1.ObjectMeta', fields: { name: str, labels: { type: { kind: 'map', values: { kind: 'scalar', scalar: 'string' } } }, creationTimestamp: { type: { kind: 'special', special: 'time' } } } },
  { name: 'x.v1.Thing', fields: { apiVersion: str, kind: str, metadata: { type: { kind: 'ref', name: 'meta.v1.ObjectMeta' } }, spec: { type: { kind: 'ref', name: 'x.v1.ThingSpec' } } } },
  {
    name: 'x.v1.ThingSpec', fields: {
      replicas: { type: { kind: 'scalar', scalar: 'int32' } },
      ratio: { type: { kind: 'scalar', scalar: 'double' } },
      paused: { type: { kind: 'scalar', scalar: 'boolean' } },
      port: { type: { kind: 'special', special: 'intOrString' } },
      memory: { type: { kind: 'special', special: 'quantity' } },
      raw: { type: { kind: 'special', special: 'rawExtension' } },
      any: { type: { kind: 'special', special: 'json' } },
      containers: { type: { kind: 'list', items: { kind: 'ref', name: 'x.v1.Container' } } },
      byName: { type: { kind: 'map', values: { kind: 'ref', name: 'x.v1.Container' } } },
      opaque: { type: { kind: 'ref', name: 'x.v1.NotInRegistry' } },
    },
  },
  { name: 'x.v1.Container', fields: { name: str, imagePullPolicy: str } },
];
const registry: SchemaRegistry = {
  struct: (n) => structs.find((s) => s.name === n),
  all: () => structs,
};

void test('unknown fields are reported with kubectl-style paths', () => {
  const o = {
    apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'a', bogus: 1 }, extra: true,
    spec: { replicas: 1, foo: 'x', containers: [{ name: 'c' }, { name: 'd', imagePullPolicyX: 'Always' }], byName: { k: { nope: 1 } }, opaque: { whatever: 1 } },
  };
  const r = checkStructure(o, 'x.v1.Thing', registry);
  assert.deepEqual(r.unknown, ['metadata.bogus', 'extra', 'spec.foo', 'spec.containers[1].imagePullPolicyX', 'spec.byName.k.nope']);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(unknownFieldMessages(['spec.foo']), ['unknown field "spec.foo"']);
});

void test('type errors use the OpenAPI wording', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ replicas: 'three' }, ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']],
    [{ replicas: 1.5 }, ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']],
    [{ ratio: 1 }, []],
    [{ paused: 'yes' }, ['spec.paused: Invalid value: "string": spec.paused in body must be of type boolean: "string"']],
    [{ port: 80 }, []], [{ port: 'http' }, []],
    [{ port: true }, ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer-or-string: "boolean"']],
    [{ memory: '1Gi' }, []], [{ memory: 512 }, []],
    [{ memory: '1Gx' }, [`spec.memory: Invalid value: "1Gx": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`]],
    [{ raw: { a: 1 } }, []], [{ any: [1, 'x'] }, []],
    [{ containers: {} }, ['spec.containers: Invalid value: "object": spec.containers in body must be of type array: "object"']],
    [{ containers: [{ name: 5 }] }, ['spec.containers[0].name: Invalid value: "integer": spec.containers[0].name in body must be of type string: "integer"']],
    [{ replicas: null }, []],
  ];
  for (const [spec, want] of cases) {
    const r = checkStructure({ spec }, 'x.v1.Thing', registry);
    assert.deepEqual(r.errors.map(fieldErrorMessage), want, JSON.stringify(spec));
  }
  const t = checkStructure({ metadata: { creationTimestamp: 'yesterday' } }, 'x.v1.Thing', registry);
  assert.equal(t.errors.length, 1);
  assert.equal(t.errors[0].field, 'metadata.creationTimestamp');
});

void test('pruneUnknown drops only unknown fields and does not touch the input', () => {
  const o = { apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'a', junk: 1 }, junk: 2, spec: { replicas: 2, containers: [{ name: 'c', x: 1 }], opaque: { keep: 1 } } };
  const p = pruneUnknown(o, 'x.v1.Thing', registry);
  assert.deepEqual(p, { apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'a' }, spec: { replicas: 2, containers: [{ name: 'c' }], opaque: { keep: 1 } } });
  assert.equal((o as Record<string, unknown>).junk, 2);
});

void test('with a checked version, what the object shares with it by reference is not walked again', () => {
  // The checked version stands for a stored object; its own oddities are planted here only to show
  // which parts are skipped (a stored object has none).
  const sharedList = [{ name: 'c', imagePullPolicyX: 'Always' }];
  const sharedMap = { k: { nope: 1 } };
  const checked = { apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'a' }, spec: { containers: sharedList, byName: sharedMap, replicas: 1 } };
  const updated = {
    apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'a', bogus: 1 },
    // a new spec object: walked, but the list and map it shares with `checked` are not
    spec: { containers: sharedList, byName: sharedMap, replicas: 'two', foo: 1 },
  };
  const r = checkStructure(updated, 'x.v1.Thing', registry, checked);
  assert.deepEqual(r.unknown, ['metadata.bogus', 'spec.foo']);
  assert.deepEqual(r.errors.map((e) => e.field), ['spec.replicas']);
  // Equal but not the same: walked.
  const copy = structuredClone(updated);
  assert.deepEqual(checkStructure(copy, 'x.v1.Thing', registry, checked).unknown,
    ['metadata.bogus', 'spec.containers[0].imagePullPolicyX', 'spec.byName.k.nope', 'spec.foo']);
  // Shared at another path: walked (only the same path counts).
  const moved = { apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'a' }, spec: { byName: { k: sharedList[0] } } };
  assert.deepEqual(checkStructure(moved, 'x.v1.Thing', registry, { ...checked, spec: { containers: sharedList } }).unknown, ['spec.byName.k.imagePullPolicyX']);
  // The whole object shared: nothing to report; without a checked version everything is walked.
  assert.deepEqual(checkStructure(checked, 'x.v1.Thing', registry, checked).unknown, []);
  assert.deepEqual(checkStructure(checked, 'x.v1.Thing', registry).unknown, ['spec.containers[0].imagePullPolicyX', 'spec.byName.k.nope']);
});
