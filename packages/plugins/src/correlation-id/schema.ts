import { StringEnum, Type, type Static } from '@gatehouse/schema';

// Kong's correlation-id config (kong/plugins/correlation-id/schema.lua;
// specs/kong-plugins/3.15/CorrelationId.json).

/** Config of the correlation-id plugin, with Kong's defaults. */
export const correlationIdSchema = Type.Object(
  {
    header_name: Type.String({ default: 'Kong-Request-ID', description: 'Header carrying the correlation id.' }),
    generator: StringEnum(['uuid', 'uuid#counter', 'tracker'] as const, { default: 'uuid#counter', description: 'How ids are generated.' }),
    echo_downstream: Type.Boolean({ default: false, description: 'Send the id back to the client too.' }),
  },
  { additionalProperties: false, default: {} },
);
export type CorrelationIdConfig = Static<typeof correlationIdSchema>;
