import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum, foreignKeySchema, nameSchema, tagsSchema } from './typedefs.ts';

// Consumers, consumer groups and the credentials of Kong's auth plugins (kong/db/schema/entities/
// consumers.lua, consumer_groups.lua; kong/plugins/*/daos.lua) in their stored shapes. Credentials
// carry `created_at` only, as in Kong and the spec.

const id = Type.String({ format: 'uuid' });

export const consumerSchema = Type.Object(
  {
    id,
    created_at: Type.Integer(),
    updated_at: Type.Integer(),
    tags: tagsSchema,
    // One of username and custom_id is required; both are unique (checked by the control plane).
    username: Nullable(Type.String({ minLength: 1 })),
    custom_id: Nullable(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type Consumer = Static<typeof consumerSchema>;

export const consumerGroupSchema = Type.Object(
  { id, created_at: Type.Integer(), updated_at: Type.Integer(), tags: tagsSchema, name: nameSchema },
  { additionalProperties: false },
);
export type ConsumerGroup = Static<typeof consumerGroupSchema>;

/** A consumer's membership of a group (Kong EE consumer_group_consumers); not a collection of its own. */
export const consumerGroupMemberSchema = Type.Object(
  { id, created_at: Type.Integer(), consumer_group: foreignKeySchema, consumer: foreignKeySchema },
  { additionalProperties: false },
);
export type ConsumerGroupMember = Static<typeof consumerGroupMemberSchema>;

const credential = { id, created_at: Type.Integer(), consumer: foreignKeySchema, tags: tagsSchema };

export const keyAuthCredentialSchema = Type.Object(
  {
    ...credential,
    /** Generated (32 random alphanumerics) when absent, as Kong's `auto = true`. */
    key: Type.String({ minLength: 1 }),
    /** Seconds the key lives from its last write; null = forever. The API answers the time left. */
    ttl: Nullable(Type.Integer({ minimum: 0, maximum: 100000000 })),
  },
  { additionalProperties: false },
);
export type KeyAuthCredential = Static<typeof keyAuthCredentialSchema>;

export const basicAuthCredentialSchema = Type.Object(
  {
    ...credential,
    username: Type.String({ minLength: 1 }),
    /** Stored as Kong stores it: hex SHA-1 of password .. consumer id. Never the plain text. */
    password: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type BasicAuthCredential = Static<typeof basicAuthCredentialSchema>;

export const JWT_ALGORITHMS = [
  'ES256', 'ES256K', 'ES384', 'ES512', 'ESB256', 'ESB320', 'ESB384', 'ESB512', 'ESP256', 'ESP384', 'ESP512',
  'Ed25519', 'Ed448', 'EdDSA', 'HS256', 'HS384', 'HS512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** HMAC algorithms verify with `secret`; every other one with `rsa_public_key`. */
export const isHmacAlgorithm = (algorithm: string): boolean => algorithm.startsWith('HS');

export const jwtCredentialSchema = Type.Object(
  {
    ...credential,
    /** The `iss` (or configured claim) that picks this credential; generated when absent. */
    key: Type.String({ minLength: 1 }),
    /** HS* secret; generated when absent. */
    secret: Nullable(Type.String({ minLength: 1 })),
    /** PEM public key; required for every non-HS algorithm. */
    rsa_public_key: Nullable(Type.String({ minLength: 1 })),
    algorithm: StringEnum(JWT_ALGORITHMS, { default: 'HS256' }),
  },
  { additionalProperties: false },
);
export type JwtCredential = Static<typeof jwtCredentialSchema>;

export const hmacAuthCredentialSchema = Type.Object(
  {
    ...credential,
    username: Type.String({ minLength: 1 }),
    /** Generated when absent. */
    secret: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type HmacAuthCredential = Static<typeof hmacAuthCredentialSchema>;

export const aclSchema = Type.Object({ ...credential, group: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export type Acl = Static<typeof aclSchema>;
