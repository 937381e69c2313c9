import { Nullable, StringEnum, Type, type FieldError, type Static } from '@gatehouse/schema';
import { refineLimits, refinePolicy, redisSchema } from '../rate-limiting/schema.ts';

// Kong's response-ratelimiting config (kong/plugins/response-ratelimiting/schema.lua; Konnect's JSON
// schema in specs/kong-plugins/3.15/ResponseRatelimiting.json). `cluster` is refused as in
// rate-limiting: a data plane has no database.

const limit = (period: string) => Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, description: `Units allowed per ${period}.` })));

/** One named limit: units per window, e.g. `{ minute: 10 }`. */
export const responseLimitSchema = Type.Object(
  { second: limit('second'), minute: limit('minute'), hour: limit('hour'), day: limit('day'), month: limit('month'), year: limit('year') },
  { additionalProperties: false },
);

export const responseRatelimitingSchema = Type.Object(
  {
    limits: Type.Record(Type.String({ minLength: 1 }), responseLimitSchema, { minProperties: 1, description: 'Limits by name; the upstream spends them with `X-Kong-Limit: <name>=<units>`.' }),
    header_name: Type.String({ minLength: 1, default: 'x-kong-limit', description: 'Upstream response header carrying the units to spend.' }),
    limit_by: StringEnum(['consumer', 'credential', 'ip'] as const, { default: 'consumer' }),
    policy: StringEnum(['local', 'cluster', 'redis'] as const, { default: 'local' }),
    fault_tolerant: Type.Boolean({ default: true, description: 'Proxy without limits when the counters cannot be reached.' }),
    hide_client_headers: Type.Boolean({ default: false }),
    block_on_first_violation: Type.Boolean({ default: false, description: 'Refuse the request as soon as any limit is spent, before proxying.' }),
    redis: redisSchema,
  },
  { additionalProperties: false, default: {} },
);
export type ResponseRatelimitingConfig = Static<typeof responseRatelimitingSchema>;

export function refineResponseRatelimiting(config: ResponseRatelimitingConfig): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of Object.keys(config.limits)) errors.push(...refineLimits(config.limits[name], `limits.${name}`));
  return [...errors, ...refinePolicy(config)];
}
