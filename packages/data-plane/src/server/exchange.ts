import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { Headers, PluginContext, PluginResponse } from '@gatehouse/plugins';
import { runBodyFilter, runHeaderFilter, runLog } from '../pipeline/runner.ts';
import { DP_ERRORS } from '../errors.ts';
import { EMPTY_CHAIN, type Chain } from '../pipeline/chain.ts';
import { releaseGateway, type CompiledGateway, type RouteTarget } from './gateway.ts';
import { appendHeader, endToEndResponseHeaders } from './headers.ts';
import { defaultMessage, errorBody, negotiate, writeGenerated, type ErrorType } from './responses.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import type { TelemetryRecorder } from '../telemetry/recorder.ts';
import type { PlatformLimiter } from '../limits/limiter.ts';
import type { TrustedIps } from './trusted-ips.ts';
import { lingerAfterResponse, type Lingering } from './lingering.ts';
import { recordExchange } from '../telemetry/exchange.ts';
import { buildLogFacts } from './log-facts.ts';
import type { Peer } from '../upstream/balancer.ts';
import { peerResponded, releasePeer, retryUpstream } from '../upstream/dispatch.ts';

/** What every exchange of one data plane shares. */
export interface Plane {
  serverToken: string;
  viaToken: string;
  maxBodyBytes: number;
  errorDefaultType: ErrorType;
  logger: Logger;
  pools: PoolRegistry;
  /** Analytics aggregation, fed after each response; null when no reporter is configured. */
  telemetry: TelemetryRecorder | null;
  /** The platform rate limit per gateway (limits/); null when off. */
  limiter: PlatformLimiter | null;
  /** Kong's `trusted_ips`: peers whose X-Forwarded-* and X-Real-IP are kept; null trusts none. */
  trustedIps: TrustedIps | null;
  /** Kong's `client_body_timeout`: longest silence while a request body is read (then 408). */
  clientBodyTimeoutMs: number;
  /** nginx's lingering close after a 413/417 that leaves the body unread (lingering.ts). */
  lingering: Lingering;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * One client request and its response, and the undici dispatch handler of its upstream request:
 * node:http builds it (createServer's ServerResponse option), so a request allocates no separate
 * state object and no per-request closures. Every field is set in the constructor (initExchange).
 */
export class Exchange extends ServerResponse<IncomingMessage> implements Dispatcher.DispatchHandler {
  declare plane: Plane | null;
  declare requestId: string;
  declare startedAt: number;
  declare upstreamStartedAt: number;
  /** Upstream time to response headers; -1 until (or unless) the upstream answers. */
  declare upstreamLatencyMs: number;
  declare gateway: CompiledGateway | null;
  declare target: RouteTarget | null;
  declare pctx: PluginContext | null;
  declare controller: Dispatcher.DispatchController | null;
  declare isUpstreamDone: boolean;
  declare isBodyTooLarge: boolean;
  declare hasDrainListener: boolean;
  /** The upstream body while a plugin buffers it for `bodyFilter`; null when streaming. */
  declare bufferedChunks: Buffer[] | null;
  /** The consumer's chain once an auth plugin switched to it (pipeline/runner.ts runAccess). */
  declare activeChain: Chain | null;
  /** Upstream tries (upstream/dispatch.ts): the request as dispatched, for retries. */
  declare upstreamRequest: Dispatcher.DispatchOptions | null;
  /** Tries made so far (Kong: at most 1 + service.retries). */
  declare tries: number;
  /** The balancer peer of the current try; null when direct or between tries. */
  declare peer: Peer | null;
  /** Consistent hashing: the ring point of the current try. */
  declare hashPoint: number;
  /** Host is the peer's (preserve_host off, not replaced by a plugin). */
  declare isPeerHost: boolean;
  /** The peer is in `trusted_ips`: its X-Forwarded-* and X-Real-IP are believed. */
  declare isTrustedClient: boolean;
  /** An Upgrade request (WebSocket): the bytes the client sent after its head; null for other requests. */
  declare upgradeHead: Buffer | null;
  /** Kong's `write_timeout` while a streamed body goes upstream (onWriteTimeout); null when not armed. */
  declare writeTimer: NodeJS.Timeout | null;
  /** A streamed body's generator (flow.ts limitedBody) holds a chunk undici has not asked past yet. */
  declare isBodyChunkHeld: boolean;

  constructor(req: IncomingMessage) {
    super(req);
    initExchange(this);
  }

  get chain(): Chain {
    return this.activeChain ?? this.target?.chain ?? this.gateway?.globalChain ?? EMPTY_CHAIN;
  }

  /** Kong-generated response: Server, latency and request-id headers, header_filter, then send. */
  sendGenerated(status: number, contentType: string | null, body: string | Buffer, extra: Record<string, string> | null): void {
    if (this.headersSent) return;
    let headers: Headers = extra === null ? {} : { ...extra };
    headers['server'] = this.plane!.serverToken;
    headers['x-kong-response-latency'] = String(Math.round(performance.now() - this.startedAt));
    headers['x-kong-request-id'] = this.requestId;
    const ctx = this.pctx;
    if (ctx !== null && ctx.addedResponseHeaders !== null) Object.assign(headers, ctx.addedResponseHeaders);
    const chain = this.chain;
    if (ctx !== null && chain.headerFilter.length > 0) {
      // Header filters see the Content-Type of the answer, as in Kong.
      if (contentType !== null) headers['content-type'] = contentType;
      ctx.status = status;
      ctx.responseHeaders = headers;
      this.runFilters(ctx, chain);
      status = ctx.status;
      headers = ctx.responseHeaders;
      if (ctx.isResponseBuffered && chain.bodyFilter.length > 0) body = this.filterBody(ctx, chain, typeof body === 'string' ? Buffer.from(body) : body);
      contentType = null;
    }
    if (ctx !== null) ctx.responseSize = Buffer.byteLength(body);
    writeGenerated(this, status, contentType, body, headers);
  }

  /** Kong's `kong.response.error`: the error template, negotiated from Accept. */
  sendError(status: number, message: string | null, isNginxError: boolean, extra: Record<string, string> | null = null): void {
    const req = this.req;
    if (req.httpVersionMajor === 2 && isGrpcContentType(req)) return this.sendGrpcError(status, message, isNginxError, extra);
    const type = negotiate(req.headers.accept, req.headers['content-type'], isNginxError ? this.plane!.errorDefaultType : null);
    this.sendGenerated(status, `${type}; charset=utf-8`, errorBody(type, message ?? defaultMessage(status), this.requestId), extra);
  }

  /**
   * Kong's errors to a gRPC request (kong/pdk/response.lua): no body, the status mapped to
   * `grpc-status`. Kong's own errors carry `content-type: application/grpc` and the status's gRPC
   * name as `grpc-message`; nginx's (upstream failures) carry no content type and Kong's message.
   */
  sendGrpcError(status: number, message: string | null, isNginxError: boolean, extra: Record<string, string> | null): void {
    const code = HTTP_TO_GRPC[status] ?? (status >= 500 ? 13 : status >= 400 ? 3 : 2);
    const headers: Record<string, string> = extra === null ? {} : { ...extra };
    headers['grpc-status'] = String(code);
    headers['grpc-message'] = isNginxError ? (message ?? defaultMessage(status)) : GRPC_MESSAGES[code]!;
    this.sendGenerated(status, isNginxError ? null : 'application/grpc', '', headers);
  }

  /** A plugin's answer (`ctx.respond` or `ctx.error`). */
  sendPluginResponse(r: PluginResponse): void {
    if (r.kind === 'error') return this.sendError(r.status, typeof r.body === 'string' ? r.body : null, false, r.headers);
    const { body } = r;
    if (body === null || body === undefined) return this.sendGenerated(r.status, null, '', r.headers);
    if (typeof body === 'string' || Buffer.isBuffer(body)) return this.sendGenerated(r.status, null, body, r.headers);
    const extra = r.headers;
    const hasType = extra !== null && Object.keys(extra).some((k) => k.toLowerCase() === 'content-type');
    this.sendGenerated(r.status, hasType ? null : 'application/json; charset=utf-8', JSON.stringify(body), extra);
  }

  /** 413 for a body over the platform limit; the connection closes, its framing is unknown. */
  sendTooLarge(): void {
    this.isBodyTooLarge = true;
    if (this.headersSent) {
      this.destroy();
      return;
    }
    this.shouldKeepAlive = false;
    // The client may still be sending: close as nginx does, without a reset that loses the answer.
    // HTTP/1.x only: an HTTP/2 socket is the session's, and the stream's end leaves it open.
    const socket = this.socket;
    if (this.req.httpVersionMajor === 1 && socket !== null) lingerAfterResponse(socket, this.plane!.lingering);
    const isExpect = /100-continue/i.test(String(this.req.headers.expect ?? ''));
    this.sendError(isExpect ? 417 : 413, 'Request size limit exceeded', false, { connection: 'close' });
  }

  private filterBody(ctx: PluginContext, chain: Chain, body: Buffer): Buffer {
    try {
      return runBodyFilter(chain.bodyFilter, ctx, body);
    } catch (error) {
      this.plane!.logger.error({ err: error, requestId: this.requestId }, 'body_filter failed');
      return body;
    }
  }

  private runFilters(ctx: PluginContext, chain: Chain): void {
    try {
      runHeaderFilter(chain.headerFilter, ctx);
    } catch (error) {
      this.plane!.logger.error({ err: error, requestId: this.requestId }, 'header_filter failed');
    }
  }

  // undici dispatch handler ------------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Connected and writing: a streamed body arms write_timeout (a buffered one is written at once).
    const body = this.upstreamRequest?.body;
    if (body === null || body === undefined || Buffer.isBuffer(body) || typeof body === 'string') return;
    const ms = this.target!.upstream!.service.write_timeout;
    if (ms <= 0) return;
    if (this.writeTimer === null) this.writeTimer = setTimeout(onWriteTimeout, ms, this);
    else this.writeTimer.refresh();
  }

  /** undici wrote a chunk of the body upstream: write_timeout starts again. */
  onBodySent(): void {
    this.writeTimer?.refresh();
  }

  /** The whole body is upstream: write_timeout no longer applies. */
  onRequestSent(): void {
    if (this.writeTimer !== null) stopWriteTimer(this);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, upstreamHeaders: Record<string, string | string[] | undefined>): void {
    if (status < 200) return; // 1xx: node:http answers Expect itself; upgrades are not proxied yet.
    const plane = this.plane!;
    const now = performance.now();
    const headers = endToEndResponseHeaders(upstreamHeaders as Headers);
    // Reference §3.1: the Via version is the upstream's, 2 for grpc services.
    headers['via'] = appendHeader(headers['via'], this.target!.upstream!.isGrpc ? `2 ${plane.serverToken}` : plane.viaToken);
    if (headers['server'] === undefined) headers['server'] = plane.serverToken;
    this.upstreamLatencyMs = now - this.upstreamStartedAt;
    headers['x-kong-upstream-latency'] = String(Math.round(this.upstreamLatencyMs));
    if (this.peer !== null) peerResponded(this, status);
    headers['x-kong-proxy-latency'] = String(Math.round(this.upstreamStartedAt - this.startedAt));
    headers['x-kong-request-id'] = this.requestId;
    const ctx = this.pctx!;
    if (ctx.addedResponseHeaders !== null) Object.assign(headers, ctx.addedResponseHeaders);
    ctx.status = status;
    ctx.responseHeaders = headers;
    const chain = this.chain;
    if (chain.headerFilter.length > 0) this.runFilters(ctx, chain);
    if (ctx.isResponseBuffered && chain.bodyFilter.length > 0) {
      // The body is transformed whole; Content-Length is set once it is known.
      this.bufferedChunks = [];
      return;
    }
    this.writeHead(ctx.status, ctx.responseHeaders as Record<string, string | string[]>);
  }

  /**
   * The upstream switched protocols (101): its head goes to the client as is (hop-by-hop headers
   * but Upgrade and Connection removed, Kong's headers added), then bytes flow both ways untouched
   * until either side closes. A refusal (any other status) came through onResponseStart instead.
   */
  onRequestUpgrade(_controller: Dispatcher.DispatchController, status: number, upstreamHeaders: Record<string, string | string[] | undefined>, upstream: Duplex): void {
    this.isUpstreamDone = true;
    const client = this.socket;
    if (client === null || client.destroyed) {
      upstream.destroy();
      return;
    }
    const plane = this.plane!;
    if (this.peer !== null) {
      peerResponded(this, status);
      releasePeer(this);
    }
    const headers = endToEndResponseHeaders(upstreamHeaders as Headers);
    headers['upgrade'] = upstreamHeaders['upgrade'];
    headers['connection'] = 'Upgrade';
    headers['via'] = appendHeader(headers['via'], plane.viaToken);
    if (headers['server'] === undefined) headers['server'] = plane.serverToken;
    this.upstreamLatencyMs = performance.now() - this.upstreamStartedAt;
    headers['x-kong-upstream-latency'] = String(Math.round(this.upstreamLatencyMs));
    headers['x-kong-proxy-latency'] = String(Math.round(this.upstreamStartedAt - this.startedAt));
    headers['x-kong-request-id'] = this.requestId;
    this.pctx!.status = status;
    let head = `HTTP/1.1 ${status} Switching Protocols\r\n`;
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) head += `${name}: ${v}\r\n`;
      else head += `${name}: ${value}\r\n`;
    }
    client.write(`${head}\r\n`);
    if (this.upgradeHead !== null && this.upgradeHead.length > 0) upstream.write(this.upgradeHead);
    tunnel(client, upstream);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.pctx!.responseSize += chunk.length;
    if (this.bufferedChunks !== null) {
      this.bufferedChunks.push(chunk);
      return;
    }
    if (this.write(chunk)) return;
    controller.pause();
    if (!this.hasDrainListener) {
      this.hasDrainListener = true;
      this.on('drain', resumeUpstream);
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined> | undefined): void {
    this.isUpstreamDone = true;
    if (this.writeTimer !== null) stopWriteTimer(this);
    if (this.peer !== null) releasePeer(this);
    // gRPC's grpc-status and grpc-message arrive as trailers; HTTP/2 clients get them as such.
    if (trailers !== undefined && this.req.httpVersionMajor === 2) forwardTrailers(this, trailers);
    const chunks = this.bufferedChunks;
    if (chunks !== null) {
      const ctx = this.pctx!;
      const body = this.filterBody(ctx, this.chain, Buffer.concat(chunks));
      const headers = ctx.responseHeaders!;
      delete headers['transfer-encoding'];
      headers['content-length'] = String(body.length);
      ctx.responseSize = body.length;
      this.writeHead(ctx.status, headers as Record<string, string | string[]>);
      this.end(this.req.method === 'HEAD' ? undefined : body);
      return;
    }
    this.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.writeTimer !== null) stopWriteTimer(this);
    if (this.upstreamRequest !== null && retryUpstream(this, error)) return;
    this.isUpstreamDone = true;
    if (this.isBodyTooLarge || this.destroyed || this.writableEnded) return;
    const code = (error as { code?: string }).code ?? '';
    this.plane!.logger.warn({ err: error, requestId: this.requestId, gatewayId: this.gateway?.gatewayId }, 'upstream request failed');
    if (this.headersSent) {
      this.destroy(); // The client sees a truncated response, as with nginx.
      return;
    }
    if (TIMEOUT_CODES.has(code)) this.sendError(504, null, true);
    // The platform's upstream policy (upstream/guard.ts) refused the resolved address.
    else if (code === DP_ERRORS.UPSTREAM_REFUSED) this.sendError(502, error.message, false);
    // Reference §3.4: the service host does not resolve.
    else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') this.sendError(503, 'name resolution failed', false);
    else this.sendError(502, null, true);
  }
}

