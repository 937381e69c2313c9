import { StringEnum, Type, type Static } from '@gatehouse/schema';

// Control Planes API v2 wire shapes (../shared/specs/konnect/control-planes-v2.yaml,
// reference/konnect-api.md §2). Requests are strict (`additionalProperties: false`, as in the spec).

/** Cluster types the spec publishes; only these are ever emitted. */
export const CLUSTER_TYPES = [
  'CLUSTER_TYPE_CONTROL_PLANE',
  'CLUSTER_TYPE_K8S_INGRESS_CONTROLLER',
  'CLUSTER_TYPE_CONTROL_PLANE_GROUP',
  'CLUSTER_TYPE_SERVERLESS',
  'CLUSTER_TYPE_KAFKA_NATIVE_EVENT_PROXY',
  'CLUSTER_TYPE_SERVERLESS_V1',
] as const;
export type ClusterType = (typeof CLUSTER_TYPES)[number];

// Digest §2.2 and §9.4: older clients send these; they are stored as the current names.
export const CLUSTER_TYPE_ALIASES: Record<string, ClusterType> = {
  CLUSTER_TYPE_CLOUD_API_GATEWAY: 'CLUSTER_TYPE_SERVERLESS_V1',
  CLUSTER_TYPE_HYBRID: 'CLUSTER_TYPE_CONTROL_PLANE',
};

/** What requests and filters may name: the published types plus the aliases. */
export const ACCEPTED_CLUSTER_TYPES = [...CLUSTER_TYPES, ...Object.keys(CLUSTER_TYPE_ALIASES)] as readonly string[];

/** `CLUSTER_TYPE_HYBRID` → `CLUSTER_TYPE_CONTROL_PLANE`; published names pass through. */
export const canonicalClusterType = (value: string): ClusterType => CLUSTER_TYPE_ALIASES[value] ?? (value as ClusterType);

export const AUTH_TYPES = ['pinned_client_certs', 'pki_client_certs'] as const;

// Label keys may not use these prefixes (spec #Labels description).
export const RESERVED_LABEL_PREFIXES = ['kong', 'konnect', 'mesh', 'kic', '_'] as const;

// The spec's value pattern, minus escapes that a unicode-mode RegExp refuses (`\_`): same language.
export const labelsSchema = Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z]+)?$' }));

export const proxyUrlSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 120 }),
    port: Type.Integer({ minimum: 1 }),
    protocol: Type.String({ minLength: 1, maxLength: 32 }),
  },
  { additionalProperties: false },
);
export const proxyUrlsSchema = Type.Array(proxyUrlSchema, { maxItems: 5 });

const nameField = Type.String({ minLength: 2, maxLength: 256 });
const descriptionField = Type.String({ maxLength: 2048 });

export const createControlPlaneSchema = Type.Object(
  {
    name: nameField,
    description: Type.Optional(descriptionField),
    cluster_type: Type.Optional(StringEnum(ACCEPTED_CLUSTER_TYPES)),
    auth_type: Type.Optional(StringEnum(AUTH_TYPES)),
    cloud_gateway: Type.Optional(Type.Boolean()),
    proxy_urls: Type.Optional(proxyUrlsSchema),
    labels: Type.Optional(labelsSchema),
  },
  { additionalProperties: false },
);
export type CreateControlPlane = Static<typeof createControlPlaneSchema>;

// cluster_type and cloud_gateway are fixed at creation (spec #UpdateControlPlaneRequest).
export const updateControlPlaneSchema = Type.Object(
  {
    name: Type.Optional(nameField),
    description: Type.Optional(descriptionField),
    auth_type: Type.Optional(StringEnum(AUTH_TYPES)),
    proxy_urls: Type.Optional(proxyUrlsSchema),
    labels: Type.Optional(labelsSchema),
  },
  { additionalProperties: false },
);
export type UpdateControlPlane = Static<typeof updateControlPlaneSchema>;

export const controlPlaneSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    description: Type.String(),
    labels: labelsSchema,
    config: Type.Object(
      {
        control_plane_endpoint: Type.String(),
        telemetry_endpoint: Type.String(),
        cluster_type: StringEnum(CLUSTER_TYPES),
        auth_type: StringEnum(AUTH_TYPES),
        cloud_gateway: Type.Boolean(),
        proxy_urls: proxyUrlsSchema,
      },
      { additionalProperties: false },
    ),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type ControlPlane = Static<typeof controlPlaneSchema>;

/** Konnect-native page-number paging metadata (spec #PaginatedMeta). */
export const pageMetaSchema = Type.Object({
  page: Type.Object({ number: Type.Integer(), size: Type.Integer(), total: Type.Integer() }),
});

export const controlPlaneListSchema = Type.Object({ meta: pageMetaSchema, data: Type.Array(controlPlaneSchema) }, { additionalProperties: false });

export const controlPlaneParamsSchema = Type.Object({ controlPlaneId: Type.String() });
