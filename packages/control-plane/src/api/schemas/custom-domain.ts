import { StringEnum, Type, type Static } from '@gatehouse/schema';
import { CONTROL_PLANE_GEOS } from './cloud-gateway.ts';
import { pageMetaSchema } from './control-plane.ts';

// Custom domains (reference/konnect-api.md §6.5, spec cloud-gateways-v2.yaml #CustomDomain). Gatehouse
// adds one read-only field, `cname_target`: the hostname the user's CNAME must point at, which Konnect
// shows only in its UI (§8.4).

export const CUSTOM_DOMAIN_STATES = ['created', 'initializing', 'ready', 'terminating', 'terminated', 'error'] as const;
export type CustomDomainState = (typeof CUSTOM_DOMAIN_STATES)[number];

export const createCustomDomainSchema = Type.Object(
  {
    control_plane_id: Type.String({ format: 'uuid' }),
    control_plane_geo: StringEnum(CONTROL_PLANE_GEOS),
    domain: Type.String({ minLength: 1 }),
    kind: Type.Optional(StringEnum(['dedicated.v0', 'serverless.v1'] as const)),
  },
  { additionalProperties: false },
);

export const customDomainSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  control_plane_id: Type.String({ format: 'uuid' }),
  control_plane_geo: StringEnum(CONTROL_PLANE_GEOS),
  domain: Type.String(),
  kind: Type.String(),
  certificate_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  sni_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  state: StringEnum(CUSTOM_DOMAIN_STATES),
  state_metadata: Type.Object({ reported_status: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) }, { additionalProperties: false }),
  /** Gatehouse extension: create `<domain>. CNAME <cname_target>.` at your DNS provider. */
  cname_target: Type.String(),
  entity_version: Type.Integer({ minimum: 1 }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type CustomDomain = Static<typeof customDomainSchema>;

export const customDomainListSchema = Type.Object({ meta: pageMetaSchema, data: Type.Array(customDomainSchema) });

export const customDomainOnlineStatusSchema = Type.Object({
  cname: StringEnum(['verified', 'unverified'] as const),
  ssl: StringEnum(['verified', 'unverified'] as const),
});
