/**
 * @module apiserver/continue-token — the opaque `continue` token of a paged list: the snapshot
 * revision the first page was read at and the last key returned, base64url JSON.
 */

/** ContinueState is what a continue token carries. */
export interface ContinueState { readonly rev: number; readonly start: string }

/** encodeContinue makes the token for the page after `lastKey` in snapshot `rev`. */
export function encodeContinue(rev: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 1, rev, start: lastKey })).toString('base64url');
}

/** decodeContinue parses a token; undefined when it is malformed. */
export function decodeContinue(token: string): ContinueState | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (v && v.v === 1 && Number.isSafeInteger(v.rev) && v.rev > 0 && typeof v.start === 'string') return { rev: v.rev, start: v.start };
  } catch { /* malformed */ }
  return undefined;
}
