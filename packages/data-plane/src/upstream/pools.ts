import { Pool } from 'undici';
import type { Logger } from 'pino';
import type { Service, Target, Upstream } from '@gatehouse/schema';
import { Balancer, type UpstreamHealth } from './balancer.ts';
import { startHealthChecker, type HealthChecker } from './health-checker.ts';
import type { UpstreamGuard } from './guard.ts';

// Upstream resources shared by every snapshot that uses them and reference-counted, so a snapshot
// swap keeps warm keep-alive connections and the health of unchanged upstreams:
// - undici Pools, one per origin and connection settings (timeout, TLS verification and material);
// - ring-balancers, one per gateway, upstream and fingerprint (the upstream and its targets), with
//   their active health checker. A changed upstream gets a new balancer that takes over the health
//   of its unchanged targets; the old one stops checking once the last snapshot using it retires.

interface Entry {
  pool: Pool;
  refs: number;
}

interface BalancerEntry {
  balancer: Balancer;
  checker: HealthChecker | null;
  refs: number;
}

/** TLS material for connections to an upstream (service or upstream `client_certificate`, `ca_certificates`). */
export interface UpstreamTls {
  /** Key part: certificate and CA ids. */
  id: string;
  /** PEM CA certificates replacing the system ones when verifying; null for the system store. */
  ca: string[] | null;
  cert: string | null;
  key: string | null;
}

/** One origin and its connection settings. */
export interface OriginSpec {
  protocol: string;
  host: string;
  port: number;
  connectTimeoutMs: number;
  isVerified: boolean;
  /** TLS SNI; undefined for IP literals and plain HTTP. */
  servername: string | undefined;
  tls: UpstreamTls | null;
}

export interface PoolRegistry {
  /** The pool for a service's origin; every acquire needs a matching release. */
  acquire(service: Service, tls?: UpstreamTls | null): { key: string; pool: Pool };
  /** The pool for an origin with explicit settings (a target of a balanced service). */
  acquireOrigin(spec: OriginSpec): { key: string; pool: Pool };
  /**
   * The balancer of a gateway's upstream: the running one when the upstream and its targets are
   * unchanged, else a new one (taking over the health of unchanged targets) with its active checks.
   */
  acquireBalancer(gatewayId: string, upstream: Upstream, targets: Target[]): { key: string; balancer: Balancer };
  /** Releases a pool or a balancer key. */
  release(key: string): void;
  closeAll(): Promise<void>;
  /** Pools open. */
  readonly size: number;
  /** Balancers running. */
  readonly balancerCount: number;
}

/** Concurrent streams per HTTP/2 connection to a gRPC service (undici's H2CClient default). */
const H2_STREAMS = 100;

/** Brackets IPv6 literals for a URL origin. */
const originHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
const isIpLiteral = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(':');

/** `guard`: the platform's upstream policy, checked on every connection's resolved address; none when null. */
export function createPoolRegistry(logger: Logger | null = null, guard: UpstreamGuard | null = null): PoolRegistry {
  const pools = new Map<string, Entry>();
  const balancers = new Map<string, BalancerEntry>();
  /** gatewayId|upstreamId -> the newest balancer, whose health a replacement takes over. */
  const newest = new Map<string, Balancer>();

  const acquireOrigin = (spec: OriginSpec): { key: string; pool: Pool } => {
    // gRPC services speak HTTP/2: h2c with prior knowledge (grpc), h2 by ALPN over TLS (grpcs).
    const isH2 = spec.protocol === 'grpc' || spec.protocol === 'grpcs';
    const scheme = spec.protocol === 'grpc' ? 'http' : spec.protocol === 'grpcs' ? 'https' : spec.protocol;
    const origin = `${scheme}://${originHost(spec.host)}:${spec.port}`;
    const key = `${isH2 ? 'h2|' : ''}${origin}|${spec.connectTimeoutMs}|${spec.isVerified}|${spec.servername ?? ''}|${spec.tls?.id ?? ''}`;
    let entry = pools.get(key);
    if (entry === undefined) {
      const tls = spec.tls;
      const connect = {
        timeout: spec.connectTimeoutMs,
        // nginx's proxy_ssl_verify is off unless the service sets tls_verify.
        rejectUnauthorized: spec.isVerified,
        servername: spec.servername,
        ...(tls?.ca ? { ca: tls.ca } : {}),
        ...(tls?.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
        // Kong speaks HTTP/1.1 to http(s) services (proxy_http_version 1.1), HTTP/2 to grpc(s) ones.
        allowH2: isH2,
        ...(isH2 ? { useH2c: scheme === 'http', preferH2: true } : {}),
      };
      const pool = new Pool(origin, {
        allowH2: isH2,
        ...(isH2 ? { useH2c: scheme === 'http', pipelining: H2_STREAMS } : {}),
        connect: guard === null ? connect : guard.connector(spec.port, connect),
        keepAliveTimeout: 60_000,
      });
      entry = { pool, refs: 0 };
      pools.set(key, entry);
    }
    entry.refs++;
    return { key, pool: entry.pool };
  };

  const stopBalancer = (key: string, entry: BalancerEntry): void => {
    balancers.delete(key);
    entry.checker?.stop();
    entry.balancer.onHealthChange = null;
    const slot = `${entry.balancer.gatewayId}|${entry.balancer.upstream.id}`;
    if (newest.get(slot) === entry.balancer) newest.delete(slot);
  };

  return {
    get size() {
      return pools.size;
    },
    get balancerCount() {
      return balancers.size;
    },
    acquire(service, tls = null) {
      return acquireOrigin({
        protocol: service.protocol,
        host: service.host,
        port: service.port,
        connectTimeoutMs: service.connect_timeout,
        isVerified: service.tls_verify === true,
        servername: (service.protocol === 'https' || service.protocol === 'grpcs') && !isIpLiteral(service.host) ? service.host : undefined,
        tls,
      });
    },
    acquireOrigin,
    acquireBalancer(gatewayId, upstream, targets) {
      const fingerprint = JSON.stringify([upstream, targets]);
      const key = `balancer|${gatewayId}|${upstream.id}|${fingerprint}`;
      let entry = balancers.get(key);
      if (entry === undefined) {
        const balancer = new Balancer(gatewayId, upstream, targets, fingerprint);
        const slot = `${gatewayId}|${upstream.id}`;
        const previous = newest.get(slot);
        if (previous !== undefined) balancer.inheritHealth(previous);
        newest.set(slot, balancer);
        balancer.onHealthChange = (peer, b) => logger?.warn({ gatewayId: b.gatewayId, upstream: b.upstream.name, target: peer.target, healthy: peer.isHealthy }, 'target health changed');
        entry = { balancer, checker: balancer.isActive ? startHealthChecker(balancer, logger) : null, refs: 0 };
        balancers.set(key, entry);
      }
      entry.refs++;
      return { key, balancer: entry.balancer };
    },
    release(key) {
      const b = balancers.get(key);
      if (b !== undefined) {
        if (--b.refs <= 0) stopBalancer(key, b);
        return;
      }
      const entry = pools.get(key);
      if (entry === undefined) return;
      if (--entry.refs > 0) return;
      pools.delete(key);
      entry.pool.close().catch(() => entry.pool.destroy());
    },
    async closeAll() {
      for (const [key, b] of [...balancers]) stopBalancer(key, b);
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((e) => e.pool.close().catch(() => e.pool.destroy())));
    },
  };
}

export type { UpstreamHealth };
