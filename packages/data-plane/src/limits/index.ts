// Platform limits per gateway (issue 7): the rate limit and its counter stores.
export { createPlatformLimiter, type PlatformLimiter, type RateLimitOptions } from './limiter.ts';
export { createLocalCounterStore, createRedisCounterStore, type CounterStore, type RedisCounterStoreOptions } from './counter-store.ts';
export { createIpcCounterStore, createLimitsPrimary, isLimitsTakeMessage, type IpcChannel, type LimitsGrantMessage, type LimitsTakeMessage } from './ipc-store.ts';
export { DEFAULT_RATE_LIMIT_RPS, rateLimitFromEnv } from './config.ts';
export { RATE_LIMITED } from './respond.ts';
