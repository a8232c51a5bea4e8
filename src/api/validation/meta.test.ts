/** @module api/validation/meta.test — name rules and ObjectMeta validation with upstream's messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../errors.ts';
import { isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPathSegmentName } from '../selectors/names.ts';
import { nameIsDNSLabel, nameIsPathSegment, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';

const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

void test('name rules', () => {
  const cases: [(s: string) => string[], string, string[]][] = [
    [isDNS1123Subdomain, 'web-1.example', []],
    [isDNS1123Subdomain, 'Web', [SUBDOMAIN]],
    [isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
    [isDNS1123Label, 'web', []],
    [isDNS1123Label, 'a.b', ['must not contain dots']],
    [isDNS1123Label, 'A', [LABEL]],
    [isDNS1035Label, '1abc', ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"]],
    [isValidPathSegmentName, 'system:admin', []],
    [isValidPathSegmentName, '..', ["may not be '..'"]],
    [isValidPathSegmentName, 'a/b%c', ["may not contain '/'", "may not contain '%'"]],
    [isQualifiedName, 'example.com/app', []],
    [isQualifiedName, '/app', ['prefix part must be non-empty']],
    [isQualifiedName, 'a/b/c', ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]],
    [isConfigMapKey, 'app.properties', []],
    [isConfigMapKey, '..data', ["must not start with '..'"]],
    [isConfigMapKey, 'a b', ["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]],
  ];
  for (const [fn, input, want] of cases) assert.deepEqual(fn(input), want, input);
});

const msgs = (errs: readonly Parameters<typeof fieldErrorMessage>[0][]): string[] => errs.map(fieldErrorMessage);

void test('validateObjectMeta', () => {
  assert.deepEqual(msgs(validateObjectMeta({ namespace: 'default' }, true)), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(msgs(validateObjectMeta({ generateName: 'web-', namespace: 'default' }, true)), []);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'Web', namespace: 'default' }, true)), [`metadata.name: Invalid value: "Web": ${SUBDOMAIN}`]);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'x' }, true)), ['metadata.namespace: Required value']);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'x', namespace: 'd' }, false)), ['metadata.namespace: Forbidden: not allowed on this type']);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'a.b' }, false, nameIsDNSLabel)), ['metadata.name: Invalid value: "a.b": must not contain dots']);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'system:nodes' }, false, nameIsPathSegment)), []);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'x', labels: { 'app/x/y': 'v', ok: 'bad value' } }, false)), [
    `metadata.labels: Invalid value: "app/x/y": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    `metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  ]);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'x', annotations: { a: 'x'.repeat(256 * 1024) } }, false)), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'x', finalizers: ['example.com/ok', 'bad finalizer'] }, false)).length, 1);
  assert.deepEqual(msgs(validateObjectMeta({ name: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p' }] }, false)), ['metadata.ownerReferences.uid: Invalid value: "": must not be empty']);
});

void test('validateObjectMetaUpdate', () => {
  assert.deepEqual(msgs(validateObjectMetaUpdate({ name: 'b', uid: 'u' }, { name: 'a', uid: 'u' })), ['metadata.name: Invalid value: "b": field is immutable']);
  assert.deepEqual(msgs(validateObjectMetaUpdate({ name: 'a', finalizers: ['x/y', 'x/z'] }, { name: 'a', finalizers: ['x/y'], deletionTimestamp: '2026-01-01T00:00:00Z' })),
    ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x/z"}']);
});

void test('validateLabelSelector', () => {
  assert.deepEqual(msgs(validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Has' }] }, 'spec.selector')), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Has": not a valid selector operator',
  ]);
});
