import { Redis } from 'ioredis';
import type { Logger } from 'pino';

// Where the platform rate limit counts (issue 7): a gateway's requests are counted in fixed windows
// (epoch-aligned, 1 s by default) shared by every worker and node that serves it. A store hands out
// grants: the limiter asks for as many admissions as it has requests waiting and never gets more
// than the window has left, so the limit is never exceeded however many processes ask.

/**
 * A shared count of admissions per gateway and window.
 * @example
 * const store = createLocalCounterStore();
 * store.take('gw-1', 1718000000, 5, 100); // 5: granted, 95 left in that window
 */
export interface CounterStore {
  /** 'local' stores answer synchronously, so the limiter takes a whole window at once. */
  readonly kind: 'local' | 'ipc' | 'redis';
  /**
   * Grants up to `want` admissions in `window` (an epoch window number) for a gateway whose limit per
   * window is `limit`; returns how many were granted (0 when the window is used up). Rejects when the
   * store cannot be reached: the limiter then fails open.
   */
  take(gatewayId: string, window: number, want: number, limit: number): number | Promise<number>;
  close(): Promise<void>;
}

interface WindowCount {
  window: number;
  count: number;
}

/**
 * In-process counters: one entry per gateway, reset when a newer window is asked for. Also the
 * primary's store behind the IPC store (ipc-store.ts).
 */
export function createLocalCounterStore(): CounterStore {
  const counts = new Map<string, WindowCount>();
  return {
    kind: 'local',
    take(gatewayId, window, want, limit) {
      let entry = counts.get(gatewayId);
      if (entry === undefined) {
        entry = { window, count: 0 };
        counts.set(gatewayId, entry);
      } else if (entry.window < window) {
        entry.window = window;
        entry.count = 0;
      } else if (entry.window > window) {
        // A late ask for a window already over: nothing to grant.
        return 0;
      }
      const granted = Math.max(0, Math.min(want, limit - entry.count));
      entry.count += granted;
      return granted;
    },
    close() {
      counts.clear();
      return Promise.resolve();
    },
  };
}

// Atomic grant: never counts past the limit, so concurrent askers cannot overshoot together.
const TAKE_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[1]), tonumber(ARGV[2]) - used)
if grant <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], grant)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return grant
`;

export interface RedisCounterStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (REDIS_URL). */
  url: string;
  /** Window length, so keys expire after their window; default 1000. */
  windowMs?: number;
  /** Key prefix, so several platforms can share one Redis; default `gatehouse:rl:`. */
  prefix?: string;
  /** Command and connect timeout; default 500 ms. */
  timeoutMs?: number;
}

/**
 * Counters in Redis, one key per gateway and window (`<prefix><gatewayId>:<window>`), granted by a
 * Lua script, for data planes on several nodes.
 */
export function createRedisCounterStore(options: RedisCounterStoreOptions): CounterStore {
  const timeoutMs = options.timeoutMs ?? 500;
  const client = new Redis(options.url, {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // While Redis is away a take fails within the command timeout and the limiter fails open.
    maxRetriesPerRequest: 1,
  });
  // Command failures reach the limiter, which logs once; connection errors are noise meanwhile.
  client.on('error', () => {});
  const prefix = options.prefix ?? 'gatehouse:rl:';
  const ttlMs = String((options.windowMs ?? 1000) * 2);
  return {
    kind: 'redis',
    async take(gatewayId, window, want, limit) {
      const granted = await client.eval(TAKE_SCRIPT, 1, `${prefix}${gatewayId}:${window}`, String(want), String(limit), ttlMs);
      return Number(granted);
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** Logs a store failure once until the store answers again. */
export function createFailureLog(logger: Logger, kind: string): { failed(error: unknown): void; recovered(): void } {
  let isFailing = false;
  return {
    failed(error) {
      if (isFailing) return;
      isFailing = true;
      logger.error({ err: error, store: kind }, 'platform rate limit store unreachable: admitting requests (fail open)');
    },
    recovered() {
      if (!isFailing) return;
      isFailing = false;
      logger.info({ store: kind }, 'platform rate limit store reachable again');
    },
  };
}