/** Kong's HTTP status to gRPC status map (kong/pdk/response.lua); others by class. */
const HTTP_TO_GRPC: Record<number, number> = { 200: 0, 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 429: 8, 499: 1, 500: 13, 501: 12, 503: 14, 504: 4 };
const GRPC_MESSAGES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** Kong's gRPC request test: the Content-Type starts with application/grpc (the route check adds HTTP/2). */
export function isGrpcContentType(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  return type !== undefined && type.startsWith('application/grpc');
}

/** Copies the upstream's trailers (string keys: node:http2 adds a symbol for sensitive headers) onto the response. */
function forwardTrailers(x: Exchange, trailers: Record<string, string | string[] | undefined>): void {
  let out: Record<string, string | string[]> | null = null;
  for (const name in trailers) {
    const value = trailers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */) continue;
    (out ??= {})[name] = value;
  }
  if (out !== null) x.addTrailers(out);
}

/**
 * Sets every field of an exchange (in one order, one hidden class): the constructor's, and the
 * HTTP/2 exchange's (tls/http2-exchange.ts), which borrows Exchange's methods.
 */
export function initExchange(x: Exchange): void {
  x.plane = null;
  x.requestId = '';
  x.startedAt = 0;
  x.upstreamStartedAt = 0;
  x.upstreamLatencyMs = -1;
  x.gateway = null;
  x.target = null;
  x.pctx = null;
  x.controller = null;
  x.isUpstreamDone = false;
  x.isBodyTooLarge = false;
  x.hasDrainListener = false;
  x.bufferedChunks = null;
  x.activeChain = null;
  x.upstreamRequest = null;
  x.tries = 0;
  x.peer = null;
  x.hashPoint = -1;
  x.isPeerHost = false;
  x.isTrustedClient = false;
  x.upgradeHead = null;
  x.writeTimer = null;
  x.isBodyChunkHeld = false;
}

