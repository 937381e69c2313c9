import { StringEnum, Type, type FieldError, type Static } from '@gatehouse/schema';
import { parseCustomFields } from './custom-fields.ts';

// Kong's http-log config (kong/plugins/http-log/schema.lua; specs/kong-plugins/3.15/HttpLog.json),
// and the `queue` record its queued plugins share (kong/tools/queue_schema.lua).

/**
 * Kong's `queue` record; only `max_batch_size`'s default differs between plugins.
 * @example kongQueueSchema(200) // opentelemetry's
 */
export function kongQueueSchema(defaultBatchSize: number) {
  return Type.Object(
    {
      max_batch_size: Type.Integer({ minimum: 1, maximum: 1000000, default: defaultBatchSize, description: 'Maximum number of entries that can be processed at a time.' }),
      max_coalescing_delay: Type.Number({ minimum: 0, maximum: 3600, default: 1, description: 'Seconds after the first entry of a batch before the batch is sent anyway.' }),
      max_entries: Type.Integer({ minimum: 1, maximum: 1000000, default: 10000, description: 'Maximum number of entries waiting; the oldest is dropped past it.' }),
      max_bytes: Type.Optional(Type.Integer({ description: 'Maximum number of bytes that can be waiting on a queue, requires string content.' })),
      max_retry_time: Type.Number({ default: 60, description: 'Seconds before the queue gives up on a failing batch.' }),
      initial_retry_delay: Type.Number({ minimum: 0.001, maximum: 1000000, default: 0.01, description: 'Seconds before the first retry of a failing batch.' }),
      max_retry_delay: Type.Number({ minimum: 0.001, maximum: 1000000, default: 60, description: 'Maximum seconds between retries (caps the exponential backoff).' }),
      concurrency_limit: Type.Union([Type.Literal(-1), Type.Literal(1)], { default: 1, description: 'Batches sent at once: 1, or -1 for unlimited.' }),
    },
    { additionalProperties: false, default: {} },
  );
}

/** Config of the http-log plugin, with Kong's defaults. */
export const httpLogSchema = Type.Object(
  {
    http_endpoint: Type.String({ description: 'Where log entries are sent (http or https URL; userinfo becomes Basic auth).' }),
    method: StringEnum(['POST', 'PUT', 'PATCH'] as const, { default: 'POST', description: 'Method of the log request.' }),
    content_type: StringEnum(['application/json', 'application/json; charset=utf-8'] as const, { default: 'application/json', description: 'Content-Type of the log request.' }),
    timeout: Type.Number({ default: 10000, description: 'Milliseconds before a log request is abandoned.' }),
    keepalive: Type.Number({ default: 60000, description: 'Milliseconds an idle connection to the log server lives.' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Headers added to the log request.' })),
    ssl_verify: Type.Boolean({ default: true, description: 'Verify the log server certificate over https.' }),
    client_certificate: Type.Optional(Type.Object({ id: Type.String() }, { description: 'mTLS client certificate (not supported by Gatehouse).' })),
    queue: kongQueueSchema(1),
    custom_fields_by_lua: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Fields to set in each entry: only `return <literal>` (Gatehouse runs no Lua).' })),
    retry_count: Type.Optional(Type.Integer({ description: 'Deprecated (Kong 3.3; removal in 4.0) and ignored: use queue.max_retry_time.' })),
    queue_size: Type.Optional(Type.Integer({ description: 'Deprecated (Kong 3.3; removal in 4.0): use queue.max_batch_size.' })),
    flush_timeout: Type.Optional(Type.Number({ description: 'Deprecated (Kong 3.3; removal in 4.0): use queue.max_coalescing_delay.' })),
  },
  { additionalProperties: false, required: ['http_endpoint'] },
);
export type HttpLogConfig = Static<typeof httpLogSchema>;

// Kong's http-log schema: these headers are set by the plugin itself.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type']);

/** Whether `value` is an absolute http(s) URL with a host. */
export function isHttpUrl(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/** Kong's checks on headers, plus what Gatehouse cannot do (Lua, client certificates). */
export function refineHttpLog(config: HttpLogConfig): FieldError[] {
  const errors: FieldError[] = [];
  if (!isHttpUrl(config.http_endpoint)) errors.push({ field: 'http_endpoint', rule: 'invalid', reason: `'${config.http_endpoint}' is not a valid http or https URL` });
  for (const name of Object.keys(config.headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) errors.push({ field: `headers.${name}`, rule: 'invalid', reason: `cannot contain '${name}' header` });
  }
  if (config.client_certificate !== undefined) {
    errors.push({ field: 'client_certificate', rule: 'invalid', reason: 'client certificates for the log server are not supported by Gatehouse yet' });
  }
  if (config.custom_fields_by_lua !== undefined) errors.push(...parseCustomFields(config.custom_fields_by_lua).errors);
  return errors;
}
