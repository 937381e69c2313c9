import { StringEnum, Type, type FieldError, type Static } from '@gatehouse/schema';
import { isHttpUrl, kongQueueSchema } from '../http-log/schema.ts';

// Kong's opentelemetry config (kong/plugins/opentelemetry/schema.lua;
// specs/kong-plugins/3.15/Opentelemetry.json). Gatehouse exports traces over OTLP/HTTP JSON; logs,
// metrics, Lua attributes and header formats other than W3C are refused at config time.

const EXTRACT_FORMATS = ['aws', 'b3', 'datadog', 'gcp', 'instana', 'jaeger', 'ot', 'w3c'] as const;
const INJECT_FORMATS = ['aws', 'b3', 'b3-single', 'datadog', 'gcp', 'instana', 'jaeger', 'ot', 'preserve', 'w3c'] as const;
const timeout = (def: number, description: string) => Type.Integer({ minimum: 0, maximum: 2147483646, default: def, description });

/** Config of the opentelemetry plugin, with Kong's defaults. */
export const opentelemetrySchema = Type.Object(
  {
    traces_endpoint: Type.Optional(Type.String({ description: 'OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces).' })),
    endpoint: Type.Optional(Type.String({ description: 'Deprecated (Kong 3.7; removal in 4.0): use traces_endpoint.' })),
    logs_endpoint: Type.Optional(Type.String({ description: 'OTLP/HTTP logs endpoint (not supported by Gatehouse yet).' })),
    access_logs: Type.Optional(
      Type.Object(
        { endpoint: Type.Optional(Type.String()), custom_attributes_by_lua: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))) },
        { additionalProperties: false, description: 'Access logs over OTLP (not supported by Gatehouse yet).' },
      ),
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          endpoint: Type.Optional(Type.String()),
          push_interval: Type.Number({ default: 60 }),
          enable_request_metrics: Type.Boolean({ default: false }),
          enable_latency_metrics: Type.Boolean({ default: false }),
          enable_bandwidth_metrics: Type.Boolean({ default: false }),
          enable_upstream_health_metrics: Type.Boolean({ default: false }),
          enable_consumer_attribute: Type.Boolean({ default: false }),
          enable_ai_metrics: Type.Boolean({ default: false }),
        },
        { additionalProperties: false, description: 'Metrics over OTLP (not supported by Gatehouse yet; use prometheus).' },
      ),
    ),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Headers added to requests to the collector (e.g. an API token).' })),
    resource_attributes: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Resource attributes of exported spans (static values).' })),
    queue: kongQueueSchema(200),
    batch_span_count: Type.Optional(Type.Integer({ description: 'Deprecated (Kong 3.3; removal in 4.0): use queue.max_batch_size.' })),
    batch_flush_delay: Type.Optional(Type.Integer({ description: 'Deprecated (Kong 3.3; removal in 4.0): use queue.max_coalescing_delay.' })),
    connect_timeout: timeout(1000, 'Milliseconds to connect to the collector.'),
    send_timeout: timeout(5000, 'Milliseconds to send a batch.'),
    read_timeout: timeout(5000, "Milliseconds to wait for the collector's answer."),
    http_response_header_for_traceid: Type.Optional(Type.String({ description: 'Response header carrying the trace id.' })),
    header_type: StringEnum(['aws', 'b3', 'b3-single', 'datadog', 'gcp', 'ignore', 'instana', 'jaeger', 'ot', 'preserve', 'w3c'] as const, { default: 'preserve', description: 'Deprecated: use propagation.' }),
    sampling_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Probability that a trace without a sampled parent is exported (default 1).' })),
    sampling_strategy: StringEnum(['parent_drop_probability_fallback', 'parent_probability_fallback'] as const, { default: 'parent_drop_probability_fallback' }),
    propagation: Type.Object(
      {
        extract: Type.Optional(Type.Array(StringEnum(EXTRACT_FORMATS), { description: 'Header formats trace context is read from.' })),
        inject: Type.Optional(Type.Array(StringEnum(INJECT_FORMATS), { description: 'Header formats trace context is sent upstream in.' })),
        clear: Type.Optional(Type.Array(Type.String(), { description: 'Headers removed after extraction.' })),
        default_format: StringEnum(['aws', 'b3', 'b3-single', 'datadog', 'gcp', 'instana', 'jaeger', 'ot', 'w3c'] as const, { default: 'w3c' }),
      },
      { additionalProperties: false, default: { default_format: 'w3c' } },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type OpentelemetryConfig = Static<typeof opentelemetrySchema>;

const W3C_ONLY = 'only the w3c (traceparent) header format is supported by Gatehouse';

/** Kong's checks, plus what Gatehouse does not export (logs, metrics) or run (Lua). */
export function refineOpentelemetry(config: OpentelemetryConfig): FieldError[] {
  const errors: FieldError[] = [];
  const endpoint = config.traces_endpoint ?? config.endpoint;
  if (endpoint === undefined) errors.push({ field: 'traces_endpoint', rule: 'required', reason: 'traces_endpoint is required (Gatehouse exports traces only)' });
  else if (!isHttpUrl(endpoint)) errors.push({ field: config.traces_endpoint === undefined ? 'endpoint' : 'traces_endpoint', rule: 'invalid', reason: `'${endpoint}' is not a valid http or https URL` });
  if (config.logs_endpoint !== undefined) errors.push({ field: 'logs_endpoint', rule: 'invalid', reason: 'exporting logs over OTLP is not supported by Gatehouse yet' });
  if (config.access_logs?.endpoint !== undefined || config.access_logs?.custom_attributes_by_lua !== undefined) errors.push({ field: 'access_logs', rule: 'invalid', reason: 'exporting access logs over OTLP is not supported by Gatehouse yet (use http-log)' });
  if (config.metrics?.endpoint !== undefined) errors.push({ field: 'metrics.endpoint', rule: 'invalid', reason: 'exporting metrics over OTLP is not supported by Gatehouse yet (use prometheus)' });
  for (const [key, value] of Object.entries(config.resource_attributes ?? {})) {
    if (value.includes('${')) errors.push({ field: `resource_attributes.${key}`, rule: 'invalid', reason: 'templated resource attributes are not supported by Gatehouse: use a static value' });
  }
  if (!['preserve', 'w3c', 'ignore'].includes(config.header_type)) errors.push({ field: 'header_type', rule: 'invalid', reason: W3C_ONLY });
  const p = config.propagation;
  if (p.extract?.some((f) => f !== 'w3c')) errors.push({ field: 'propagation.extract', rule: 'invalid', reason: W3C_ONLY });
  if (p.inject?.some((f) => f !== 'w3c' && f !== 'preserve')) errors.push({ field: 'propagation.inject', rule: 'invalid', reason: W3C_ONLY });
  if (p.default_format !== 'w3c') errors.push({ field: 'propagation.default_format', rule: 'invalid', reason: W3C_ONLY });
  return errors;
}
