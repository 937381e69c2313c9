import { Nullable, StringEnum, Type, type FieldError, type Static } from '@gatehouse/schema';

// Kong's rate-limiting config (kong/plugins/rate-limiting/schema.lua; Konnect's JSON schema in
// specs/kong-plugins/3.15/RateLimiting.json). `cluster` is in the enum but, as on Kong's hybrid and
// DB-less nodes, refused: a data plane has no database.

export const PERIODS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

const limit = (period: string) => Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, description: `Requests allowed per ${period}.` })));

/** Redis connection (Kong's shared redis schema, kong/tools/redis/schema.lua). */
export const redisSchema = Type.Object(
  {
    host: Nullable(Type.String({ minLength: 1 })),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 6379 }),
    timeout: Type.Integer({ minimum: 0, maximum: 2147483646, default: 2000, description: 'Connect and command timeout, in milliseconds.' }),
    username: Nullable(Type.String()),
    password: Nullable(Type.String()),
    database: Type.Integer({ default: 0 }),
    ssl: Type.Boolean({ default: false }),
    ssl_verify: Type.Boolean({ default: true }),
    server_name: Nullable(Type.String()),
    cloud_authentication: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: false, default: {} },
);
export type RedisConfig = Static<typeof redisSchema>;

export const rateLimitingSchema = Type.Object(
  {
    second: limit('second'),
    minute: limit('minute'),
    hour: limit('hour'),
    day: limit('day'),
    month: limit('month'),
    year: limit('year'),
    limit_by: StringEnum(['consumer', 'consumer-group', 'credential', 'ip', 'service', 'header', 'path'] as const, { default: 'consumer' }),
    header_name: Type.Optional(Nullable(Type.String({ pattern: '^[A-Za-z0-9_-]+$' }))),
    path: Type.Optional(Nullable(Type.String({ pattern: '^/' }))),
    policy: StringEnum(['local', 'cluster', 'redis'] as const, { default: 'local' }),
    fault_tolerant: Type.Boolean({ default: true, description: 'Proxy without rate limiting when the counters cannot be reached.' }),
    hide_client_headers: Type.Boolean({ default: false }),
    error_code: Type.Number({ default: 429 }),
    error_message: Type.String({ default: 'API rate limit exceeded' }),
    sync_rate: Type.Number({ default: -1, description: 'Accepted for compatibility; counters are always synchronous.' }),
    redis: redisSchema,
  },
  { additionalProperties: false, default: {} },
);
export type RateLimitingConfig = Static<typeof rateLimitingSchema>;

// Kong prints limits with %.1f: `hour(5.0)`.
const fmt = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));

/** Checks shared by rate-limiting and response-ratelimiting: each longer window allows at least as much. */
export function refineLimits(limits: Partial<Record<Period, number | null>>, field: string): FieldError[] {
  let prev: Period | null = null;
  for (const period of PERIODS) {
    const value = limits[period];
    if (value === undefined || value === null) continue;
    if (prev !== null && value < (limits[prev] as number)) {
      return [{ field: field === '' ? period : `${field}.${period}`, rule: 'invalid', reason: `The limit for ${period}(${fmt(value)}) cannot be lower than the limit for ${prev}(${fmt(limits[prev] as number)})` }];
    }
    prev = period;
  }
  return prev === null ? [{ field: field === '' ? 'second' : field, rule: 'at_least_one_of', reason: "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'" }] : [];
}

/** The policy rules of both rate-limiting plugins. */
export function refinePolicy(config: { policy: string; redis: RedisConfig }): FieldError[] {
  if (config.policy === 'cluster') return [{ field: 'policy', rule: 'invalid', reason: "policy 'cluster' is not supported on data planes without a database; use 'local' or 'redis'" }];
  if (config.policy === 'redis' && (config.redis.host === null || config.redis.host === '')) return [{ field: 'redis.host', rule: 'required', reason: 'required field missing' }];
  return [];
}

export function refineRateLimiting(config: RateLimitingConfig): FieldError[] {
  const errors = refineLimits(config, '');
  if (config.limit_by === 'header' && (config.header_name === undefined || config.header_name === null)) errors.push({ field: 'header_name', rule: 'required', reason: 'required field missing' });
  if (config.limit_by === 'path' && (config.path === undefined || config.path === null)) errors.push({ field: 'path', rule: 'required', reason: 'required field missing' });
  return [...errors, ...refinePolicy(config)];
}
