/**
 * API errors as the Kubernetes API server reports them: a `Status` object with code,
 * reason, message and details. Thrown by the store and answered as-is over HTTP, so the
 * in-process client and kubectl see the same failures.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class SimApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: StatusDetails;

  constructor(code: number, reason: string, message: string, statusDetails?: StatusDetails) {
    super(message);
    this.name = 'SimApiError';
    this.code = code;
    this.reason = reason;
    this.details = statusDetails;
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** Group and plural of a resource, as the real server names them in Status details. */
export interface ResourceRef {
  group: string;
  plural: string;
}

function qualified(ref: ResourceRef): string {
  return ref.group ? `${ref.plural}.${ref.group}` : ref.plural;
}

function details(ref: ResourceRef, name: string, extra?: Partial<StatusDetails>): StatusDetails {
  const d: StatusDetails = { name, kind: ref.plural };
  if (ref.group) d.group = ref.group;
  return { ...d, ...extra };
}

export function notFound(ref: ResourceRef, name: string): SimApiError {
  return new SimApiError(404, 'NotFound', `${qualified(ref)} "${name}" not found`, details(ref, name));
}

export function alreadyExists(ref: ResourceRef, name: string): SimApiError {
  return new SimApiError(409, 'AlreadyExists', `${qualified(ref)} "${name}" already exists`, details(ref, name));
}

export function conflict(ref: ResourceRef, name: string, why: string): SimApiError {
  return new SimApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(ref)} "${name}": ${why}`,
    details(ref, name),
  );
}

export const STALE_MESSAGE = 'the object has been modified; please apply your changes to the latest version and try again';

export function staleConflict(ref: ResourceRef, name: string): SimApiError {
  return conflict(ref, name, STALE_MESSAGE);
}

export function badRequest(message: string): SimApiError {
  return new SimApiError(400, 'BadRequest', message);
}

export function unsupportedMediaType(message: string): SimApiError {
  return new SimApiError(415, 'UnsupportedMediaType', message);
}

export function methodNotAllowed(message: string): SimApiError {
  return new SimApiError(405, 'MethodNotAllowed', message);
}

export function forbidden(ref: ResourceRef, name: string, message: string): SimApiError {
  const subject = name ? `${qualified(ref)} "${name}"` : qualified(ref);
  return new SimApiError(403, 'Forbidden', `${subject} is forbidden: ${message}`, details(ref, name));
}

export function gone(message: string): SimApiError {
  return new SimApiError(410, 'Expired', message);
}

export function internalError(message: string): SimApiError {
  return new SimApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

export function tooManyRequests(retryAfterSeconds: number): SimApiError {
  return new SimApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
    retryAfterSeconds,
  });
}

/** The resource type (kind or path) is not served. */
export function resourceNotServed(): SimApiError {
  return new SimApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** One field error, as `field.ErrorList` entries render. */
export interface FieldError {
  field: string;
  type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueTooLong';
  detail: string;
  /** The offending value, rendered with %q for strings. */
  value?: unknown;
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function fieldErrorMessage(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueRequired':
      return e.detail ? `Required value: ${e.detail}` : 'Required value';
    case 'FieldValueForbidden':
      return e.detail ? `Forbidden: ${e.detail}` : 'Forbidden';
    case 'FieldValueNotSupported':
      return `Unsupported value: ${renderValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueDuplicate':
      return `Duplicate value: ${renderValue(e.value)}`;
    case 'FieldValueTooLong':
      return `Too long: ${e.detail}`;
    default:
      return `Invalid value: ${renderValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
  }
}

/** 422 Invalid: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: …`. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): SimApiError {
  const parts = errors.map(e => `${e.field}: ${fieldErrorMessage(e)}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const d: StatusDetails = {
    name,
    kind,
    causes: errors.map(e => ({ reason: e.type, message: fieldErrorMessage(e), field: e.field })),
  };
  if (group) d.group = group;
  return new SimApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${joined}`, d);
}

export function isSimApiError(e: unknown): e is SimApiError {
  return e instanceof SimApiError;
}
