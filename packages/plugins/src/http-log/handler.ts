import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { definePlugin } from '../kit.ts';
import { httpLogSchema, type HttpLogConfig } from './schema.ts';
import { sharedQueue, type LogQueue, type QueueConfig } from './queue.ts';
import { serializeLog, type LogEntry } from './serializer.ts';
import { applyCustomFields, parseCustomFields, type CustomField } from './custom-fields.ts';

// Kong's http-log (kong/plugins/http-log/handler.lua; reference §5.17): the log phase serializes the
// request and adds it to the instance's queue; the queue posts batches (one object when
// max_batch_size is 1, else a JSON array) and retries non-2xx answers with backoff.

interface State {
  queue: LogQueue<LogEntry>;
  customFields: CustomField[];
}

/** Where and how log payloads are sent. */
export interface LogTarget {
  url: URL;
  options: RequestOptions;
  isHttps: boolean;
}

/**
 * Posts one payload; rejects on a network error, a timeout or a non-2xx answer (so the queue retries).
 * @example await postJson(target, '{"a":1}')
 */
export function postJson(target: LogTarget, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(payload);
    const send = target.isHttps ? httpsRequest : httpRequest;
    const req = send(target.url, { ...target.options, headers: { ...target.options.headers, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`request to ${target.url.host} returned status code ${status}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${target.url.host} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Request options for the log server: method, headers, Basic auth from userinfo, keep-alive agent.
 * @example logTarget('http://u:p@127.0.0.1:9/logs', 'POST', {}, 10000, 60000, true)
 */
export function logTarget(endpoint: string, method: string, headers: Record<string, string>, timeoutMs: number, keepaliveMs: number, isSslVerified: boolean): LogTarget {
  const url = new URL(endpoint);
  const isHttps = url.protocol === 'https:';
  const all: Record<string, string> = { ...headers };
  if (url.username !== '' || url.password !== '') {
    all.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  const agent = isHttps ? new HttpsAgent({ keepAlive: true, timeout: keepaliveMs, rejectUnauthorized: isSslVerified }) : new HttpAgent({ keepAlive: true, timeout: keepaliveMs });
  return { url, isHttps, options: { method, headers: all, timeout: timeoutMs, agent } };
}

/** The queue settings, with Kong's deprecated fields mapped onto them when the new ones are defaults. */
function queueConfig(config: HttpLogConfig): QueueConfig {
  const q = { ...config.queue };
  if (config.queue_size !== undefined && q.max_batch_size === 1) q.max_batch_size = config.queue_size;
  if (config.flush_timeout !== undefined && q.max_coalescing_delay === 1) q.max_coalescing_delay = config.flush_timeout;
  return q;
}

export default definePlugin({
  name: 'http-log',
  priority: 12,
  schema: httpLogSchema,
  compile: (config, env): State => {
    const target = logTarget(config.http_endpoint, config.method, { ...config.headers, 'content-type': config.content_type }, config.timeout, config.keepalive, config.ssl_verify);
    const queueSettings = queueConfig(config);
    const isSingle = queueSettings.max_batch_size === 1;
    const send = (batch: LogEntry[]): Promise<void> => postJson(target, JSON.stringify(isSingle ? batch[0] : batch));
    // One queue per plugin instance, kept across snapshot swaps (Kong: per plugin id).
    const queue = sharedQueue(`http-log:${env.gatewayId}:${env.instance?.id ?? config.http_endpoint}`, queueSettings, send);
    return { queue, customFields: config.custom_fields_by_lua === undefined ? [] : parseCustomFields(config.custom_fields_by_lua).fields };
  },
  log(ctx, state) {
    const entry = serializeLog(ctx);
    if (state.customFields.length > 0) applyCustomFields(entry, state.customFields);
    state.queue.add(entry);
  },
});
