import type { Socket } from 'node:net';
import type { Plane } from './exchange.ts';
import { nextRequestId } from './request-id.ts';
import { defaultMessage, errorBody } from './responses.ts';

// Requests node:http's parser refuses before any handler runs (node emits 'clientError'): nginx answers
// them from its error pages, which Kong renders with its templates (reference §3.3, second generator).
// Nothing is known of the request, so the body type is `error_default_type`; the connection is closed,
// since its framing cannot be trusted (a CL+TE request must never reach an upstream or the next request).

/** node:http's parser error code -> Kong's status and message. Anything else is 400 Bad request. */
const STATUS_BY_CODE: Record<string, [status: number, message: string | null]> = {
  // nginx's 494, which Kong's error handler turns into 400 with this message.
  HPE_HEADER_OVERFLOW: [400, 'Request header or cookie too large'],
  // client_header_timeout (node:http's headersTimeout).
  ERR_HTTP_REQUEST_TIMEOUT: [408, null],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [400, null],
};

/**
 * Answers a client error with Kong's template (`Server`, `X-Kong-Request-Id`, `Connection: close`), or
 * just closes when the socket cannot take an answer (reset, or a response already under way).
 */
export function answerClientError(plane: Plane, error: NodeJS.ErrnoException, socket: Socket): void {
  const pending = (socket as { _httpMessage?: { headersSent: boolean } | null })._httpMessage;
  if (!socket.writable || error.code === 'ECONNRESET' || (pending !== undefined && pending !== null && pending.headersSent)) {
    socket.destroy();
    return;
  }
  const [status, message] = STATUS_BY_CODE[error.code ?? ''] ?? [400, null];
  const requestId = nextRequestId();
  const type = plane.errorDefaultType;
  const body = errorBody(type, message ?? defaultMessage(status), requestId);
  plane.logger.debug({ err: error, requestId, remote: socket.remoteAddress }, 'client error');
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\n` +
      `Server: ${plane.serverToken}\r\n` +
      `Content-Type: ${type}; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Kong-Request-Id: ${requestId}\r\n` +
      `Connection: close\r\n\r\n` +
      body,
  );
  // A request in flight on this socket (a bad chunk mid-body) is aborted with the connection.
  socket.destroySoon();
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout' };
