import { StringEnum, Type, type Static } from '@gatehouse/schema';

// Kong's request-size-limiting config (kong/plugins/request-size-limiting/schema.lua;
// specs/kong-plugins/3.15/RequestSizeLimiting.json).

export const SIZE_UNITS = ['megabytes', 'kilobytes', 'bytes'] as const;

/** Config of the request-size-limiting plugin, with Kong's defaults. */
export const requestSizeLimitingSchema = Type.Object(
  {
    allowed_payload_size: Type.Integer({ default: 128, description: 'Largest allowed request body, in `size_unit`.' }),
    size_unit: StringEnum(SIZE_UNITS, { default: 'megabytes', description: 'Unit of `allowed_payload_size` (1 megabyte = 1048576 bytes).' }),
    require_content_length: Type.Boolean({ default: false, description: 'Refuse requests without a valid Content-Length (411).' }),
  },
  { additionalProperties: false, default: {} },
);
export type RequestSizeLimitingConfig = Static<typeof requestSizeLimitingSchema>;
