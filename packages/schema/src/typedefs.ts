import { Type, type TSchema } from '@sinclair/typebox';

// Kong typedefs (kong/db/schema/typedefs.lua), written as JSON Schema.

export const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** A set of string literals as a JSON Schema enum (TypeBox Union of Literals). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Union(values.map((v) => Type.Literal(v)) as any, options) as unknown as TSchema & { static: T[number] };

/** A nullable value: Kong returns every field, with `null` where unset. */
export const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) =>
  Type.Union([schema, Type.Null()], { default: null, ...options });

export const protocolSchema = StringEnum(PROTOCOLS);
export const tagsSchema = Nullable(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { uniqueItems: true }));
export const foreignKeySchema = Type.Object({ id: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export const portSchema = Type.Integer({ minimum: 0, maximum: 65535 });
export const timeoutSchema = Type.Integer({ minimum: 1, maximum: 2147483646, default: 60000 });
// A hostname, optionally with a leading or trailing '*' label (route hosts) — kept permissive here; the
// control plane adds Kong's finer host checks.
export const hostSchema = Type.String({ minLength: 1, maxLength: 256 });
export const nameSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[0-9A-Za-z.\\-_~]+$' });
