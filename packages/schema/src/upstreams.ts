import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum, foreignKeySchema, nameSchema, tagsSchema } from './typedefs.ts';

// Upstreams and targets (kong/db/schema/entities/upstreams.lua, targets.lua) in their stored shapes,
// every default filled, as ../shared/specs/konnect/control-planes-config-v2.yaml publishes them.

export const BALANCER_ALGORITHMS = ['consistent-hashing', 'latency', 'least-connections', 'round-robin', 'sticky-sessions'] as const;
export const HASH_ON = ['consumer', 'cookie', 'header', 'ip', 'none', 'path', 'query_arg', 'uri_capture'] as const;
export const HEALTHCHECK_TYPES = ['grpc', 'grpcs', 'http', 'https', 'tcp'] as const;

const statusesSchema = (statuses: number[]) =>
  Type.Array(Type.Integer({ minimum: 100, maximum: 999 }), { uniqueItems: true, default: statuses });
const counter = Type.Integer({ minimum: 0, maximum: 255, default: 0 });
const seconds = (value: number) => Type.Number({ minimum: 0, maximum: 65535, default: value });
// Kong's records fill every nested default; `default: {}` lets TypeBox's Value.Default descend into them.
const record = <P extends Parameters<typeof Type.Object>[0]>(properties: P) => Type.Object(properties, { additionalProperties: false, default: {} });

export const healthchecksSchema = record({
  active: record({
    type: StringEnum(HEALTHCHECK_TYPES, { default: 'http' }),
    timeout: seconds(1),
    concurrency: Type.Integer({ minimum: 1, maximum: 2147483648, default: 10 }),
    http_path: Type.String({ minLength: 1, pattern: '^/', default: '/' }),
    // Absent unless set: the spec types these as non-nullable.
    https_sni: Type.Optional(Type.String({ minLength: 1 })),
    https_verify_certificate: Type.Boolean({ default: true }),
    headers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String()))),
    healthy: record({ interval: seconds(0), http_statuses: statusesSchema([200, 302]), successes: counter }),
    unhealthy: record({
      interval: seconds(0),
      http_statuses: statusesSchema([429, 404, 500, 501, 502, 503, 504, 505]),
      tcp_failures: counter,
      timeouts: counter,
      http_failures: counter,
    }),
  }),
  passive: record({
    type: StringEnum(HEALTHCHECK_TYPES, { default: 'http' }),
    healthy: record({
      http_statuses: statusesSchema([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308]),
      successes: counter,
    }),
    unhealthy: record({ http_statuses: statusesSchema([429, 500, 503]), tcp_failures: counter, timeouts: counter, http_failures: counter }),
  }),
  // Percentage of healthy target weight under which the upstream counts as unhealthy.
  threshold: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
});
export type Healthchecks = Static<typeof healthchecksSchema>;

export const upstreamSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    created_at: Type.Integer(),
    updated_at: Type.Integer(),
    tags: tagsSchema,
    // A hostname: services reach the upstream by setting their host to it.
    name: Type.String({ minLength: 1, maxLength: 256 }),
    algorithm: StringEnum(BALANCER_ALGORITHMS, { default: 'round-robin' }),
    hash_on: StringEnum(HASH_ON, { default: 'none' }),
    hash_fallback: StringEnum(HASH_ON, { default: 'none' }),
    hash_on_header: Nullable(Type.String({ minLength: 1 })),
    hash_fallback_header: Nullable(Type.String({ minLength: 1 })),
    hash_on_cookie: Nullable(Type.String({ minLength: 1 })),
    hash_on_cookie_path: Type.String({ minLength: 1, pattern: '^/', default: '/' }),
    hash_on_query_arg: Nullable(Type.String({ minLength: 1 })),
    hash_fallback_query_arg: Nullable(Type.String({ minLength: 1 })),
    hash_on_uri_capture: Nullable(Type.String({ minLength: 1 })),
    hash_fallback_uri_capture: Nullable(Type.String({ minLength: 1 })),
    slots: Type.Integer({ minimum: 10, maximum: 65536, default: 10000 }),
    healthchecks: healthchecksSchema,
    host_header: Nullable(Type.String({ minLength: 1, maxLength: 256 })),
    client_certificate: Nullable(foreignKeySchema),
    use_srv_name: Type.Boolean({ default: false }),
    sticky_sessions_cookie: Nullable(nameSchema),
    sticky_sessions_cookie_path: Type.String({ minLength: 1, pattern: '^/', default: '/' }),
  },
  { additionalProperties: false },
);
export type Upstream = Static<typeof upstreamSchema>;

export const targetSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    // The spec types target timestamps as numbers (Kong keeps milliseconds); Gatehouse stores seconds.
    created_at: Type.Number(),
    updated_at: Type.Number(),
    tags: tagsSchema,
    upstream: foreignKeySchema,
    /** `host:port`, `host` (port 8000, as Kong) or `[ipv6]:port`. */
    target: Type.String({ minLength: 1, maxLength: 1024 }),
    /** 0 disables the target. */
    weight: Type.Integer({ minimum: 0, maximum: 65535, default: 100 }),
    failover: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type Target = Static<typeof targetSchema>;
