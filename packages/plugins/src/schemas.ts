import { validate, type FieldError, type TSchema, type ValidationResult } from '@gatehouse/schema';
import { refineRequestTransformer, requestTransformerSchema } from './request-transformer/schema.ts';
import { corsSchema, refineCors } from './cors/schema.ts';
import { proxyCacheSchema } from './proxy-cache/schema.ts';
import { responseTransformerSchema } from './response-transformer/schema.ts';
import { ipRestrictionSchema, refineIpRestriction } from './ip-restriction/schema.ts';
import { requestSizeLimitingSchema } from './request-size-limiting/schema.ts';
import { correlationIdSchema } from './correlation-id/schema.ts';
import { botDetectionSchema, refineBotDetection } from './bot-detection/schema.ts';
import { refineRequestTermination, requestTerminationSchema } from './request-termination/schema.ts';
import { keyAuthSchema } from './key-auth/schema.ts';
import { basicAuthSchema } from './basic-auth/schema.ts';
import { aclConfigSchema, refineAcl } from './acl/schema.ts';
import { rateLimitingSchema, refineRateLimiting } from './rate-limiting/schema.ts';
import { httpLogSchema, refineHttpLog } from './http-log/schema.ts';
import { prometheusSchema } from './prometheus/schema.ts';
import { opentelemetrySchema, refineOpentelemetry } from './opentelemetry/schema.ts';
import { jwtSchema, refineJwt } from './jwt/schema.ts';
import { hmacAuthSchema } from './hmac-auth/schema.ts';
import { refineResponseRatelimiting, responseRatelimitingSchema } from './response-ratelimiting/schema.ts';

// Registry of plugin config schemas: what the control plane knows about plugins. Imports schema.ts
// files only, never handlers.

/** Config schema of every plugin Gatehouse ships, by plugin name. */
export const PLUGIN_SCHEMAS: Readonly<Record<string, TSchema>> = {
  'request-transformer': requestTransformerSchema,
  cors: corsSchema,
  'proxy-cache': proxyCacheSchema,
  'response-transformer': responseTransformerSchema,
  'ip-restriction': ipRestrictionSchema,
  'request-size-limiting': requestSizeLimitingSchema,
  'correlation-id': correlationIdSchema,
  'bot-detection': botDetectionSchema,
  'request-termination': requestTerminationSchema,
  'key-auth': keyAuthSchema,
  'basic-auth': basicAuthSchema,
  acl: aclConfigSchema,
  'rate-limiting': rateLimitingSchema,
  jwt: jwtSchema,
  'http-log': httpLogSchema,
  prometheus: prometheusSchema,
  opentelemetry: opentelemetrySchema,
  'hmac-auth': hmacAuthSchema,
  'response-ratelimiting': responseRatelimitingSchema,
};

/** Checks JSON Schema cannot express (template syntax, cross-field rules), by plugin name. */
export const PLUGIN_REFINEMENTS: Readonly<Record<string, (config: any) => FieldError[]>> = {
  'request-transformer': refineRequestTransformer,
  cors: refineCors,
  'ip-restriction': refineIpRestriction,
  'bot-detection': refineBotDetection,
  'request-termination': refineRequestTermination,
  acl: refineAcl,
  'rate-limiting': refineRateLimiting,
  jwt: refineJwt,
  'http-log': refineHttpLog,
  opentelemetry: refineOpentelemetry,
  'response-ratelimiting': refineResponseRatelimiting,
};

/** Whether Gatehouse knows a plugin of this name. */
export const isKnownPlugin = (name: string): boolean => Object.hasOwn(PLUGIN_SCHEMAS, name);

/**
 * Validates a plugin config against its schema and refinements, filling Kong's defaults.
 * Field paths are relative to `config`.
 * @example validatePluginConfig('request-transformer', { add: { headers: ['x:1'] } }) // { ok: true, value: { ... } }
 */
export function validatePluginConfig(name: string, config: unknown): ValidationResult<Record<string, unknown>> {
  const schema = PLUGIN_SCHEMAS[name];
  if (schema === undefined) return { ok: false, errors: [{ field: 'name', rule: 'invalid', reason: `plugin '${name}' not enabled; add it to the 'plugins' configuration property` }] };
  const result = validate(schema, config ?? {});
  if (!result.ok) return result;
  const refine = PLUGIN_REFINEMENTS[name];
  const errors = refine ? refine(result.value) : [];
  return errors.length === 0 ? (result as ValidationResult<Record<string, unknown>>) : { ok: false, errors };
}
