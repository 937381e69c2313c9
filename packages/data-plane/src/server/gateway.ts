import type { Pool } from 'undici';
import { SNAPSHOT_FORMAT_VERSION, type Route, type Service, type Snapshot } from '@gatehouse/schema';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';
import { createRouter, type Router } from '../router/index.ts';
import { buildChain, compileInstances, type Chain } from '../pipeline/chain.ts';
import { buildConsumerIndex } from '@gatehouse/plugins/consumers.ts';
import type { PoolRegistry } from '../upstream/pools.ts';
import type { Balancer } from '../upstream/balancer.ts';
import { bindBalancer, serviceTls, type BalancedService } from '../upstream/dispatch.ts';

// A gateway's snapshot compiled for serving: router, per-route chains, upstream pools. Immutable
// once built; the data plane swaps a whole CompiledGateway and retires the old one after its
// in-flight requests.

export interface UpstreamTarget {
  service: Service;
  /** The service's host:port pool; null when balanced through an upstream entity. */
  pool: Pool | null;
  /** Set when service.host names an upstream entity (reference §4.1): its balancer, a pool per target. */
  balanced: BalancedService | null;
  /** service.path or '/'. */
  base: string;
  /** Host header when preserve_host is off: host, plus the port unless it is the scheme default. */
  hostHeader: string;
  /** A grpc or grpcs service: HTTP/2 upstream, response trailers forwarded. */
  isGrpc: boolean;
}

export interface RouteTarget {
  route: Route;
  /** null for a service-less route (503 after access, as in Kong). */
  upstream: UpstreamTarget | null;
  chain: Chain;
  isHttpsOnly: boolean;
  /** Protocols grpc/grpcs: gRPC over HTTP/2 only (415 and 426 otherwise, reference §3.4). */
  isGrpc: boolean;
  /**
   * request_buffering (nginx proxy_request_buffering): the whole body is read before the upstream is
   * asked, then sent with Content-Length. Never on grpc routes (grpc_pass streams, as Kong's).
   */
  isRequestBuffered: boolean;
}

export interface CompiledGateway {
  gatewayId: string;
  hash: string;
  hostnames: string[];
  router: Router<RouteTarget>;
  /** Global plugins: the rewrite phase, and the log phase of requests that matched no route. */
  globalChain: Chain;
  poolKeys: string[];
  /** The ring-balancers of the snapshot's upstreams (their health is `healthReport()`'s). */
  balancers: Balancer[];
  inflight: number;
  isRetired: boolean;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443 };
const PROXIED = new Set(['http', 'https', 'grpc', 'grpcs']);

/** Checks the snapshot's envelope; entity shapes are the control plane's (validated on write). */
export function checkSnapshot(s: Snapshot): void {
  if (s === null || typeof s !== 'object') throw new DataPlaneError(DP_ERRORS.SNAPSHOT_INVALID, 'snapshot must be an object');
  if (s.formatVersion !== SNAPSHOT_FORMAT_VERSION) throw new DataPlaneError(DP_ERRORS.SNAPSHOT_FORMAT, `snapshot formatVersion ${String(s.formatVersion)} is not supported (expected ${SNAPSHOT_FORMAT_VERSION})`);
  if (typeof s.gatewayId !== 'string' || s.gatewayId === '') throw new DataPlaneError(DP_ERRORS.SNAPSHOT_INVALID, 'snapshot gatewayId must be a non-empty string');
  if (typeof s.hash !== 'string') throw new DataPlaneError(DP_ERRORS.SNAPSHOT_INVALID, 'snapshot hash must be a string');
  for (const key of ['hostnames', 'services', 'routes', 'plugins'] as const) {
    if (!Array.isArray(s[key])) throw new DataPlaneError(DP_ERRORS.SNAPSHOT_INVALID, `snapshot ${key} must be an array`);
  }
}

/** Compiles a checked snapshot; acquires pools from `pools` (released by `retireGateway`). */
export function compileGateway(s: Snapshot, pools: PoolRegistry): CompiledGateway {
  const consumers = buildConsumerIndex(s);
  const instances = compileInstances(s.plugins, s.gatewayId, consumers);
  const services = new Map<string, Service>();
  for (const service of s.services) services.set(service.id, service);

  const poolKeys: string[] = [];
  const upstreams = new Map<string, UpstreamTarget>();
  const balancers = new Map<string, Balancer>();
  try {
    for (const u of s.upstreams ?? []) {
      const { key, balancer } = pools.acquireBalancer(s.gatewayId, u, (s.targets ?? []).filter((t) => t.upstream.id === u.id));
      poolKeys.push(key);
      balancers.set(u.name.toLowerCase(), balancer);
    }
    const targets: Array<{ route: Route; payload: RouteTarget }> = [];
    for (const route of s.routes) {
      if (!route.protocols.some((p) => PROXIED.has(p))) continue;
      const service = route.service === null ? null : (services.get(route.service.id) ?? null);
      // Kong leaves routes of disabled services out of the router.
      if (service !== null && !service.enabled) continue;
      if (service !== null && !PROXIED.has(service.protocol)) continue;
      let upstream: UpstreamTarget | null = null;
      if (service !== null) {
        upstream = upstreams.get(service.id) ?? null;
        const balancer = upstream === null ? balancers.get(service.host.toLowerCase()) : undefined;
        if (balancer !== undefined) {
          upstream = { service, pool: null, balanced: bindBalancer(service, balancer, s, pools, poolKeys), base: service.path ?? '/', hostHeader: '', isGrpc: isGrpcProtocol(service.protocol) };
          upstreams.set(service.id, upstream);
        }
        if (upstream === null) {
          const isTls = service.protocol === 'https' || service.protocol === 'grpcs';
          const { key, pool } = pools.acquire(service, isTls ? serviceTls(service, s) : null);
          poolKeys.push(key);
          const hostHeader = service.port === DEFAULT_PORTS[service.protocol] ? service.host : `${service.host}:${service.port}`;
          upstream = { service, pool, balanced: null, base: service.path ?? '/', hostHeader, isGrpc: isGrpcProtocol(service.protocol) };
          upstreams.set(service.id, upstream);
        }
      }
      const isHttpsOnly = route.protocols.includes('https') && !route.protocols.includes('http');
      const isGrpc = route.protocols.includes('grpc') || route.protocols.includes('grpcs');
      const isRequestBuffered = route.request_buffering !== false && !isGrpc;
      targets.push({ route, payload: { route, upstream, chain: buildChain(instances, route, consumers), isHttpsOnly, isGrpc, isRequestBuffered } });
    }
    return {
      gatewayId: s.gatewayId,
      hash: s.hash,
      hostnames: s.hostnames.map((h) => h.toLowerCase()),
      router: createRouter(targets),
      globalChain: buildChain(instances, null),
      poolKeys,
      balancers: [...balancers.values()],
      inflight: 0,
      isRetired: false,
    };
  } catch (error) {
    for (const key of poolKeys) pools.release(key);
    throw error;
  }
}

const isGrpcProtocol = (protocol: string): boolean => protocol === 'grpc' || protocol === 'grpcs';

/** Marks a gateway retired; its pools are released now or when its last request finishes. */
export function retireGateway(gw: CompiledGateway, pools: PoolRegistry): void {
  gw.isRetired = true;
  if (gw.inflight === 0) releaseGateway(gw, pools);
}

export function releaseGateway(gw: CompiledGateway, pools: PoolRegistry): void {
  const keys = gw.poolKeys;
  gw.poolKeys = [];
  for (const key of keys) pools.release(key);
}
