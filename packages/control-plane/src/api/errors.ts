import { randomInt } from 'node:crypto';
import type { FieldError } from '@gatehouse/schema';

// Two error families, as Konnect has them (../shared/reference/konnect-api.md §1.3 and §5.2):
// Konnect-native APIs answer RFC 7807 problem+json; core entities answer Kong/Koko `{code, message, details}`.

export const PROBLEM_JSON = 'application/problem+json';

/** Konnect's correlation id: `konnect:trace:<digits>`. */
// randomInt refuses a range above 2^48, so the 19 digits come in two draws.
export const traceId = (): string => `konnect:trace:${randomInt(1e14)}${randomInt(1e5)}`;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemBody {
  status: number;
  title: string;
  instance: string;
  detail: string;
  invalid_parameters?: Omit<FieldError, never>[];
}

/**
 * Thrown by Konnect-native handlers; the app's error handler renders it as problem+json.
 * @example throw new ProblemError(404, 'The requested control plane was not found.')
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly invalidParameters: FieldError[] | undefined;
  constructor(status: number, detail: string, options: { title?: string; invalidParameters?: FieldError[] } = {}) {
    super(detail);
    this.status = status;
    this.title = options.title ?? TITLES[status] ?? 'Error';
    this.invalidParameters = options.invalidParameters;
  }
  toBody(): ProblemBody {
    const body: ProblemBody = { status: this.status, title: this.title, instance: traceId(), detail: this.message };
    if (this.invalidParameters) body.invalid_parameters = this.invalidParameters;
    return body;
  }
}

/** 400 with `invalid_parameters`, the shape every Konnect-native validation error takes. */
export const invalidParameters = (errors: FieldError[], detail = 'Invalid Parameters'): ProblemError =>
  new ProblemError(400, detail, { invalidParameters: errors });

// gRPC status numbers, as Konnect's core-entities API uses them.
export const KONG_CODES = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, UNAUTHENTICATED: 16 } as const;

export interface KongErrorDetail {
  '@type': 'type.googleapis.com/kong.admin.model.v1.ErrorDetail';
  type: 'ERROR_TYPE_FIELD' | 'ERROR_TYPE_ENTITY' | 'ERROR_TYPE_REFERENCE';
  field?: string;
  messages: string[];
}

/**
 * Thrown by core-entity handlers; rendered as `{code, message, details}` with the HTTP status.
 * @example throw KongError.validation([{ field: 'host', rule: 'required', reason: 'host is a required field' }])
 */
export class KongError extends Error {
  readonly status: number;
  readonly code: number;
  readonly details: KongErrorDetail[];
  constructor(status: number, code: number, message: string, details: KongErrorDetail[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
  toBody() {
    return { code: this.code, message: this.message, details: this.details };
  }
  static validation(errors: FieldError[], entityMessages: string[] = []): KongError {
    const details: KongErrorDetail[] = errors.map((e) => ({
      '@type': 'type.googleapis.com/kong.admin.model.v1.ErrorDetail',
      type: 'ERROR_TYPE_FIELD',
      field: e.field,
      messages: [e.reason],
    }));
    for (const m of entityMessages) details.push({ '@type': 'type.googleapis.com/kong.admin.model.v1.ErrorDetail', type: 'ERROR_TYPE_ENTITY', messages: [m] });
    return new KongError(400, KONG_CODES.INVALID_ARGUMENT, 'validation error', details);
  }
  static conflict(field: string, message = `${field} (type: unique) constraint failed`): KongError {
    return new KongError(400, KONG_CODES.INVALID_ARGUMENT, 'data constraint error', [
      { '@type': 'type.googleapis.com/kong.admin.model.v1.ErrorDetail', type: 'ERROR_TYPE_REFERENCE', field, messages: [message] },
    ]);
  }
  static reference(field: string, message: string): KongError {
    return new KongError(400, KONG_CODES.INVALID_ARGUMENT, 'data constraint error', [
      { '@type': 'type.googleapis.com/kong.admin.model.v1.ErrorDetail', type: 'ERROR_TYPE_REFERENCE', field, messages: [message] },
    ]);
  }
  static notFound(message = 'not found'): KongError {
    return new KongError(404, KONG_CODES.NOT_FOUND, message);
  }
}
