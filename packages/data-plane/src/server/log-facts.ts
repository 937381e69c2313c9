import type { Headers, LogFacts } from '@gatehouse/plugins';
import { escapePath } from '../router/index.ts';
import type { Exchange } from './exchange.ts';

// The facts of Kong's log serializer (kong/pdk/log.lua `serialize`), gathered once per request just
// before the `log` phase, and only for chains that have a `log` handler.

/**
 * Builds `ctx.logFacts` for a finished exchange. Answers the gateway generated without header filters
 * never set `ctx.status`/`ctx.responseHeaders`: they are filled here from what was sent.
 */
export function buildLogFacts(res: Exchange): LogFacts {
  const ctx = res.pctx!;
  const req = res.req;
  if (res.headersSent) {
    ctx.status = res.statusCode;
    ctx.responseHeaders ??= res.getHeaders() as Headers;
  }
  const now = performance.now();
  const requestLatencyMs = now - res.startedAt;
  const isUpstreamCalled = res.upstreamStartedAt > 0;
  const target = res.target;
  return {
    startedAt: Math.round(performance.timeOrigin + res.startedAt),
    // Kong: KONG_PROXY_LATENCY when proxied, else KONG_RESPONSE_LATENCY (time to its own answer).
    kongLatencyMs: Math.round(isUpstreamCalled ? res.upstreamStartedAt - res.startedAt : requestLatencyMs),
    upstreamLatencyMs: res.upstreamLatencyMs < 0 ? -1 : Math.round(res.upstreamLatencyMs),
    requestLatencyMs: Math.round(requestLatencyMs),
    source: res.upstreamLatencyMs >= 0 && ctx.exit === null ? 'upstream' : 'kong',
    upstreamUri: isUpstreamCalled ? escapePath(ctx.path) + (ctx.query === null ? '' : `?${ctx.query}`) : '',
    tries: res.tries,
    route: target?.route ?? null,
    service: target?.upstream?.service ?? null,
    requestSize: requestSize(res),
    requestUri: req.url ?? '/',
    serverPort: req.socket.localPort ?? 0,
    workspace: res.gateway?.gatewayId ?? '',
  };
}

/** nginx's `request_length`: request line, header lines and the body. */
function requestSize(res: Exchange): number {
  const req = res.req;
  const raw = req.rawHeaders;
  // "GET /path HTTP/1.1\r\n" and the blank line ending the headers.
  let size = (req.method ?? '').length + (req.url ?? '').length + req.httpVersion.length + 9 + 2;
  for (let i = 0; i < raw.length; i += 2) size += raw[i].length + raw[i + 1].length + 4;
  const length = req.headers['content-length'];
  if (length !== undefined) size += Number(length) || 0;
  else if (res.pctx!.body !== null) size += res.pctx!.body.length;
  return size;
}
