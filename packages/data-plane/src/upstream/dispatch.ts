import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Dispatcher, Pool } from 'undici';
import type { PluginContext } from '@gatehouse/plugins';
import type { Service, Snapshot, Upstream } from '@gatehouse/schema';
import { normalizePath } from '../router/index.ts';
import type { Exchange } from '../server/exchange.ts';
import type { Balancer, Peer } from './balancer.ts';
import type { PoolRegistry, UpstreamTls } from './pools.ts';

// Sending a request upstream (reference §4.1): straight to the service's host:port, or through the
// ring-balancer of the upstream entity the service's host names, with a pool per target. Failed
// tries move to the next target (Kong: tries = 1 + service.retries, on connection errors and
// timeouts only, never on a status) and feed passive health checks.

export const NO_PEER = 'failure to get a peer from the ring-balancer';

type HashKind = Upstream['hash_on'];

interface HashSpec {
  kind: HashKind;
  /** Header (lower-case), cookie, query argument or capture name. */
  name: string;
}

/** A service balanced through an upstream entity, compiled with the snapshot. */
export interface BalancedService {
  balancer: Balancer;
  /** Pool per peer index, with the service's connection settings. */
  pools: Pool[];
  /** Host header per peer when preserve_host is off: upstream host_header or the target's host, plus the port unless the scheme's default. */
  hostHeaders: string[];
  hashOn: HashSpec;
  hashFallback: HashSpec;
  cookiePath: string;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443 };

/** TLS material for a service: its CA certificates (when verifying) and client certificate, from the snapshot. */
export function serviceTls(service: Service, s: Snapshot, upstream: Upstream | null = null): UpstreamTls | null {
  const certRef = service.client_certificate ?? upstream?.client_certificate ?? null;
  const cert = certRef === null ? undefined : s.certificates.find((c) => c.id === certRef.id);
  const caIds = service.tls_verify === true ? (service.ca_certificates ?? []) : [];
  const ca = caIds.map((id) => s.caCertificates.find((c) => c.id === id)?.cert).filter((pem): pem is string => pem !== undefined);
  if (cert === undefined && ca.length === 0) return null;
  return { id: `${cert?.id ?? ''}/${caIds.join(',')}`, ca: ca.length > 0 ? ca : null, cert: cert?.cert ?? null, key: cert?.key ?? null };
}

/** Binds a service to its upstream's balancer: a pool and a Host header per target. Pool keys go to `keys`. */
export function bindBalancer(service: Service, balancer: Balancer, s: Snapshot, pools: PoolRegistry, keys: string[]): BalancedService {
  const u = balancer.upstream;
  const tls = service.protocol === 'https' || service.protocol === 'grpcs' ? serviceTls(service, s, u) : null;
  const defaultPort = DEFAULT_PORTS[service.protocol];
  const peerPools: Pool[] = [];
  const hostHeaders: string[] = [];
  for (const peer of balancer.peers) {
    const hostName = u.host_header ?? peer.host;
    const shown = hostName.includes(':') && !hostName.startsWith('[') ? `[${hostName}]` : hostName;
    hostHeaders.push(peer.port === defaultPort ? shown : `${shown}:${peer.port}`);
    const { key, pool } = pools.acquireOrigin({
      protocol: service.protocol,
      host: peer.host,
      port: peer.port,
      connectTimeoutMs: service.connect_timeout,
      isVerified: service.tls_verify === true,
      servername: tls && isIP(hostName) === 0 ? hostName : undefined,
      tls,
    });
    keys.push(key);
    peerPools.push(pool);
  }
  const spec = (kind: HashKind, header: string | null, query: string | null, capture: string | null): HashSpec => ({
    kind,
    name: kind === 'header' ? (header ?? '').toLowerCase() : kind === 'cookie' ? (u.hash_on_cookie ?? '') : kind === 'query_arg' ? (query ?? '') : kind === 'uri_capture' ? (capture ?? '') : '',
  });
  return {
    balancer,
    pools: peerPools,
    hostHeaders,
    hashOn: spec(u.hash_on, u.hash_on_header, u.hash_on_query_arg, u.hash_on_uri_capture),
    hashFallback: spec(u.hash_fallback, u.hash_fallback_header, u.hash_fallback_query_arg, u.hash_fallback_uri_capture),
    cookiePath: u.hash_on_cookie_path,
  };
}

/**
 * Sends the request upstream: to the service's pool, or to a peer of its balancer (503
 * `failure to get a peer from the ring-balancer` when none is available). `isPeerHost`: Host is
 * the peer's (preserve_host off and no plugin replaced it).
 */
export function dispatchUpstream(res: Exchange, request: Dispatcher.DispatchOptions, isPeerHost: boolean): void {
  const upstream = res.target!.upstream!;
  res.upstreamRequest = request;
  res.isPeerHost = isPeerHost;
  const b = upstream.balanced;
  if (b === null) {
    res.tries = 1;
    upstream.pool!.dispatch(request, res);
    return;
  }
  let peer: Peer | null;
  const balancer = b.balancer;
  if (balancer.upstream.algorithm === 'consistent-hashing') {
    const point = balancer.nextPoint(balancer.pointOf(hashValue(res.pctx!, b)), null);
    res.hashPoint = point;
    peer = point === -1 ? null : balancer.peerAt(point);
  } else {
    peer = balancer.pick(null);
  }
  if (peer === null) return res.sendError(503, NO_PEER, false);
  sendToPeer(res, b, peer);
}

