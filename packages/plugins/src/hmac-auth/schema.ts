import { Nullable, StringEnum, Type, type Static } from '@gatehouse/schema';
import { anonymousSchema } from '../key-auth/schema.ts';

// Kong's hmac-auth config (kong/plugins/hmac-auth/schema.lua; Konnect's JSON schema in
// specs/kong-plugins/3.15/HmacAuth.json, whose defaults these are: hide_credentials defaults to true
// there, and hmac-sha1 is allowed but not enabled by default).

export const HMAC_ALGORITHMS = ['hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

export const hmacAuthSchema = Type.Object(
  {
    hide_credentials: Type.Boolean({ default: true, description: 'Remove the Authorization (or Proxy-Authorization) header sent upstream.' }),
    clock_skew: Type.Number({ exclusiveMinimum: 0, default: 300, description: 'Allowed distance between Date (or X-Date) and now, in seconds.' }),
    anonymous: anonymousSchema,
    validate_request_body: Type.Boolean({ default: false, description: 'Require a Digest header (SHA-256) matching the body.' }),
    enforce_headers: Type.Array(Type.String(), { default: [], description: 'Headers every signature must cover.' }),
    algorithms: Type.Array(StringEnum(HMAC_ALGORITHMS), { default: ['hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'], description: 'Digest algorithms clients may sign with.' }),
    realm: Nullable(Type.String({ description: 'realm of the WWW-Authenticate header.' })),
  },
  { additionalProperties: false, default: {} },
);
export type HmacAuthConfig = Static<typeof hmacAuthSchema>;
