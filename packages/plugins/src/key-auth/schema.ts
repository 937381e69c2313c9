import { Nullable, Type, type Static } from '@gatehouse/schema';

// Kong's key-auth config (kong/plugins/key-auth/schema.lua; Konnect's JSON schema in
// specs/kong-plugins/3.15/KeyAuth.json, whose defaults these are: hide_credentials defaults to true
// there). `identity_realms` and `principals` are Konnect/EE settings: accepted, not used.

/** kong/tools/http.lua validate_header_name: letters, digits, '-' and '_'. */
export const HEADER_NAME_PATTERN = '^[A-Za-z0-9_-]+$';

/** Consumer id or username of the consumer used when authentication fails; null: fail with 401. */
export const anonymousSchema = Nullable(Type.String({ minLength: 1, description: 'Consumer id or username used when authentication fails.' }));

export const keyAuthSchema = Type.Object(
  {
    key_names: Type.Array(Type.String({ pattern: HEADER_NAME_PATTERN }), { minItems: 1, default: ['apikey'], description: 'Header, query and body names the key is read from.' }),
    hide_credentials: Type.Boolean({ default: true, description: 'Remove the key from the request sent upstream.' }),
    anonymous: anonymousSchema,
    key_in_header: Type.Boolean({ default: true }),
    key_in_query: Type.Boolean({ default: true }),
    key_in_body: Type.Boolean({ default: false, description: 'Read the key from JSON, url-encoded and multipart bodies.' }),
    run_on_preflight: Type.Boolean({ default: true, description: 'Authenticate OPTIONS requests too.' }),
    realm: Nullable(Type.String({ description: 'realm of the WWW-Authenticate header.' })),
    identity_realms: Type.Optional(Nullable(Type.Array(Type.Object({ id: Type.Optional(Type.String()), region: Type.Optional(Type.String()), scope: Type.Optional(Type.String()) })))),
    principals: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
  },
  { additionalProperties: false, default: {} },
);
export type KeyAuthConfig = Static<typeof keyAuthSchema>;
