/**
 * @module api/time.test — rfc3339: seconds precision as metav1.Time, the same
 * text for every time within one second, and the right text again after the second changes back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rfc3339 } from './time.ts';

void test('rfc3339: seconds precision, stable within a second, exact across seconds', () => {
  const table: { ms: number; want: string }[] = [
    { ms: Date.UTC(2026, 10, 27, 15, 0, 0, 0), want: '2026-11-27T15:00:00Z' },
    { ms: Date.UTC(2026, 10, 27, 15, 0, 0, 999), want: '2026-11-27T15:00:00Z' },
    { ms: Date.UTC(2026, 10, 27, 15, 0, 1, 1), want: '2026-11-27T15:00:01Z' },
    { ms: Date.UTC(2026, 10, 27, 15, 0, 0, 500), want: '2026-11-27T15:00:00Z' },
    { ms: 0, want: '1970-01-01T00:00:00Z' },
    { ms: Date.UTC(2030, 0, 1, 0, 0, 0, 250), want: '2030-01-01T00:00:00Z' },
  ];
  for (const { ms, want } of table) assert.equal(rfc3339(ms), want, String(ms));
});
