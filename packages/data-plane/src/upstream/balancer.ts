import type { Target, Upstream } from '@gatehouse/schema';
import { xxhash32 } from './xxhash32.ts';

// One upstream entity's ring-balancer (reference §4.3): its targets as peers, the algorithm, and the
// health state of each peer (§4.4). Built at snapshot load and kept across snapshot swaps while the
// upstream and its targets are unchanged (upstream/pools.ts), so health survives unrelated changes.

export type HealthState = 'HEALTHY' | 'UNHEALTHY' | 'HEALTHCHECKS_OFF';
/** What a probe or a proxied request tells about a peer. */
export type HealthEvent = 'success' | 'http_failure' | 'tcp_failure' | 'timeout';

/** One target (`host:port`): Gatehouse balances per target and lets undici's connect resolve names. */
export class Peer {
  readonly index: number;
  readonly targetId: string;
  /** The target as configured, port filled: `host:port`. */
  readonly target: string;
  /** Host without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly createdAt: number;
  isHealthy = true;
  /** Requests in flight (least-connections, latency). */
  active = 0;
  /** Peak-EWMA of the time to response headers (latency algorithm). */
  ewmaMs = 0;
  ewmaAt = 0;
  /** Smooth weighted round-robin state (nginx's algorithm). */
  current = 0;
  successes = 0;
  httpFailures = 0;
  tcpFailures = 0;
  timeouts = 0;

  constructor(index: number, t: Target, host: string, port: number) {
    this.index = index;
    this.targetId = t.id;
    this.host = host;
    this.port = port;
    this.target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.weight = t.weight;
    this.createdAt = t.created_at;
  }
}

/** `host[:port]` (default port 8000, as Kong), `[v6]:port` or a bare IPv6 literal. */
export function parseTarget(target: string): { host: string; port: number } {
  if (target.startsWith('[')) {
    const end = target.indexOf(']');
    const host = target.slice(1, end);
    const port = target.slice(end + 1).startsWith(':') ? Number(target.slice(end + 2)) : 8000;
    return { host, port };
  }
  const colons = target.split(':').length - 1;
  if (colons === 1) {
    const i = target.indexOf(':');
    return { host: target.slice(0, i).toLowerCase(), port: Number(target.slice(i + 1)) };
  }
  return { host: colons > 1 ? target : target.toLowerCase(), port: 8000 };
}

/** Status lists as flags by status code: one array index per check. */
const statusFlags = (statuses: number[]): Uint8Array => {
  const flags = new Uint8Array(1000);
  for (const s of statuses) flags[s] = 1;
  return flags;
};

const EWMA_DECAY_MS = 10_000;
const POINTS_PER_WEIGHT_UNIT = 160;

export class Balancer {
  readonly gatewayId: string;
  readonly upstream: Upstream;
  /** JSON of the upstream and its targets: equal fingerprints share one balancer across snapshots. */
  readonly fingerprint: string;
  /** Every target, weight 0 included (reported, never picked). */
  readonly peers: Peer[];
  readonly passiveHealthy: Uint8Array;
  readonly passiveUnhealthy: Uint8Array;
  readonly isPassive: boolean;
  readonly isActive: boolean;
  readonly passiveLimits: HealthLimits;
  readonly activeLimits: HealthLimits;
  /** Consistent hashing: sorted ring point hashes and the peer index of each point. */
  readonly ringHashes: Uint32Array;
  readonly ringPeers: Int32Array;
  private readonly live: Peer[];
  private readonly totalWeight: number;
  private healthyWeight: number;
  private cursor = 0;
  /** Called when a peer changes state (logging, active-check scheduling). */
  onHealthChange: ((peer: Peer, balancer: Balancer) => void) | null = null;

