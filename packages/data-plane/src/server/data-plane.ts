import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Http2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Snapshot } from '@gatehouse/schema';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';
import { createPoolRegistry } from '../upstream/pools.ts';
import type { UpstreamHealth } from '../upstream/balancer.ts';
import { checkSnapshot, compileGateway, retireGateway, type CompiledGateway } from './gateway.ts';
import { Exchange, onExchangeClose, onUpgradeAnswered, type Plane } from './exchange.ts';
import { handleRequest } from './flow.ts';
import { answerClientError } from './client-errors.ts';
import { createTrustedIps } from './trusted-ips.ts';
import type { ErrorType } from './responses.ts';
import { createAcmeResponder } from '../tls/acme-responder.ts';
import { createHttpsServer } from '../tls/https-listener.ts';
import { Http2Exchange } from '../tls/http2-exchange.ts';
import { createSniTable } from '../tls/sni-certificates.ts';
import { createTelemetryRecorder, type TelemetryOptions } from '../telemetry/recorder.ts';
import { createPlatformLimiter, type RateLimitOptions } from '../limits/limiter.ts';
import { createUpstreamGuard, type UpstreamPolicyOptions } from '../upstream/guard.ts';
import { createStatusServer } from './status.ts';
import { createLingering, destroyLingering, type LingeringOptions } from './lingering.ts';

export interface DataPlaneOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /** HTTPS listener (certificates chosen by SNI from the snapshots' certificates and SNIs); none when absent. 0 picks a port. */
  tlsPort?: number;
  /** Platform limit on request bodies; default 10 MiB. Larger bodies get 413. */
  maxBodyBytes?: number;
  logger?: Logger;
  /** Shown in `Server` and `Via` as `gatehouse/<version>`. */
  version?: string;
  /** Body type of proxy errors (502, 504) when the client sent neither Accept nor Content-Type: Kong's `error_default_type`. */
  errorDefaultType?: ErrorType;
  /** Analytics: per-minute traffic aggregates sent in batches to `telemetry.reporter`; off when absent. */
  telemetry?: TelemetryOptions;
  /** Platform rate limit per gateway (429 past it), counted in `rateLimit.store`; off when absent (the platform's default is 100/s: limits/config.ts). */
  rateLimit?: RateLimitOptions;
  /** Upstream safety: link-local/metadata addresses and the platform's listeners are refused unless allowed (upstream/guard.ts). */
  upstreamPolicy?: UpstreamPolicyOptions;
  /** Kong's status listener: `GET /metrics` (Prometheus) on this port; none when absent. 0 picks a port. */
  statusPort?: number;
  /** Kong's `trusted_ips` (addresses and CIDRs) whose X-Forwarded-* and X-Real-IP are kept; default none. */
  trustedIps?: string[];
  /** Request line plus headers, in bytes; larger gets 400 `Request header or cookie too large`. Default 32 KiB. */
  maxHeaderBytes?: number;
  /** Kong's `client_header_timeout`: time to receive the request head, then 408. Default 60 s. */
  clientHeaderTimeoutMs?: number;
  /** Kong's `client_body_timeout`: longest silence while the body is read, then 408. Default 60 s. */
  clientBodyTimeoutMs?: number;
  /** nginx's lingering close after a 413/417 (server/lingering.ts); default 30 s in all, 5 s idle, 64 MiB discarded. */
  lingering?: Partial<LingeringOptions>;
}

export interface DataPlane {
  /** Starts the listeners; `tlsPort` is set when the HTTPS listener was asked for. */
  listen(): Promise<{ port: number; tlsPort?: number; statusPort?: number }>;
  /**
   * ACME HTTP-01: answers `GET /.well-known/acme-challenge/<token>` on the HTTP port with the key
   * authorization, for any Host, until withdrawn with null. The control plane calls it for the
   * domains it is validating (in process today; the clustering protocol carries it later).
   */
  setAcmeChallenge(token: string, keyAuthorization: string | null): void;
  /**
   * The platform's certificates for the names no gateway has one for (the wildcard of the generated
   * hostnames), replaced whole; chosen by their subjectAltName DNS names. Throws on a bad PEM.
   */
  setPlatformCertificates(certificates: readonly { cert: string; key: string }[]): void;
  /** Validates and compiles a gateway's snapshot, then swaps it in whole. Throws `ERR_DP_*` and keeps the old one on failure. */
  applySnapshot(snapshot: Snapshot): void;
  /** Stops serving a gateway's hostnames; its pools close after its in-flight requests. */
  removeGateway(gatewayId: string): void;
  /** gatewayId -> hash of the snapshot being served. */
  gatewayHashes(): Map<string, string>;
  /**
   * Health of every upstream and target of the gateways served (the data-plane side of Kong's
   * `/upstreams/{id}/health`): per gateway, per upstream its balancer health, per target its state.
   */
  healthReport(): GatewayHealth[];
  /** Sends the traffic aggregated so far to the telemetry reporter now (no-op without telemetry). */
  flushTelemetry(): Promise<void>;
  close(): Promise<void>;
}

