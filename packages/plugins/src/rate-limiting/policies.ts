import { Redis } from 'ioredis';
import type { CompileEnv, PluginContext } from '../kit.ts';
import type { Period, RedisConfig } from './schema.ts';

// Counters of the rate-limiting plugins (kong/plugins/rate-limiting/policies/init.lua): fixed
// windows aligned on UTC calendar boundaries; `local` counts in this process, `redis` in a shared
// Redis. Local counters outlive snapshot swaps, as Kong's shared dict outlives a config reload.

/** Kong's EXPIRATION: how long a window's counter lives, in seconds. */
export const WINDOW_SECONDS: Readonly<Record<Period, number>> = { second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000 };

const FIXED_MS: Partial<Record<Period, number>> = { second: 1000, minute: 60000, hour: 3600000, day: 86400000 };

/**
 * Start (epoch ms) of the UTC window of `period` holding `now`.
 * @example windowStart('month', Date.UTC(2024, 1, 10, 5)) === Date.UTC(2024, 1, 1)
 */
export function windowStart(period: Period, now: number): number {
  const size = FIXED_MS[period];
  if (size !== undefined) return now - (now % size);
  const d = new Date(now);
  return period === 'month' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) : Date.UTC(d.getUTCFullYear(), 0, 1);
}

/** Seconds until the window of `period` that started at `start` ends, at least 1 (RateLimit-Reset). */
export function secondsLeft(period: Period, start: number, now: number): number {
  const size = FIXED_MS[period];
  let end: number;
  if (size !== undefined) end = start + size;
  else {
    const d = new Date(start);
    end = period === 'month' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) : Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  }
  return Math.max(1, Math.ceil((end - now) / 1000));
}

/** A counter store. `get` is synchronous for the local store, so a local chain costs no promise. */
export interface Counters {
  get(keys: string[]): number[] | Promise<number[]>;
  /** Adds `by` to every key; each expires `ttls[i]` seconds after its first increment. */
  increment(keys: string[], ttls: number[], by: number): void | Promise<void>;
}

interface Slot {
  count: number;
  expiresAt: number;
}

const local = new Map<string, Slot>();
let sweeper: NodeJS.Timeout | null = null;

function sweep(): void {
  const now = Date.now();
  for (const [key, slot] of local) if (slot.expiresAt <= now) local.delete(key);
  if (local.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

export const localCounters: Counters = {
  get(keys) {
    const now = Date.now();
    const out = new Array<number>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const slot = local.get(keys[i]);
      out[i] = slot === undefined || slot.expiresAt <= now ? 0 : slot.count;
    }
    return out;
  },
  increment(keys, ttls, by) {
    const now = Date.now();
    for (let i = 0; i < keys.length; i++) {
      const slot = local.get(keys[i]);
      if (slot === undefined || slot.expiresAt <= now) local.set(keys[i], { count: by, expiresAt: now + ttls[i] * 1000 });
      else slot.count += by;
    }
    if (sweeper === null) {
      sweeper = setInterval(sweep, 10_000);
      sweeper.unref();
    }
  },
};

const clients = new Map<string, Redis>();

function redisClient(config: RedisConfig): Redis {
  const id = `${config.host}:${config.port}/${config.database}/${config.username ?? ''}/${config.ssl}`;
  let client = clients.get(id);
  if (client === undefined) {
    client = new Redis({
      host: config.host ?? '127.0.0.1',
      port: config.port,
      db: config.database,
      username: config.username ?? undefined,
      password: config.password ?? undefined,
      connectTimeout: config.timeout,
      commandTimeout: config.timeout,
      // Fail fast so fault_tolerant can decide, instead of queueing while Redis is away.
      maxRetriesPerRequest: 1,
      tls: config.ssl ? { rejectUnauthorized: config.ssl_verify, servername: config.server_name ?? undefined } : undefined,
    });
    // Failures reach the plugin through the commands; the connection's own errors are expected noise.
    client.on('error', () => {});
    clients.set(id, client);
  }
  return client;
}

/** Counters in Redis (INCRBY + EXPIRE per key, as Kong's redis policy), one client per server. */
export function redisCounters(config: RedisConfig): Counters {
  const client = redisClient(config);
  return {
    async get(keys) {
      const values = await client.mget(...keys);
      return values.map((v) => (v === null ? 0 : Number(v)));
    },
    async increment(keys, ttls, by) {
      const pipeline = client.pipeline();
      for (let i = 0; i < keys.length; i++) {
        pipeline.incrby(keys[i], by);
        pipeline.expire(keys[i], ttls[i], 'NX');
      }
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error !== null);
      if (failed) throw failed[0];
    },
  };
}

/** Closes every Redis connection (tests, shutdown). */
export async function closeRedisClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
}

/** The counters of a plugin's `policy` (both rate-limiting plugins). */
export const countersFor = (config: { policy: string; redis: RedisConfig }): Counters => (config.policy === 'redis' ? redisCounters(config.redis) : localCounters);

const NO_ID = '00000000-0000-0000-0000-000000000000';

/** Counter keys of a plugin instance are scoped by the gateway and its own route and service: `<kind>:<gateway>:<route>:<service>:`. */
export const counterPrefix = (kind: string, env: CompileEnv): string => `${kind}:${env.gatewayId}:${env.instance?.routeId ?? NO_ID}:${env.instance?.serviceId ?? NO_ID}:`;

/** Kong's get_identifier for `consumer` (or its credential) and `credential`; the client address otherwise or when absent. */
export function identifyConsumer(ctx: PluginContext, by: string): string {
  let id: string | undefined;
  if (by === 'consumer') id = ctx.consumer?.id ?? ctx.credential?.id;
  else if (by === 'credential') id = ctx.credential?.id;
  return id === undefined || id === '' ? ctx.clientIp : id;
}
