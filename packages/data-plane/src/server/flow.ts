import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { PluginContext } from '@gatehouse/plugins';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';
import { escapePath, normalizePath, splitHostPort, upstreamPath } from '../router/index.ts';
import { runAccess, runPhase, type PhaseOutcome } from '../pipeline/runner.ts';
import { chainFor } from '../pipeline/chain.ts';
import { nextRequestId } from './request-id.ts';
import { appendHeader, forwardableRequestHeaders, realClientIp } from './headers.ts';
import type { CompiledGateway } from './gateway.ts';
import { isGrpcContentType, onClientBodyTimeout, type Exchange } from './exchange.ts';
import { dispatchUpstream } from '../upstream/dispatch.ts';
import { sendRateLimited } from '../limits/respond.ts';

// The request flow (STYLE.md): gateway lookup by Host -> platform limits -> rewrite (global plugins)
// -> router -> access by priority -> upstream (streamed). Each step is synchronous unless a plugin or
// the body actually needs to wait; closures are made only on those asynchronous paths.

const NO_ROUTE = 'no Route matched with those values';

export function handleRequest(req: IncomingMessage, res: Exchange, byHost: Map<string, CompiledGateway>): void {
  res.startedAt = performance.now();
  res.requestId = nextRequestId();
  const hostHeader = req.headers.host;
  // nginx: HTTP/1.1 without Host, and HTTP/0.9 (which has no headers, so no gateway), are bad requests.
  if (hostHeader === undefined && (req.httpVersionMinor === 1 || req.httpVersionMajor === 0)) return refuse(res, 400, null);
  // nginx's request line buffer (large_client_header_buffers 8k): a longer target is 414.
  if (req.url !== undefined && req.url.length > MAX_REQUEST_TARGET) return refuse(res, 414, null);
  const [host, hostPort] = splitHostPort(hostHeader ?? '');
  // '*': a self-managed data plane's single gateway takes any Host (its routes select by their own hosts).
  const gw = byHost.get(host) ?? byHost.get('*');
  if (gw === undefined) return res.sendError(404, NO_ROUTE, false);
  gw.inflight++;
  res.gateway = gw;

  // Platform limit, before anything reaches a plugin or the upstream.
  const plane = res.plane!;
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > plane.maxBodyBytes) return res.sendTooLarge();
  // Platform rate limit (limits/): synchronous unless a shared counter store must be asked.
  const limiter = res.plane!.limiter;
  if (limiter !== null) {
    const verdict = limiter.admit(gw.gatewayId);
    if (verdict === false) return sendRateLimited(res);
    if (verdict !== true) {
      verdict.then((isAdmitted) => {
        if (res.destroyed || res.writableEnded) return;
        if (isAdmitted) startRequest(req, res, host, hostPort);
        else sendRateLimited(res);
      });
      return;
    }
  }
  startRequest(req, res, host, hostPort);
}

