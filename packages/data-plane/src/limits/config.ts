import { createRedisCounterStore, type CounterStore } from './counter-store.ts';
import { createIpcCounterStore } from './ipc-store.ts';
import type { RateLimitOptions } from './limiter.ts';

// The platform limits from the environment (README, Configuration): Konnect's default of 100
// requests per second per gateway, changed with GATEHOUSE_RATE_LIMIT_RPS (0 turns it off).

export const DEFAULT_RATE_LIMIT_RPS = 100;

/**
 * The rate limit of a platform data plane: REDIS_URL counts in Redis (every node of the fleet);
 * else `isIpcWorker` counts through the primary (every worker of this node: mount
 * `createLimitsPrimary()` there); else in this process.
 * @example
 * createDataPlane({ port: 0, rateLimit: rateLimitFromEnv(process.env, { isIpcWorker: cluster.isWorker }) });
 */
export function rateLimitFromEnv(env: NodeJS.ProcessEnv, options: { isIpcWorker?: boolean } = {}): RateLimitOptions | undefined {
  const raw = env.GATEHOUSE_RATE_LIMIT_RPS;
  const limit = raw === undefined || raw === '' ? DEFAULT_RATE_LIMIT_RPS : Number(raw);
  if (!Number.isFinite(limit) || limit < 0) throw new Error(`GATEHOUSE_RATE_LIMIT_RPS must be a number of requests per second (0 turns the limit off), got '${raw}'`);
  if (limit === 0) return undefined;
  let store: CounterStore | undefined;
  if (env.REDIS_URL) store = createRedisCounterStore({ url: env.REDIS_URL });
  else if (options.isIpcWorker === true && typeof process.send === 'function') store = createIpcCounterStore();
  return { limit, windowMs: 1000, store };
}