/**
 * Kong's `write_timeout` (nginx's proxy_send_timeout): undici wrote no chunk of the body for that
 * long. When it is waiting for the upstream to take data (it paused the client's stream, or has not
 * asked the body generator past its last chunk), the request fails with 504 and the connection
 * closes (the rest of the body is unread); when it is waiting for the client, that is
 * client_body_timeout's business and the timer starts again.
 */
function onWriteTimeout(x: Exchange): void {
  if (x.isUpstreamDone || x.controller === null || x.writableEnded || x.destroyed) {
    x.writeTimer = null;
    return;
  }
  const body = x.upstreamRequest!.body as Readable | AsyncIterable<Buffer>;
  const isHeld = typeof (body as Readable).pipe === 'function' ? (body as Readable).readableFlowing === false : x.isBodyChunkHeld;
  if (!isHeld) {
    x.writeTimer!.refresh();
    return;
  }
  x.writeTimer = null;
  x.plane!.logger.warn({ requestId: x.requestId, gatewayId: x.gateway?.gatewayId }, 'upstream write timed out');
  if (x.headersSent) x.destroy();
  else {
    x.shouldKeepAlive = false;
    x.sendError(504, null, true, { connection: 'close' });
  }
  // After the answer: the failure counts against the peer (passive checks) but is neither retried nor answered.
  x.isUpstreamDone = true;
  x.controller.abort(Object.assign(new Error('upstream write timed out'), { code: 'ETIMEDOUT' }));
}

