/**
 * @module api/errors — Kubernetes Status errors and field errors as values.
 *
 * Components return `FieldError[]` and `StatusError`s; only the HTTP boundary turns them into a
 * response body. The reasons and messages follow apimachinery's wording so kubectl prints what
 * users know ("Error from server (NotFound): pods \"x\" not found").
 */

/** FieldErrorType is the `reason` of a Status cause for a field. */
export type FieldErrorType =
  | 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate'
  | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound' | 'InternalError';

/** FieldError is one problem with one field, with its path as Kubernetes prints it (spec.containers[0].name). */
export interface FieldError {
  readonly type: FieldErrorType;
  readonly field: string;
  readonly detail?: string;
  readonly badValue?: unknown;
  readonly supported?: readonly string[];
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  FieldValueNotFound: 'Not found',
  InternalError: 'Internal error',
};

function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? 'null';
}

/** fieldErrorMessage renders a field error the way apimachinery's field.Error does. */
export function fieldErrorMessage(e: FieldError): string {
  let s = `${e.field}: ${TYPE_TEXT[e.type]}`;
  if (e.type === 'FieldValueRequired' || e.type === 'FieldValueForbidden' || e.type === 'FieldValueTooLong' || e.type === 'FieldValueTooMany' || e.type === 'InternalError') {
    return e.detail ? `${s}: ${e.detail}` : s;
  }
  if ('badValue' in e) s += `: ${showValue(e.badValue)}`;
  if (e.type === 'FieldValueNotSupported' && e.supported) {
    s += `: supported values: ${e.supported.map((x) => JSON.stringify(x)).join(', ')}`;
  } else if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** StatusReason is a metav1.StatusReason. */
export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone'
  | 'Invalid' | 'ServerTimeout' | 'Timeout' | 'TooManyRequests' | 'MethodNotAllowed' | 'NotAcceptable'
  | 'RequestEntityTooLarge' | 'UnsupportedMediaType' | 'InternalError' | 'Expired' | 'ServiceUnavailable' | '';

/** StatusCause is one entry of `details.causes`. */
export interface StatusCause { readonly reason?: string; readonly message?: string; readonly field?: string }

/** StatusBody is the JSON `Status` object. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

/** StatusError carries a Kubernetes Status; the HTTP layer sends `status` with `status.code`. */
export class StatusError extends Error {
  readonly status: StatusBody;
  constructor(status: StatusBody) {
    super(status.message ?? status.reason ?? 'error');
    this.status = status;
  }
  get code(): number { return this.status.code; }
  get reason(): StatusReason | undefined { return this.status.reason; }
}

/** qualified renders "deployments.apps" (resource.group) or "pods" for the core group. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

function make(code: number, reason: StatusReason, message: string, details?: StatusBody['details']): StatusError {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) body.details = details;
  return new StatusError(body);
}

/** notFound: 404 `pods "x" not found`. */
export function notFound(resource: string, group: string, name: string): StatusError {
  return make(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource });
}
/** alreadyExists: 409 `deployments.apps "x" already exists`. */
export function alreadyExists(resource: string, group: string, name: string): StatusError {
  return make(409, 'AlreadyExists', `${qualifiedResource(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource });
}
/** conflict: 409 optimistic-concurrency failure, in upstream's words. */
export function conflict(resource: string, group: string, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return make(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`, { name, group: group || undefined, kind: resource });
}
/** invalid: 422 `Deployment.apps "x" is invalid: [causes…]`. */
export function invalid(kind: string, group: string, name: string, errs: readonly FieldError[]): StatusError {
  const msgs = errs.map(fieldErrorMessage);
  const what = `${group ? `${kind}.${group}` : kind} "${name}" is invalid`;
  const message = msgs.length === 1 ? `${what}: ${msgs[0]}` : `${what}: [${msgs.join(', ')}]`;
  return make(422, 'Invalid', message, {
    name, group: group || undefined, kind,
    causes: errs.map((e) => ({ reason: e.type, message: fieldErrorMessage(e).slice(e.field.length + 2), field: e.field })),
  });
}
/** badRequest: 400 with a message. */
export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return make(400, 'BadRequest', message, causes ? { causes } : undefined);
}
/** gone: 410 Expired (too old resource version, expired continue token). */
export function expired(message: string): StatusError {
  return make(410, 'Expired', message);
}
/** forbidden: 403 with upstream's message shape. */
export function forbidden(message: string, details?: StatusBody['details']): StatusError {
  return make(403, 'Forbidden', message, details);
}
/** methodNotAllowed: 405. */
export function methodNotAllowed(message: string): StatusError {
  return make(405, 'MethodNotAllowed', message);
}
/** unsupportedMediaType: 415. */
export function unsupportedMediaType(contentType: string): StatusError {
  return make(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
}
/** tooLarge: 413. */
export function tooLarge(limit: number): StatusError {
  return make(413, 'RequestEntityTooLarge', `the request body is larger than the limit of ${limit} bytes`);
}
/** tooManyRequests: 429 with Retry-After seconds. */
export function tooManyRequests(message: string, retryAfterSeconds = 1): StatusError {
  return make(429, 'TooManyRequests', message, { retryAfterSeconds });
}
/** internalError: 500, for the one case a bug reaches the boundary. */
export function internalError(message: string): StatusError {
  return make(500, 'InternalError', `Internal error occurred: ${message}`);
}
/** timeoutError: 504. */
export function timeoutError(message: string): StatusError {
  return make(504, 'Timeout', message);
}
/** isStatusError tells whether `e` is a StatusError (optionally with the given code). */
export function isStatusError(e: unknown, code?: number): e is StatusError {
  return e instanceof StatusError && (code === undefined || e.code === code);
}
