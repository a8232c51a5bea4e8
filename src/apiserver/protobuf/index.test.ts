/**
 * @module apiserver/protobuf/index.test — the folder's public surface: content-type detection
 * and the time/duration text forms used by the decoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProtobufContentType, PROTOBUF_MAGIC, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './index.ts';
import { formatDuration, formatMicroTime, formatTime } from './formats.ts';

const contentTypes: readonly (readonly [string | undefined, boolean])[] = [
  ['application/vnd.kubernetes.protobuf', true],
  ['application/vnd.kubernetes.protobuf; charset=binary', true],
  ['Application/VND.Kubernetes.Protobuf', true],
  ['application/vnd.kubernetes.protobuf;stream=watch', true],
  ['application/json', false],
  ['application/vnd.kubernetes.protobuf+json', false],
  ['', false],
  [undefined, false],
];
for (const [ct, want] of contentTypes) {
  void test(`isProtobufContentType(${JSON.stringify(ct)}) is ${want}`, () => assert.equal(isProtobufContentType(ct), want));
}

void test('constants', () => {
  assert.deepEqual([...PROTOBUF_MAGIC], [0x6b, 0x38, 0x73, 0x00]);
  assert.equal(OPENAPI_V2_PROTOBUF_CONTENT_TYPE, 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
});

const durations: readonly (readonly [bigint, string])[] = [
  [0n, '0s'], [1n, '1ns'], [1500n, '1.5µs'], [2_000_000n, '2ms'], [1_500_000_000n, '1.5s'], [60_000_000_000n, '1m0s'],
  [3_600_000_000_000n, '1h0m0s'], [3_723_000_000_000n, '1h2m3s'], [-90_000_000_000n, '-1m30s'], [100_000_000_001n, '1m40.000000001s'],
];
for (const [ns, want] of durations) void test(`formatDuration(${ns}) is ${want}`, () => assert.equal(formatDuration(ns), want));

void test('formatTime and formatMicroTime render UTC RFC 3339', () => {
  assert.equal(formatTime(1704164645), '2024-01-02T03:04:05Z');
  assert.equal(formatTime(0), '1970-01-01T00:00:00Z');
  assert.equal(formatMicroTime(1704164645, 5000), '2024-01-02T03:04:05.000005Z');
  assert.equal(formatMicroTime(1704164645, 0), '2024-01-02T03:04:05.000000Z');
});