  constructor(gatewayId: string, upstream: Upstream, targets: Target[], fingerprint: string) {
    this.gatewayId = gatewayId;
    this.upstream = upstream;
    this.fingerprint = fingerprint;
    // Duplicate host:port in one upstream: the latest target wins (Kong's targets DAO).
    const byAddress = new Map<string, { t: Target; host: string; port: number }>();
    for (const t of [...targets].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))) {
      const { host, port } = parseTarget(t.target);
      byAddress.set(`${host}|${port}`, { t, host, port });
    }
    this.peers = [...byAddress.values()].map((e, i) => new Peer(i, e.t, e.host, e.port));
    this.live = this.peers.filter((p) => p.weight > 0);
    this.totalWeight = this.live.reduce((sum, p) => sum + p.weight, 0);
    this.healthyWeight = this.totalWeight;
    const hc = upstream.healthchecks;
    this.passiveHealthy = statusFlags(hc.passive.healthy.http_statuses);
    this.passiveUnhealthy = statusFlags(hc.passive.unhealthy.http_statuses);
    const pu = hc.passive.unhealthy;
    this.isPassive = pu.http_failures > 0 || pu.tcp_failures > 0 || pu.timeouts > 0 || hc.passive.healthy.successes > 0;
    this.isActive = hc.active.healthy.interval > 0 || hc.active.unhealthy.interval > 0;
    this.passiveLimits = passiveLimitsOf(upstream);
    this.activeLimits = activeLimitsOf(upstream);
    [this.ringHashes, this.ringPeers] = upstream.algorithm === 'consistent-hashing' ? this.buildRing() : [new Uint32Array(0), new Int32Array(0)];
  }

  /** Ketama-like continuum: points proportional to weight (160 per target at equal weights), bounded by `slots`. */
  private buildRing(): [Uint32Array, Int32Array] {
    const live = this.live;
    if (live.length === 0) return [new Uint32Array(0), new Int32Array(0)];
    const meanWeight = this.totalWeight / live.length;
    const budget = Math.min(this.upstream.slots, POINTS_PER_WEIGHT_UNIT * live.length);
    const counts = live.map((p) => Math.max(1, Math.floor(((p.weight / meanWeight) * budget) / live.length)));
    const total = counts.reduce((a, b) => a + b, 0);
    const hashes = new Uint32Array(total);
    const owners = new Int32Array(total);
    let n = 0;
    live.forEach((p, i) => {
      for (let k = 0; k < counts[i]!; k++) {
        hashes[n] = xxhash32(`${p.target} ${k}`);
        owners[n++] = p.index;
      }
    });
    const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => hashes[a]! - hashes[b]! || owners[a]! - owners[b]!);
    return [Uint32Array.from(order, (i) => hashes[i]!), Int32Array.from(order, (i) => owners[i]!)];
  }

  /** Whether enough target weight is healthy to serve (reference §4.4 `threshold`). */
  get isUp(): boolean {
    return this.healthyWeight > 0 && (this.healthyWeight / this.totalWeight) * 100 > this.upstream.healthchecks.threshold;
  }

  /** Round-robin, least-connections or latency; null when no peer is available. `avoid` is the peer a retry left. */
  pick(avoid: Peer | null): Peer | null {
    if (!this.isUp) return null;
    switch (this.upstream.algorithm) {
      case 'least-connections':
        return this.pickLeastConnections(avoid);
      case 'latency':
        return this.pickLatency(avoid);
      default:
        return this.pickRoundRobin(avoid);
    }
  }

  // nginx's smooth weighted round-robin: exact proportions over every cycle of total weight.
  private pickRoundRobin(avoid: Peer | null): Peer | null {
    let best: Peer | null = null;
    let total = 0;
    for (const p of this.live) {
      if (!p.isHealthy || p === avoid) continue;
      p.current += p.weight;
      total += p.weight;
      if (best === null || p.current > best.current) best = p;
    }
    if (best === null) return avoid !== null && avoid.isHealthy && avoid.weight > 0 ? avoid : null;
    best.current -= total;
    return best;
  }

  // Fewest (active + 1) / weight; ties go round the list.
  private pickLeastConnections(avoid: Peer | null): Peer | null {
    const live = this.live;
    const n = live.length;
    let best: Peer | null = null;
    let bestScore = Infinity;
    for (let k = 0; k < n; k++) {
      const p = live[(this.cursor + k) % n]!;
      if (!p.isHealthy || p === avoid) continue;
      const score = (p.active + 1) / p.weight;
      if (score < bestScore) {
        best = p;
        bestScore = score;
      }
    }
    this.cursor = (this.cursor + 1) % Math.max(n, 1);
    if (best === null) return avoid !== null && avoid.isHealthy && avoid.weight > 0 ? avoid : null;
    return best;
  }

  // Peak-EWMA: the better of two candidates by ewma * (active + 1); unmeasured peers go first.
  private pickLatency(avoid: Peer | null): Peer | null {
    let a: Peer | null = null;
    let b: Peer | null = null;
    const live = this.live;
    const n = live.length;
    const start = Math.floor(Math.random() * Math.max(n, 1));
    for (let k = 0; k < n && b === null; k++) {
      const p = live[(start + k) % n]!;
      if (!p.isHealthy || p === avoid) continue;
      if (a === null) a = p;
      else b = p;
    }
    if (a === null) return avoid !== null && avoid.isHealthy && avoid.weight > 0 ? avoid : null;
    if (b === null) return a;
    const now = performance.now();
    return this.latencyScore(a, now) <= this.latencyScore(b, now) ? a : b;
  }

  private latencyScore(p: Peer, now: number): number {
    const decayed = p.ewmaMs * Math.exp(-(now - p.ewmaAt) / EWMA_DECAY_MS);
    return decayed * (p.active + 1);
  }

  /** Records the time to response headers (latency algorithm). */
  recordLatency(p: Peer, ms: number): void {
    const now = performance.now();
    const w = Math.exp(-(now - p.ewmaAt) / EWMA_DECAY_MS);
    // Peak: a slower answer is taken at once, a faster one decays in.
    p.ewmaMs = ms > p.ewmaMs ? ms : p.ewmaMs * w + ms * (1 - w);
    p.ewmaAt = now;
  }

  /** The ring point for a hash value: the first point at or after its hash, wrapping. */
  pointOf(value: string): number {
    const h = xxhash32(value);
    const hashes = this.ringHashes;
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === hashes.length ? 0 : lo;
  }

  /** From ring point `from`, the first point whose peer is available and not `avoid`; -1 when none. */
  nextPoint(from: number, avoid: Peer | null): number {
    const n = this.ringPeers.length;
    if (n === 0 || !this.isUp) return -1;
    let fallback = -1;
    for (let k = 0; k < n; k++) {
      const point = (from + k) % n;
      const p = this.peers[this.ringPeers[point]!]!;
      if (!p.isHealthy) continue;
      if (p !== avoid) return point;
      if (fallback === -1) fallback = point;
    }
    return fallback;
  }

  peerAt(point: number): Peer {
    return this.peers[this.ringPeers[point]!]!;
  }

  /**
   * Counts a health event against a peer (lua-resty-healthcheck's counters): a success resets the
   * failure counters and a failure the success counter; a counter reaching its non-zero limit flips
   * the peer's state and resets the counters.
   */
  report(p: Peer, event: HealthEvent, limits: HealthLimits): void {
    if (event === 'success') {
      p.httpFailures = p.tcpFailures = p.timeouts = 0;
      if (p.isHealthy) return;
      p.successes++;
      if (limits.successes > 0 && p.successes >= limits.successes) this.setHealth(p, true);
      return;
    }
    p.successes = 0;
    if (!p.isHealthy) return;
    let count: number;
    let limit: number;
    if (event === 'http_failure') {
      count = ++p.httpFailures;
      limit = limits.httpFailures;
    } else if (event === 'tcp_failure') {
      count = ++p.tcpFailures;
      limit = limits.tcpFailures;
    } else {
      count = ++p.timeouts;
      limit = limits.timeouts;
    }
    if (limit > 0 && count >= limit) this.setHealth(p, false);
  }

  /** Sets a peer's health (also Kong's manual `/targets/{t}/healthy|unhealthy`). */
  setHealth(p: Peer, isHealthy: boolean): void {
    p.successes = p.httpFailures = p.tcpFailures = p.timeouts = 0;
    if (p.isHealthy === isHealthy) return;
    p.isHealthy = isHealthy;
    if (p.weight > 0) this.healthyWeight += isHealthy ? p.weight : -p.weight;
    this.onHealthChange?.(p, this);
  }

  /** Takes over the health of the same targets from the balancer this one replaces. */
  inheritHealth(previous: Balancer): void {
    const byTarget = new Map(previous.peers.map((p) => [p.target, p]));
    for (const p of this.peers) {
      const old = byTarget.get(p.target);
      if (old === undefined) continue;
      p.isHealthy = old.isHealthy;
      p.successes = old.successes;
      p.httpFailures = old.httpFailures;
      p.tcpFailures = old.tcpFailures;
      p.timeouts = old.timeouts;
      if (!p.isHealthy && p.weight > 0) this.healthyWeight -= p.weight;
    }
  }

  /** Kong's `/upstreams/{id}/health` data for this upstream. */
  healthReport(): UpstreamHealth {
    const isOff = !this.isActive && !this.isPassive;
    const state = (isHealthy: boolean): HealthState => (isOff ? 'HEALTHCHECKS_OFF' : isHealthy ? 'HEALTHY' : 'UNHEALTHY');
    return {
      id: this.upstream.id,
      name: this.upstream.name,
      health: isOff ? 'HEALTHCHECKS_OFF' : this.isUp ? 'HEALTHY' : 'UNHEALTHY',
      targets: this.peers.map((p) => ({
        id: p.targetId,
        target: p.target,
        weight: p.weight,
        health: state(p.isHealthy),
        addresses: [{ ip: p.host, port: p.port, health: state(p.isHealthy), weight: p.weight }],
      })),
    };
  }
}

/** Counter limits of one check kind (active or passive); 0 disables a criterion. */
export interface HealthLimits {
  successes: number;
  httpFailures: number;
  tcpFailures: number;
  timeouts: number;
}

const passiveLimitsOf = (u: Upstream): HealthLimits => {
  const p = u.healthchecks.passive;
  return { successes: p.healthy.successes, httpFailures: p.unhealthy.http_failures, tcpFailures: p.unhealthy.tcp_failures, timeouts: p.unhealthy.timeouts };
};

const activeLimitsOf = (u: Upstream): HealthLimits => {
  const a = u.healthchecks.active;
  return { successes: a.healthy.successes, httpFailures: a.unhealthy.http_failures, tcpFailures: a.unhealthy.tcp_failures, timeouts: a.unhealthy.timeouts };
};

/** One target's health as Kong's health endpoint shows it. */
export interface TargetHealth {
  id: string;
  target: string;
  weight: number;
  health: HealthState;
  addresses: Array<{ ip: string; port: number; health: HealthState; weight: number }>;
}

/** One upstream's balancer health (`?balancer_health=1`) and its targets'. */
export interface UpstreamHealth {
  id: string;
  name: string;
  health: HealthState;
  targets: TargetHealth[];
}