/** The request once admitted by the platform limits: rewrite, then routing. */
function startRequest(req: IncomingMessage, res: Exchange, host: string, hostPort: number | null): void {
  const plane = res.plane!;
  const length = req.headers['content-length'];
  // Slow clients (slowloris on the body): silence longer than client_body_timeout gets 408.
  if (length !== undefined ? length !== '0' : isStreamedBody(req)) {
    // The socket's timeout on HTTP/1.1, the stream's on HTTP/2.
    req.setTimeout(plane.clientBodyTimeoutMs);
    res.on('timeout', onClientBodyTimeout);
  }
  const peer = req.socket.remoteAddress ?? '';
  const isTrusted = plane.trustedIps !== null && plane.trustedIps.has(peer);
  res.isTrustedClient = isTrusted;

  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const ctx = new PluginContext({
    requestId: res.requestId,
    // Kong's forwarded IP (realip): X-Real-IP when the peer is trusted.
    clientIp: isTrusted ? realClientIp(req.headers, peer) : peer,
    scheme: (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http',
    host,
    method: req.method ?? 'GET',
    rawPath,
    path: normalizePath(rawPath),
    query: q === -1 ? null : url.slice(q + 1),
    headers: forwardableRequestHeaders(req.headers),
    requestHeaders: req.headers,
  });
  res.pctx = ctx;
  const port = hostPort ?? req.socket.localPort ?? 0;
  // A plugin runs only on the protocols in its `protocols`: the chain's TLS variant when it has one.
  const globalChain = res.gateway!.globalChain;
  if (globalChain.tls !== null && ctx.scheme === 'https') res.activeChain = globalChain.tls;

  if (res.chain.rewrite.length > 0) {
    const outcome = safePhase(res, 'rewrite');
    if (outcome instanceof Promise) {
      outcome.then((o) => (o === null ? route(req, res, port) : res.sendPluginResponse(o)), (e) => pluginFailed(res, e));
      return;
    }
    if (outcome !== null) return res.sendPluginResponse(outcome);
  }
  route(req, res, port);
}

function route(req: IncomingMessage, res: Exchange, port: number): void {
  if (res.destroyed) return;
  const ctx = res.pctx!;
  const gw = res.gateway!;
  const socket = req.socket;
  const match = gw.router.match({
    method: ctx.method,
    host: ctx.host,
    port,
    path: ctx.path,
    headers: req.headers,
    scheme: ctx.scheme,
    sourceIp: socket.remoteAddress ?? null,
    sourcePort: socket.remotePort ?? null,
    destinationIp: socket.localAddress ?? null,
    destinationPort: socket.localPort ?? null,
    sni: ctx.scheme === 'https' ? serverName(socket) : null,
  });
  if (match === null) return res.sendError(404, NO_ROUTE, false);
  const target = match.payload;
  res.target = target;
  const route = target.route;
  if (target.isHttpsOnly && ctx.scheme !== 'https' && !(res.isTrustedClient && isForwardedHttps(req))) {
    const code = route.https_redirect_status_code;
    if (code === 426) return res.sendError(426, 'Please use HTTPS protocol', false, { connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' });
    return res.sendGenerated(code, null, '', { location: `https://${ctx.host}${req.url ?? '/'}` });
  }
  // Reference §3.4: a grpc route takes gRPC (content type application/grpc...) over HTTP/2 only.
  if (target.isGrpc) {
    if (!isGrpcContentType(req)) return res.sendError(415, 'Non-gRPC request matched gRPC route', false);
    if (req.httpVersionMajor !== 2) return res.sendError(426, 'Please use HTTP2 protocol', false, { connection: 'Upgrade', upgrade: 'HTTP/2' });
  }
  ctx.routeId = route.id;
  ctx.serviceId = route.service?.id ?? null;
  ctx.uriCaptures = match.captures;
  ctx.path = upstreamPath(target.upstream?.base ?? '/', ctx.path, match.prefix, route.strip_path, route.path_handling);
  // Reference §3.2: a trusted peer's X-Forwarded-Prefix is kept; otherwise it is the stripped prefix, or absent.
  if (!res.isTrustedClient || ctx.headers['x-forwarded-prefix'] === undefined) {
    if (route.strip_path && match.prefix !== null && match.prefix !== '/') ctx.headers['x-forwarded-prefix'] = match.prefix;
    else delete ctx.headers['x-forwarded-prefix'];
  }
  // The exchange's chain from here on (an auth plugin may switch it to a consumer's).
  const chain = (res.activeChain = chainFor(target.chain, ctx.scheme === 'https'));
  if (chain.size > 0) ctx.slots = new Array(chain.size).fill(undefined);

  if (chain.needsBody && hasBody(req)) {
    bufferBody(req, res).then((body) => {
      if (body === null) return;
      ctx.body = body;
      access(req, res);
    }, (e) => pluginFailed(res, e));
    return;
  }
  if (chain.needsBody) ctx.body = Buffer.alloc(0);
  access(req, res);
}

function access(req: IncomingMessage, res: Exchange): void {
  if (res.destroyed) return;
  if (res.chain.access.length === 0) return forward(req, res);
  const outcome = safePhase(res, 'access');
  if (outcome instanceof Promise) {
    outcome.then((o) => (o === null ? forward(req, res) : res.sendPluginResponse(o)), (e) => pluginFailed(res, e));
    return;
  }
  if (outcome !== null) return res.sendPluginResponse(outcome);
  forward(req, res);
}

function forward(req: IncomingMessage, res: Exchange): void {
  if (res.destroyed) return;
  // request_buffering (the default): the body is read whole, after access (as nginx reads it for
  // proxy_pass), before any upstream connection is taken.
  if (res.target!.isRequestBuffered && res.pctx!.body === null && hasBody(req)) {
    bufferBody(req, res).then((body) => (body === null ? undefined : proxy(req, res, body)), (e) => clientBodyFailed(res, e));
    return;
  }
  proxy(req, res, res.pctx!.body);
}

/** Sends the request upstream: `buffered` is the whole body when read (plugins', or request_buffering's). */
function proxy(req: IncomingMessage, res: Exchange, buffered: Buffer | null): void {
  if (res.destroyed) return;
  const ctx = res.pctx!;
  const target = res.target!;
  const upstream = target.upstream;
  if (upstream === null) return res.sendError(503, 'no Service found with those values', false);
  const plane = res.plane!;
  const headers = ctx.headers;
  // A plugin that replaced Host (request-transformer `replace.headers host:x`) wins.
  if (headers.host === req.headers.host) headers.host = target.route.preserve_host && req.headers.host !== undefined ? req.headers.host : upstream.hostHeader;
  // Balanced: the Host is the picked target's (or the upstream's host_header), set on each try.
  const isPeerHost = upstream.balanced !== null && headers.host === '';
  // Reference §3.2: X-Forwarded-For gets the peer appended whoever it is; the others are Gatehouse's
  // own values unless the peer is in trusted_ips, whose values are kept (each defaulting to ours).
  headers['x-real-ip'] = ctx.clientIp;
  headers['x-forwarded-for'] = appendHeader(req.headers['x-forwarded-for'], req.socket.remoteAddress ?? '');
  if (res.isTrustedClient) {
    headers['x-forwarded-proto'] ??= ctx.scheme;
    headers['x-forwarded-host'] ??= ctx.host;
    headers['x-forwarded-port'] ??= String(req.socket.localPort ?? '');
    headers['x-forwarded-path'] ??= ctx.rawPath;
  } else {
    headers['x-forwarded-proto'] = ctx.scheme;
    headers['x-forwarded-host'] = ctx.host;
    headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
    headers['x-forwarded-path'] = ctx.rawPath;
  }
  const via = req.httpVersionMajor === 1 && req.httpVersionMinor === 1 ? plane.viaToken : `${req.httpVersionMajor === 2 ? '2' : req.httpVersion} ${plane.serverToken}`;
  headers['via'] = appendHeader(req.headers.via, via);
  headers['x-kong-request-id'] = res.requestId;

  let body: Buffer | IncomingMessage | AsyncIterable<Buffer> | null = null;
  if (buffered !== null) {
    body = buffered;
    headers['content-length'] = String(buffered.length);
  } else if (req.headers['content-length'] !== undefined) {
    // node:http enforces the announced length, already checked against the limit.
    body = Number(req.headers['content-length']) > 0 ? req : null;
  } else if (isStreamedBody(req)) {
    body = limitedBody(req, res);
  }
  const service = upstream.service;
  res.upstreamStartedAt = performance.now();
  dispatchUpstream(
    res,
    {
      method: ctx.method,
      path: escapePath(ctx.path) + (ctx.query === null ? '' : `?${ctx.query}`),
      headers: headers as Record<string, string | string[]>,
      // undici streams async iterables too; its types list only Readable.
      body: body as Buffer | IncomingMessage | null,
      headersTimeout: service.read_timeout,
      bodyTimeout: service.read_timeout,
      // WebSocket (and other) upgrades are proxied on any http route, as Kong 3.x does; undici sends
      // `Connection: upgrade` and this Upgrade, and hands the switched socket to onRequestUpgrade.
      upgrade: res.upgradeHead === null ? null : String(req.headers.upgrade ?? 'websocket'),
    },
    isPeerHost,
  );
}

/** nginx's request line buffer is 8 KiB (Kong's large_client_header_buffers 4 8k). */
const MAX_REQUEST_TARGET = 8 * 1024;

/** An nginx-level refusal: the error template, and the connection closed (its state is unknown). */
function refuse(res: Exchange, status: number, message: string | null): void {
  res.shouldKeepAlive = false;
  res.sendError(status, message, true, { connection: 'close' });
}

const isForwardedHttps = (req: IncomingMessage): boolean => {
  const proto = req.headers['x-forwarded-proto'];
  return typeof proto === 'string' && proto.toLowerCase() === 'https';
};

const hasBody = (req: IncomingMessage): boolean => (req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) > 0 : isStreamedBody(req));

/** A body of unannounced length: chunked on HTTP/1.1; on HTTP/2, DATA frames after headers without END_STREAM. */
const isStreamedBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || (req.httpVersionMajor === 2 && !(req as unknown as Http2ServerRequest).stream.endAfterHeaders);

/** The TLS server name the client sent (lower-cased), or null. */
function serverName(socket: IncomingMessage['socket']): string | null {
  const name = (socket as TLSSocket).servername;
  return typeof name === 'string' && name !== '' ? name.toLowerCase() : null;
}

/** Streams a chunked body, answering 413 (and failing the upstream request) past the limit. */
async function* limitedBody(req: IncomingMessage, res: Exchange): AsyncGenerator<Buffer> {
  const max = res.plane!.maxBodyBytes;
  let total = 0;
  // destroyOnReturn false: the client socket must live to receive the 413.
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    total += (chunk as Buffer).length;
    if (total > max) {
      res.sendTooLarge();
      throw new DataPlaneError(DP_ERRORS.BODY_TOO_LARGE, `request body over ${max} bytes`);
    }
    // Held until undici asks for the next chunk: what write_timeout watches (exchange.ts onWriteTimeout).
    res.isBodyChunkHeld = true;
    yield chunk as Buffer;
    res.isBodyChunkHeld = false;
  }
}

/** Buffers the body for plugins that need it; null (after answering 413) past the limit. */
async function bufferBody(req: IncomingMessage, res: Exchange): Promise<Buffer | null> {
  const max = res.plane!.maxBodyBytes;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    total += (chunk as Buffer).length;
    if (total > max) {
      res.sendTooLarge();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

function safePhase(res: Exchange, phase: 'rewrite' | 'access'): PhaseOutcome | Promise<PhaseOutcome> {
  try {
    if (phase === 'access') return runAccess(res, res.chain, res.pctx!);
    return runPhase(res.chain.rewrite, phase, res.pctx!);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The client went away (or timed out, already answered) while its body was being buffered. */
function clientBodyFailed(res: Exchange, error: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.plane!.logger.debug({ err: error, requestId: res.requestId }, 'client body failed');
  res.destroy();
}

function pluginFailed(res: Exchange, error: unknown): void {
  res.plane!.logger.error({ err: error, requestId: res.requestId, gatewayId: res.gateway?.gatewayId }, 'plugin failed');
  if (!res.headersSent && !res.destroyed) res.sendError(500, null, false);
}
