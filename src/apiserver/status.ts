/**
 * @module apiserver/status — turns StatusErrors (and, as a last resort, bugs) into Status
 * responses, the one boundary where errors become HTTP.
 */
import type { ServerResponse } from 'node:http';
import { StatusError, internalError, type StatusBody } from '../api/index.ts';

/** toStatusError returns `e` when it is a StatusError, else a 500 InternalError for the bug. */
export function toStatusError(e: unknown): StatusError {
  if (e instanceof StatusError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return internalError(msg);
}

/** notFoundPath is upstream's 404 for an unknown URL. */
export function notFoundPath(): StatusError {
  const body: StatusBody = {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'the server could not find the requested resource', reason: 'NotFound',
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] }, code: 404,
  };
  return new StatusError(body);
}

/** unauthorized is the 401 for a request without valid credentials. */
export function unauthorized(): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/** notAcceptable is the 406 for an Accept header the server cannot satisfy. */
export function notAcceptable(accept: string): StatusError {
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotAcceptable', code: 406,
    message: `only the following media types are accepted: application/json, application/yaml (got ${accept})`,
  });
}

/** sendStatus writes the Status body of `err` (headers permitting) and ends the response. */
export function sendStatus(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) { res.destroy(); return; }
  const body = JSON.stringify(err.status);
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  const retry = err.status.details?.retryAfterSeconds;
  if (retry !== undefined) headers['Retry-After'] = retry;
  res.writeHead(err.code, headers);
  res.end(body);
}

/** sendJson writes a JSON body (already serialized or not) with `code`. */
export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