/** One gateway's upstream health, as `healthReport()` returns it. */
export interface GatewayHealth {
  gatewayId: string;
  hash: string;
  upstreams: UpstreamHealth[];
}

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
// Kong's nginx defaults: large_client_header_buffers 4 8k (32 KiB for the whole head; node:http has
// no per-line limit, only the request target is held to 8 KiB, in flow.ts), client_header_timeout and
// client_body_timeout 60 s.
const DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
const DEFAULT_CLIENT_TIMEOUT_MS = 60_000;
const CLOSE_GRACE_MS = 5000;

/**
 * A data plane serving many gateways, each found by the request's Host.
 * @example
 * const dp = createDataPlane({ port: 0 });
 * const { port } = await dp.listen();
 * dp.applySnapshot(snapshot);
 */
export function createDataPlane(options: DataPlaneOptions): DataPlane {
  const version = options.version ?? '0.1.0';
  const guard = createUpstreamGuard(options.upstreamPolicy ?? {}, options.logger ?? null);
  const plane: Plane = {
    serverToken: `gatehouse/${version}`,
    viaToken: `1.1 gatehouse/${version}`,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    errorDefaultType: options.errorDefaultType ?? 'text/plain',
    logger: options.logger ?? pino({ enabled: false }),
    pools: createPoolRegistry(options.logger ?? null, guard),
    telemetry: options.telemetry === undefined ? null : createTelemetryRecorder({ logger: options.logger, version, ...options.telemetry }),
    limiter: options.rateLimit === undefined || !(options.rateLimit.limit > 0) ? null : createPlatformLimiter(options.rateLimit, options.logger ?? pino({ enabled: false })),
    trustedIps: createTrustedIps(options.trustedIps),
    clientBodyTimeoutMs: options.clientBodyTimeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS,
    lingering: createLingering(options.lingering),
  };
  const headersTimeout = options.clientHeaderTimeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS;
  const serverOptions = {
    ServerResponse: Exchange,
    maxHeaderSize: options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
    headersTimeout,
    // No limit on the whole request (Kong has none); a silent body is client_body_timeout's.
    requestTimeout: 0,
    // How often node:http looks for expired heads: often enough to honour the timeout closely.
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(headersTimeout / 4))),
    // A missing Host is answered by flow.ts with Kong's error body.
    requireHostHeader: false,
  };
  const byHost = new Map<string, CompiledGateway>();
  const byId = new Map<string, CompiledGateway>();

  const acme = createAcmeResponder();
  const sniTable = createSniTable();
  const onRequest = (req: IncomingMessage, res: Exchange): void => {
    res.plane = plane;
    res.on('close', onExchangeClose);
    handleRequest(req, res, byHost);
  };
  const server: Server<typeof IncomingMessage, typeof Exchange> = createServer<typeof IncomingMessage, typeof Exchange>(serverOptions, (req, res) => {
    // One size check per request while no domain is being validated.
    if (acme.size > 0 && acme.answer(req, res)) return;
    onRequest(req, res);
  });
  // HTTP/2 and HTTP/1.1 by ALPN: an HTTP/2 stream's response is an Http2Exchange (Exchange's methods).
  const tlsServer = options.tlsPort === undefined ? null : createHttpsServer(sniTable, Exchange, Http2Exchange, { maxHeaderBytes: serverOptions.maxHeaderSize }, onRequest as (req: IncomingMessage, res: unknown) => void);
  const sessions = new Set<Http2Session>();
  if (tlsServer !== null) {
    // The same limits as plain HTTP; node:http reads them from the server when an HTTP/1.1 connection starts.
    Object.assign(tlsServer, serverOptions);
    tlsServer.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(plane, error, socket));
    tlsServer.on('session', (session: Http2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
    });
  }
  // Expect: 100-continue: refuse an announced oversized body before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: Exchange) => {
    const length = req.headers['content-length'];
    if (length === undefined || Number(length) <= plane.maxBodyBytes) res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(plane, error, socket));
  // Upgrade requests (WebSocket) take the same flow; the socket is theirs once the upstream switches.
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const res = new Exchange(req);
    res.upgradeHead = head;
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', onUpgradeAnswered);
    onRequest(req, res);
  };
  server.on('upgrade', onUpgrade);
  tlsServer?.on('upgrade', onUpgrade);

  let listening: Promise<{ port: number; tlsPort?: number }> | null = null;
  const status = options.statusPort === undefined ? null : createStatusServer(version, () => [...byId.values()].map((gw) => ({ gatewayId: gw.gatewayId, upstreams: gw.balancers.map((b) => b.healthReport()) })));
  status?.watch(server);
  if (tlsServer !== null) status?.watch(tlsServer);
  const listenTls = (): Promise<number | undefined> =>
    tlsServer === null
      ? Promise.resolve(undefined)
      : new Promise((resolve, reject) => {
          tlsServer.once('error', reject);
          tlsServer.listen(options.tlsPort, options.host ?? '127.0.0.1', () => {
            tlsServer.off('error', reject);
            const tlsPort = (tlsServer.address() as AddressInfo).port;
            guard.addPlatformPort(tlsPort);
            resolve(tlsPort);
          });
        });

  return {
    listen() {
      listening ??= new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host ?? '127.0.0.1', () => {
          server.off('error', reject);
          const port = (server.address() as AddressInfo).port;
          guard.addPlatformPort(port);
          listenTls().then((tlsPort) => resolve(tlsPort === undefined ? { port } : { port, tlsPort }), reject);
        });
      });
      if (status === null) return listening;
      return listening.then((bound) => status.listen(options.statusPort!, options.host ?? '127.0.0.1').then((statusPort) => ({ ...bound, statusPort })));
    },

    applySnapshot(snapshot) {
      checkSnapshot(snapshot);
      for (const hostname of snapshot.hostnames) {
        const owner = byHost.get(hostname.toLowerCase());
        if (owner !== undefined && owner.gatewayId !== snapshot.gatewayId) {
          throw new DataPlaneError(DP_ERRORS.HOSTNAME_TAKEN, `hostname ${hostname} is served by gateway ${owner.gatewayId}`);
        }
      }
      // Certificates first: a bad PEM refuses the snapshot before pools are taken.
      sniTable.apply(snapshot);
      const next = compileGateway(snapshot, plane.pools);
      const previous = byId.get(next.gatewayId);
      byId.set(next.gatewayId, next);
      for (const hostname of next.hostnames) byHost.set(hostname, next);
      if (previous !== undefined) {
        for (const hostname of previous.hostnames) if (byHost.get(hostname) === previous) byHost.delete(hostname);
        retireGateway(previous, plane.pools);
      }
      plane.logger.info({ gatewayId: next.gatewayId, hash: next.hash, routes: next.router.size }, 'snapshot applied');
    },

    removeGateway(gatewayId) {
      const gw = byId.get(gatewayId);
      if (gw === undefined) return;
      byId.delete(gatewayId);
      sniTable.remove(gatewayId);
      for (const hostname of gw.hostnames) if (byHost.get(hostname) === gw) byHost.delete(hostname);
      retireGateway(gw, plane.pools);
      plane.limiter?.forget(gatewayId);
      plane.logger.info({ gatewayId }, 'gateway removed');
    },

    setAcmeChallenge(token, keyAuthorization) {
      acme.set(token, keyAuthorization);
    },

    setPlatformCertificates(certificates) {
      sniTable.setPlatform(certificates);
    },

    gatewayHashes() {
      const out = new Map<string, string>();
      for (const [id, gw] of byId) out.set(id, gw.hash);
      return out;
    },

    healthReport() {
      return [...byId.values()].map((gw) => ({ gatewayId: gw.gatewayId, hash: gw.hash, upstreams: gw.balancers.map((b) => b.healthReport()) }));
    },

    async flushTelemetry() {
      await plane.telemetry?.flush();
    },

    async close() {
      // Stop accepting on every listener at once, let requests in flight finish on their gateways,
      // and only then retire the gateways: a connection accepted while a listener is still closing
      // must never find its gateway gone (a rolling restart would answer 404).
      const closing: Promise<void>[] = [];
      const cuts: NodeJS.Timeout[] = [];
      if (tlsServer?.listening) {
        closing.push(new Promise<void>((resolve) => tlsServer.close(() => resolve())));
        const h1 = tlsServer as unknown as { closeIdleConnections?(): void; closeAllConnections?(): void };
        h1.closeIdleConnections?.();
        // HTTP/2 sessions: GOAWAY, their open streams finish within the grace period.
        for (const session of sessions) session.close();
        cuts.push(setTimeout(() => {
          h1.closeAllConnections?.();
          for (const session of sessions) session.destroy();
        }, CLOSE_GRACE_MS));
      }
      if (server.listening) {
        closing.push(new Promise<void>((resolve) => server.close(() => resolve())));
        server.closeIdleConnections();
        // In-flight requests get a grace period; then their connections are cut.
        cuts.push(setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS));
      }
      for (const cut of cuts) cut.unref();
      // Connections lingering after a 413 have nothing more to say: they must not hold the close.
      destroyLingering(plane.lingering);
      await Promise.all(closing);
      for (const cut of cuts) clearTimeout(cut);
      for (const gw of byId.values()) retireGateway(gw, plane.pools);
      byId.clear();
      byHost.clear();
      await plane.pools.closeAll();
      await plane.limiter?.close();
      await status?.close();
      // After the listener: requests finished during the grace period are still reported.
      await plane.telemetry?.close();
    },
  };
}