function stopWriteTimer(x: Exchange): void {
  clearTimeout(x.writeTimer!);
  x.writeTimer = null;
}

/**
 * Kong's `client_body_timeout` (nginx answers 408): the client went silent while sending its body.
 * The socket timeout is armed only for requests with a body (flow.ts); once the body is complete a
 * timeout is ignored, and node:http replaces it with its keep-alive timeout after the response.
 */
export function onClientBodyTimeout(this: Exchange): void {
  if (this.req.complete || this.writableEnded || this.destroyed) return;
  if (this.headersSent) this.destroy();
  else {
    // The rest of the body will not come: the connection cannot carry another request.
    this.shouldKeepAlive = false;
    this.sendError(408, null, true, { connection: 'close' });
  }
  // After the answer, so that the upstream's failure is neither retried nor answered.
  if (!this.isUpstreamDone && this.controller !== null) {
    this.isUpstreamDone = true;
    this.controller.abort(new Error('client body timeout'));
  }
}

/** Pipes an upgraded connection both ways; an error or close on either side ends both. */
function tunnel(client: Duplex, upstream: Duplex): void {
  const end = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
  upstream.pipe(client);
  client.pipe(upstream);
}

/** Ends the connection of an Upgrade request that was answered without switching (a 401, a 502...). */
export function onUpgradeAnswered(this: Exchange): void {
  this.socket?.end();
}

function resumeUpstream(this: Exchange): void {
  this.controller?.resume();
}

/** On 'close' (finished or aborted): abort the upstream, run `log`, release the gateway. */
export function onExchangeClose(this: Exchange): void {
  if (this.writeTimer !== null) stopWriteTimer(this);
  if (!this.isUpstreamDone && this.controller !== null) {
    this.isUpstreamDone = true;
    this.controller.abort(new Error('client closed the connection'));
  }
  if (this.peer !== null) releasePeer(this);
  const ctx = this.pctx;
  const chain = this.chain;
  if (ctx !== null && chain.log.length > 0) {
    const plane = this.plane!;
    const requestId = this.requestId;
    ctx.logFacts = buildLogFacts(this);
    runLog(chain.log, ctx, (error, entry) => plane.logger.error({ err: error, requestId, plugin: entry.plugin.name }, 'log phase failed'));
  }
  const gw = this.gateway;
  const telemetry = this.plane!.telemetry;
  if (telemetry !== null && gw !== null) recordExchange(telemetry, this, gw.gatewayId);
  if (gw !== null && --gw.inflight === 0 && gw.isRetired) releaseGateway(gw, this.plane!.pools);
}
