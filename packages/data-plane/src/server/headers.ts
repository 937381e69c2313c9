import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { Headers } from '@gatehouse/plugins';

// RFC 9110 §7.6.1: hop-by-hop headers, and those the Connection header names, are not forwarded.
// `expect` is answered here (node:http sends 100 Continue), `proxy` is httpoxy (Kong drops it too).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'proxy-authenticate', 'proxy-authorization']);
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate']);

function connectionTokens(value: string | string[] | undefined): string[] | null {
  if (value === undefined) return null;
  const tokens = (Array.isArray(value) ? value.join(',') : value).split(',');
  const out: string[] = [];
  for (const t of tokens) {
    const name = t.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') out.push(name);
  }
  return out.length === 0 ? null : out;
}

/** The common Connection header, naming no other header: `keep-alive` or `close` alone. */
const isPlainConnection = (value: string | string[]): boolean => value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close';

/** The client's headers without hop-by-hop ones: what plugins see and the upstream gets. */
export function forwardableRequestHeaders(src: IncomingHttpHeaders): Headers {
  const out: Headers = {};
  // HTTP/2 pseudo-headers (`:authority`, `:path`...) are not headers to forward.
  for (const name of Object.keys(src)) if (!HOP_BY_HOP.has(name) && name.charCodeAt(0) !== 58) out[name] = src[name];
  const connection = src.connection;
  if (connection !== undefined && !isPlainConnection(connection)) {
    const named = connectionTokens(connection);
    if (named !== null) for (const name of named) if (name !== 'host') delete out[name];
  }
  // Reference §3.2: TE is forwarded only as `trailers` (gRPC needs it), as Kong's template does.
  const te = src.te;
  if (typeof te === 'string' && TE_TRAILERS.test(te)) out.te = 'trailers';
  return out;
}

const TE_TRAILERS = /(?:^|,)\s*trailers\s*(?:;|,|$)/i;

/** X-Real-IP from a trusted peer (nginx realip, `real_ip_header X-Real-IP`), else the peer itself. */
export function realClientIp(src: IncomingHttpHeaders, peer: string): string {
  // node:http joins repeated custom headers into one string.
  const value = src['x-real-ip'];
  return typeof value === 'string' && isIP(value.trim()) !== 0 ? value.trim() : peer;
}

/**
 * An upstream response's headers without the hop-by-hop ones, as a new object: copying the rest is
 * cheaper than deleting from undici's object, which would leave it (and every header added after)
 * in V8's slow dictionary mode.
 */
export function endToEndResponseHeaders(upstream: Headers): Headers {
  const out: Headers = {};
  for (const name in upstream) if (!RESPONSE_HOP_BY_HOP.has(name)) out[name] = upstream[name];
  const connection = upstream.connection;
  if (connection !== undefined && !isPlainConnection(connection)) {
    const named = connectionTokens(connection);
    if (named !== null) for (const name of named) delete out[name];
  }
  return out;
}

/** Appends to a possibly repeated header, comma-separated (RFC 9110 §5.3). */
export function appendHeader(current: string | string[] | undefined, value: string): string {
  if (current === undefined) return value;
  return `${Array.isArray(current) ? current.join(', ') : current}, ${value}`;
}
