import { StringEnum, Type, type Static } from '@gatehouse/schema';
import { pageMetaSchema } from './control-plane.ts';

// Cloud Gateways configuration shapes (../shared/specs/konnect/cloud-gateways-v2.yaml,
// reference/konnect-api.md §6.2–§6.4). `serverless.v0` is in the docs, not in the spec's enum (§9.3).

export const CONTROL_PLANE_GEOS = ['us', 'eu', 'au', 'me', 'in', 'sg'] as const;
export type ControlPlaneGeo = (typeof CONTROL_PLANE_GEOS)[number];

export const CONFIGURATION_KINDS = ['dedicated.v0', 'serverless.v0', 'serverless.v1'] as const;
export type ConfigurationKind = (typeof CONFIGURATION_KINDS)[number];

export const PROVIDERS = ['aws', 'azure', 'gcp'] as const;

export const GROUP_STATES = ['created', 'initializing', 'ready', 'terminating', 'terminated'] as const;
export type GroupState = (typeof GROUP_STATES)[number];

/** Where each serverless kind runs (digest §8.1): V0 is one global region, V1 is us/eu on aws. */
export const SERVERLESS_REGIONS = {
  'serverless.v0': { providers: PROVIDERS, regions: ['na'] },
  'serverless.v1': { providers: ['aws'], regions: ['us', 'eu'] },
} as const;

const autoscaleSchema = Type.Union([
  Type.Object(
    { kind: Type.Literal('static'), instance_type: StringEnum(['small', 'medium', 'large'] as const), requested_instances: Type.Integer() },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('autopilot'), base_rps: Type.Integer({ minimum: 1 }), max_rps: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
]);

const environmentSchema = Type.Array(
  Type.Object(
    {
      name: Type.String({ minLength: 6, maxLength: 120, pattern: '^(KONG|OTEL)_[a-zA-Z_]+[a-zA-Z0-9_]*' }),
      value: Type.String({ minLength: 1, maxLength: 2048 }),
    },
    { additionalProperties: false },
  ),
);

// `provider` is optional here because serverless.v0 groups are sent without it (digest §6.2); the
// service requires it for serverless.v1. `autoscale`, `cloud_gateway_network_id` and `environment` are
// checked for shape and then ignored: they only mean something to dedicated gateways.
export const createDataplaneGroupSchema = Type.Object(
  {
    provider: Type.Optional(StringEnum(PROVIDERS)),
    region: Type.String({ minLength: 1 }),
    cloud_gateway_network_id: Type.Optional(Type.String({ format: 'uuid' })),
    autoscale: Type.Optional(autoscaleSchema),
    environment: Type.Optional(environmentSchema),
  },
  { additionalProperties: false },
);

export const putConfigurationSchema = Type.Object(
  {
    control_plane_id: Type.String({ format: 'uuid' }),
    control_plane_geo: StringEnum(CONTROL_PLANE_GEOS),
    version: Type.Optional(Type.String()),
    dataplane_groups: Type.Array(createDataplaneGroupSchema),
    kind: Type.Optional(StringEnum(CONFIGURATION_KINDS, { default: 'dedicated.v0' })),
    api_access: Type.Optional(StringEnum(['private', 'public', 'private+public'] as const)),
  },
  { additionalProperties: false },
);
export type PutConfiguration = Static<typeof putConfigurationSchema>;

export const dataplaneGroupSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  // Optional only for serverless.v0 groups created without a provider.
  provider: Type.Optional(Type.String()),
  region: Type.String(),
  state: StringEnum(GROUP_STATES),
  state_metadata: Type.Optional(Type.Object({ reported_status: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) }, { additionalProperties: false })),
  hostnames: Type.Array(Type.String()),
  // Gatehouse's (issue 7): the data-plane version serving a ready group; the spec's group allows extra fields.
  version: Type.Optional(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const configurationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  control_plane_id: Type.String({ format: 'uuid' }),
  control_plane_geo: StringEnum(CONTROL_PLANE_GEOS),
  kind: StringEnum(CONFIGURATION_KINDS),
  dataplane_group_config: Type.Array(Type.Object({ provider: Type.Optional(Type.String()), region: Type.String() })),
  dataplane_groups: Type.Array(dataplaneGroupSchema),
  entity_version: Type.Integer({ minimum: 1 }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type Configuration = Static<typeof configurationSchema>;

export const configurationListSchema = Type.Object({ meta: pageMetaSchema, data: Type.Array(configurationSchema) });

export const configurationParamsSchema = Type.Object({ configurationId: Type.String() });

export const availabilitySchema = Type.Object(
  {
    versions: Type.Array(Type.String()),
    instance_types: Type.Array(Type.Object({ name: Type.String(), hourly_cost: Type.String(), v_cpu: Type.String(), gb_memory: Type.String() })),
    providers: Type.Array(Type.Object({ provider: Type.String(), regions: Type.Array(Type.Object({ region: Type.String() })) })),
    serverless_v1_providers: Type.Array(
      Type.Object({ provider: Type.Literal('aws'), regions: Type.Array(Type.Object({ region: Type.String() }, { additionalProperties: false })) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
