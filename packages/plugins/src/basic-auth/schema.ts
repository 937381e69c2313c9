import { Nullable, Type, type Static } from '@gatehouse/schema';
import { anonymousSchema } from '../key-auth/schema.ts';

// Kong's basic-auth config (kong/plugins/basic-auth/schema.lua; Konnect's JSON schema in
// specs/kong-plugins/3.15/BasicAuth.json, whose defaults these are). `brute_force_protection` and
// `principals` are EE settings: accepted, not used.

export const basicAuthSchema = Type.Object(
  {
    anonymous: anonymousSchema,
    hide_credentials: Type.Boolean({ default: true, description: 'Remove the Authorization header sent upstream.' }),
    realm: Nullable(Type.String(), { default: 'service', description: 'realm of the WWW-Authenticate header.' }),
    brute_force_protection: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
    principals: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: false, default: {} },
);
export type BasicAuthConfig = Static<typeof basicAuthSchema>;
