import { Nullable, StringEnum, Type, type FieldError, type Static } from '@gatehouse/schema';
import { anonymousSchema } from '../key-auth/schema.ts';

// Kong's jwt config (kong/plugins/jwt/schema.lua; Konnect's JSON schema in
// specs/kong-plugins/3.15/Jwt.json).

export const jwtSchema = Type.Object(
  {
    uri_param_names: Type.Array(Type.String(), { default: ['jwt'], description: 'Query arguments the token is read from.' }),
    cookie_names: Type.Array(Type.String(), { default: [] }),
    header_names: Type.Array(Type.String(), { default: ['authorization'], description: 'Headers holding `Bearer <token>`.' }),
    key_claim_name: Type.String({ default: 'iss', description: 'Claim (or header field) naming the credential key.' }),
    secret_is_base64: Type.Boolean({ default: false }),
    claims_to_verify: Nullable(Type.Array(StringEnum(['exp', 'nbf'] as const))),
    anonymous: anonymousSchema,
    run_on_preflight: Type.Boolean({ default: true }),
    maximum_expiration: Type.Number({ minimum: 0, maximum: 31536000, default: 0, description: 'Longest allowed token lifetime from now, in seconds; 0: no limit.' }),
    realm: Nullable(Type.String()),
  },
  { additionalProperties: false, default: {} },
);
export type JwtConfig = Static<typeof jwtSchema>;

/** Kong: maximum_expiration > 0 needs `exp` in claims_to_verify. */
export function refineJwt(config: JwtConfig): FieldError[] {
  if (config.maximum_expiration > 0 && !(config.claims_to_verify ?? []).includes('exp')) {
    return [{ field: 'claims_to_verify', rule: 'invalid', reason: "expected to contain: exp" }];
  }
  return [];
}