function sendToPeer(res: Exchange, b: BalancedService, peer: Peer): void {
  const request = res.upstreamRequest!;
  res.peer = peer;
  peer.active++;
  res.tries++;
  if (res.isPeerHost) (request.headers as Record<string, string>).host = b.hostHeaders[peer.index]!;
  b.pools[peer.index]!.dispatch(request, res);
}

/** Response headers arrived from the peer: latency sample and passive health. */
export function peerResponded(res: Exchange, status: number): void {
  const peer = res.peer!;
  const balancer = res.target!.upstream!.balanced!.balancer;
  if (balancer.upstream.algorithm === 'latency') balancer.recordLatency(peer, res.upstreamLatencyMs);
  if (!balancer.isPassive || status >= 1000) return;
  if (balancer.passiveUnhealthy[status] === 1) balancer.report(peer, 'http_failure', balancer.passiveLimits);
  else if (balancer.passiveHealthy[status] === 1) balancer.report(peer, 'success', balancer.passiveLimits);
}

/** The try is over (answered, failed or aborted): one connection fewer on the peer. */
export function releasePeer(res: Exchange): void {
  const peer = res.peer;
  if (peer === null) return;
  peer.active--;
  res.peer = null;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
/** Failures before anything was sent: any request may be tried again. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** Failures after the request may have been sent: nginx's `proxy_next_upstream error timeout`, idempotent methods only. */
const SENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT']);
const NON_IDEMPOTENT = new Set(['POST', 'PATCH', 'LOCK']);

/**
 * An upstream try failed: counts it against the peer (passive checks), then sends the request
 * again, to the next peer when balanced, while tries remain and the request can be replayed.
 * Returns false when the failure is final (the caller answers 502/504).
 */
export function retryUpstream(res: Exchange, error: Error): boolean {
  const request = res.upstreamRequest;
  const upstream = res.target?.upstream;
  if (request === null || upstream === undefined || upstream === null) return false;
  const code = (error as { code?: string }).code ?? '';
  const failed = res.peer;
  const b = upstream.balanced;
  if (failed !== null && b !== null) {
    releasePeer(res);
    if (b.balancer.isPassive) b.balancer.report(failed, TIMEOUT_CODES.has(code) ? 'timeout' : 'tcp_failure', b.balancer.passiveLimits);
  }
  if (res.tries > upstream.service.retries) return false;
  if (res.headersSent || res.destroyed || res.isBodyTooLarge || res.upstreamLatencyMs >= 0) return false;
  const body = request.body;
  const isReplayable = body === null || body === undefined || Buffer.isBuffer(body) || typeof body === 'string';
  if (CONNECT_CODES.has(code)) {
    // A streamed body undici has not started reading can still be sent.
    if (!isReplayable && res.req.readableDidRead) return false;
  } else if (!SENT_CODES.has(code) || !isReplayable || NON_IDEMPOTENT.has(request.method)) {
    return false;
  }
  res.plane!.logger.info({ requestId: res.requestId, code, tries: res.tries, target: failed?.target }, 'retrying upstream request');
  if (b === null) {
    res.tries++;
    upstream.pool!.dispatch(request, res);
    return true;
  }
  const balancer = b.balancer;
  let next: Peer | null;
  if (balancer.upstream.algorithm === 'consistent-hashing') {
    // Kong walks the continuum to the next point.
    const point = balancer.nextPoint(res.hashPoint + 1, failed);
    res.hashPoint = point;
    next = point === -1 ? null : balancer.peerAt(point);
  } else {
    next = balancer.pick(failed);
  }
  if (next === null) return false;
  sendToPeer(res, b, next);
  return true;
}

/** Kong's `get_value_to_hash`: the primary value, else the fallback's, else ''. */
function hashValue(ctx: PluginContext, b: BalancedService): string {
  return valueOf(ctx, b, b.hashOn) ?? valueOf(ctx, b, b.hashFallback) ?? '';
}

function valueOf(ctx: PluginContext, b: BalancedService, spec: HashSpec): string | null {
  let value: string | string[] | null | undefined;
  switch (spec.kind) {
    case 'none':
      return null;
    case 'consumer':
      value = ctx.consumer?.id ?? ctx.credential?.id;
      break;
    case 'ip':
      value = ctx.clientIp;
      break;
    case 'header':
      value = ctx.headers[spec.name];
      if (Array.isArray(value)) value = value.join(',');
      break;
    case 'cookie':
      value = cookieValue(ctx.headers['cookie'], spec.name);
      if (value === null) {
        // Kong: a missing cookie is created, and the client keeps it for its next requests.
        value = randomUUID();
        ctx.setResponseHeader('set-cookie', `${spec.name}=${value}; Path=${b.cookiePath}; Same-Site=Lax; HttpOnly`);
      }
      break;
    case 'path':
      value = normalizePath(ctx.rawPath);
      break;
    case 'query_arg':
      value = queryValue(ctx.query, spec.name);
      break;
    case 'uri_capture':
      value = ctx.uriCaptures?.[spec.name];
      break;
    default:
      value = null;
  }
  return typeof value === 'string' && value !== '' ? value : null;
}

function cookieValue(header: string | string[] | undefined, name: string): string | null {
  if (header === undefined) return null;
  const text = Array.isArray(header) ? header.join('; ') : header;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** A query argument's value; repeated arguments sorted and joined with ',' (Kong). */
function queryValue(query: string | null, name: string): string | null {
  if (query === null) return null;
  const values: string[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    if (key === name) values.push(eq === -1 ? '' : decodeComponent(pair.slice(eq + 1)));
  }
  if (values.length === 0) return null;
  return values.length === 1 ? values[0]! : values.sort().join(',');
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
