/** Stable codes for api-client failures (STYLE.md: `ERR_<AREA>_<WHAT>`). */
export const API_CLIENT_ERRORS = {
  /** The API answered with a non-2xx status; `status` and `body` say what it said. */
  HTTP: 'ERR_API_CLIENT_HTTP',
  /** The API could not be reached (refused, DNS, timeout). */
  UNREACHABLE: 'ERR_API_CLIENT_UNREACHABLE',
} as const;

/**
 * A failed API call. `body` is the parsed JSON answer (Konnect problem+json, Kong's
 * `{code, message, details}`) or the raw text when it was not JSON.
 * @example
 * try { await client.controlPlanes.get(id); } catch (e) { if (e instanceof ApiError && e.status === 404) ... }
 */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly body: unknown;
  readonly method: string;
  readonly path: string;

  constructor(init: { code: string; status: number; body: unknown; method: string; path: string; message: string; cause?: unknown }) {
    super(init.message, { cause: init.cause });
    this.name = 'ApiError';
    this.code = init.code;
    this.status = init.status;
    this.body = init.body;
    this.method = init.method;
    this.path = init.path;
  }
}

/** The most useful human text in an error body, across Gatehouse's two error formats. */
export function describeErrorBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, any>;
  const parts: string[] = [];
  const head = b.detail ?? b.message ?? b.title;
  if (typeof head === 'string') parts.push(head);
  // Konnect problem+json lists field errors in invalid_parameters; Kong's format in details/fields.
  if (Array.isArray(b.invalid_parameters)) {
    for (const p of b.invalid_parameters) parts.push(`${p.field}: ${p.reason}`);
  }
  if (Array.isArray(b.details)) {
    for (const d of b.details) {
      if (d && typeof d === 'object' && Array.isArray(d.messages)) parts.push(`${d.field ?? d.type}: ${d.messages.join(', ')}`);
    }
  }
  if (b.fields && typeof b.fields === 'object') {
    for (const [field, reason] of Object.entries(b.fields)) parts.push(`${field}: ${typeof reason === 'string' ? reason : JSON.stringify(reason)}`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}
