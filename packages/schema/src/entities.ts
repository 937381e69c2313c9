import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum, foreignKeySchema, hostSchema, nameSchema, portSchema, protocolSchema, tagsSchema, timeoutSchema, PROTOCOLS } from './typedefs.ts';

// Kong core entities as the Konnect core-entities API carries them (../shared/specs/konnect/
// control-planes-config-v2.yaml) with Kong's defaults (kong/db/schema/entities/*.lua). These are the
// *stored* shapes: every field present, defaults filled. Input schemas are derived in the control plane.

export const ENTITY_TYPES = [
  'services', 'routes', 'plugins', 'consumers', 'upstreams', 'targets', 'certificates', 'snis', 'ca_certificates', 'consumer_groups',
  // Kong's DAO names for consumer group memberships and the credentials of the auth plugins.
  'consumer_group_consumers', 'keyauth_credentials', 'basicauth_credentials', 'jwt_secrets', 'hmacauth_credentials', 'acls',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

const common = {
  id: Type.String({ format: 'uuid' }),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
  tags: tagsSchema,
};

export const serviceSchema = Type.Object(
  {
    ...common,
    name: Nullable(nameSchema),
    protocol: StringEnum(PROTOCOLS, { default: 'http' }),
    host: hostSchema,
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 80 }),
    path: Nullable(Type.String({ minLength: 1, maxLength: 1024, pattern: '^/' })),
    retries: Type.Integer({ minimum: 0, maximum: 32767, default: 5 }),
    connect_timeout: timeoutSchema,
    write_timeout: timeoutSchema,
    read_timeout: timeoutSchema,
    enabled: Type.Boolean({ default: true }),
    tls_verify: Nullable(Type.Boolean()),
    tls_verify_depth: Nullable(Type.Integer({ minimum: 0, maximum: 64 })),
    ca_certificates: Nullable(Type.Array(Type.String({ format: 'uuid' }))),
    client_certificate: Nullable(foreignKeySchema),
  },
  { additionalProperties: false },
);
export type Service = Static<typeof serviceSchema>;

export const HTTPS_REDIRECT_CODES = [301, 302, 307, 308, 426] as const;

export const routeSchema = Type.Object(
  {
    ...common,
    name: Nullable(nameSchema),
    protocols: Type.Array(protocolSchema, { minItems: 1, uniqueItems: true, default: ['http', 'https'] }),
    methods: Nullable(Type.Array(Type.String({ pattern: '^[A-Z]+$' }), { uniqueItems: true })),
    hosts: Nullable(Type.Array(hostSchema, { uniqueItems: true })),
    paths: Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { uniqueItems: true })),
    headers: Nullable(Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 }))),
    https_redirect_status_code: Type.Union(HTTPS_REDIRECT_CODES.map((c) => Type.Literal(c)), { default: 426 }),
    regex_priority: Type.Integer({ default: 0 }),
    strip_path: Type.Boolean({ default: true }),
    path_handling: StringEnum(['v0', 'v1'] as const, { default: 'v0' }),
    preserve_host: Type.Boolean({ default: false }),
    request_buffering: Type.Boolean({ default: true }),
    response_buffering: Type.Boolean({ default: true }),
    snis: Nullable(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    sources: Nullable(Type.Array(Type.Object({ ip: Type.Optional(Type.String()), port: Type.Optional(portSchema) }, { additionalProperties: false }))),
    destinations: Nullable(Type.Array(Type.Object({ ip: Type.Optional(Type.String()), port: Type.Optional(portSchema) }, { additionalProperties: false }))),
    service: Nullable(foreignKeySchema),
  },
  { additionalProperties: false },
);
export type Route = Static<typeof routeSchema>;

export const pluginSchema = Type.Object(
  {
    ...common,
    name: Type.String({ minLength: 1 }),
    instance_name: Nullable(nameSchema),
    config: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
    enabled: Type.Boolean({ default: true }),
    protocols: Type.Array(protocolSchema, { minItems: 1, uniqueItems: true, default: ['grpc', 'grpcs', 'http', 'https'] }),
    service: Nullable(foreignKeySchema),
    route: Nullable(foreignKeySchema),
    consumer: Nullable(foreignKeySchema),
    consumer_group: Nullable(foreignKeySchema),
    ordering: Nullable(
      Type.Object(
        {
          before: Type.Optional(Type.Object({ access: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false })),
          after: Type.Optional(Type.Object({ access: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type Plugin = Static<typeof pluginSchema>;
