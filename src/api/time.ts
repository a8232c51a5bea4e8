/**
 * @module api/time — timestamps as the API writes them (metav1.Time: RFC 3339, seconds precision).
 */

let lastSecond = NaN;
let lastText = '';

/** rfc3339 renders epoch milliseconds as RFC 3339 in UTC with seconds precision
 * (`2026-11-27T15:00:00Z`). The last second's text is kept: servers, controllers and agents stamp
 * the current second many times over. */
export function rfc3339(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== lastSecond) {
    lastText = new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = sec;
  }
  return lastText;
}
