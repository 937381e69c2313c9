import type { ServerResponse } from 'node:http';

// Kong-generated responses (reference §3.3): `kong.response.error` bodies negotiated from Accept, and
// `kong.response.exit` bodies as given.

/** Kong's default message per status (kong/tools/http.lua). */
const MESSAGES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  411: 'Length required',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  426: 'Upgrade required',
  429: 'Too many requests',
  500: 'An unexpected error occurred',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
};

export const defaultMessage = (status: number): string => MESSAGES[status] ?? `The upstream server responded with ${status}`;

export type ErrorType = 'application/json' | 'text/plain' | 'text/html' | 'application/xml';
const TYPES: readonly ErrorType[] = ['application/json', 'text/plain', 'text/html', 'application/xml'];

/**
 * The error body type for an Accept header (highest q wins; missing or `*\/*` -> JSON), or
 * `fallback` when there is neither Accept nor Content-Type (nginx-generated errors: Kong's
 * `error_default_type`).
 * @example negotiate('text/html;q=0.9, application/xml', undefined, null) // 'application/xml'
 */
export function negotiate(accept: string | undefined, contentType: string | undefined, fallback: ErrorType | null): ErrorType {
  if (accept === undefined || accept === '') return fallback !== null && contentType === undefined ? fallback : 'application/json';
  let best: ErrorType = 'application/json';
  let bestQ = -1;
  for (const item of accept.split(',')) {
    const [range, ...params] = item.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q') q = Number(v);
    }
    if (!(q > bestQ)) continue;
    if (range === '*/*') {
      best = 'application/json';
      bestQ = q;
    } else if ((TYPES as readonly string[]).includes(range)) {
      best = range as ErrorType;
      bestQ = q;
    }
  }
  return best;
}


/** Kong's error templates. */
export function errorBody(type: ErrorType, message: string, requestId: string): string {
  const m = message; // Kong does not escape the message either.
  switch (type) {
    case 'application/json':
      return `{\n  "message":${JSON.stringify(m)},\n  "request_id":"${requestId}"\n}`;
    case 'text/plain':
      return `${m}\nrequest_id: ${requestId}\n`;
    case 'text/html':
      return `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${m}.</p>\n    <p>request_id: ${requestId}</p>\n  </body>\n</html>\n`;
    case 'application/xml':
      return `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${m}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`;
  }
}

/** Writes a Kong-generated response with Gatehouse's headers. */
export function writeGenerated(res: ServerResponse, status: number, contentType: string | null, body: string | Buffer, headers: Record<string, string | string[] | number | undefined>): void {
  if (contentType !== null) headers['content-type'] = contentType;
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
