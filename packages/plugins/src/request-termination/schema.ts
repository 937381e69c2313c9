import { Type, type FieldError, type Static } from '@gatehouse/schema';

// Kong's request-termination config (kong/plugins/request-termination/schema.lua;
// specs/kong-plugins/3.15/RequestTermination.json).

/** Config of the request-termination plugin, with Kong's defaults. */
export const requestTerminationSchema = Type.Object(
  {
    status_code: Type.Integer({ minimum: 100, maximum: 599, default: 503, description: 'Status of the answer.' }),
    message: Type.Optional(Type.String({ description: 'Message of the default `{"message": ...}` body.' })),
    body: Type.Optional(Type.String({ description: 'Raw body to send instead of the message.' })),
    content_type: Type.Optional(Type.String({ description: 'Content-Type of the raw `body`.' })),
    echo: Type.Boolean({ default: false, description: 'Answer with a copy of the request (for debugging).' }),
    // typedefs.header_name.
    trigger: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$', description: 'Act only when this header or query argument is present.' })),
  },
  { additionalProperties: false, default: {} },
);
export type RequestTerminationConfig = Static<typeof requestTerminationSchema>;

/** Kong's entity checks: message excludes body and content_type; content_type needs body; echo excludes body. */
export function refineRequestTermination(config: RequestTerminationConfig): FieldError[] {
  const errors: FieldError[] = [];
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(config.message) && has(config.body)) errors.push({ field: 'message', rule: 'mutually_exclusive', reason: "only one of these fields can be set: 'config.message', 'config.body'" });
  if (has(config.message) && has(config.content_type)) errors.push({ field: 'content_type', rule: 'mutually_exclusive', reason: "only one of these fields can be set: 'config.message', 'config.content_type'" });
  if (has(config.content_type) && !has(config.body)) errors.push({ field: 'body', rule: 'required', reason: "'config.body' is required when 'config.content_type' is set" });
  if (config.echo && has(config.body)) errors.push({ field: 'body', rule: 'mutually_exclusive', reason: "only one of these fields can be set: 'config.echo', 'config.body'" });
  return errors;
}
