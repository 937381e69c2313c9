import { parseQuery, type Headers, type PluginContext } from '../kit.ts';

// Kong's log serializer (kong/pdk/log.lua `serialize`): the entry http-log sends. Built in the log
// phase, after the response. Differences: `request.tls` is absent, `response.size` counts body bytes
// (nginx's bytes_sent adds the header bytes), and `tries` carry the service's host and port.

/** A log entry in Kong's shape. */
export type LogEntry = Record<string, unknown>;

const REDACTED_HEADERS = ['authorization', 'proxy-authorization'];

/**
 * Serializes a finished request like `kong.log.serialize()`; needs `ctx.logFacts`.
 * @example serializeLog(ctx).latencies // { kong: 1, proxy: 3, request: 5, receive: 0 }
 */
export function serializeLog(ctx: PluginContext): LogEntry {
  const facts = ctx.logFacts!;
  const headers: Headers = { ...ctx.requestHeaders };
  for (const name of REDACTED_HEADERS) if (headers[name] !== undefined) headers[name] = 'REDACTED';
  const uri = facts.requestUri;
  const q = uri.indexOf('?');
  const service = facts.service;
  const entry: LogEntry = {
    request: {
      id: ctx.requestId,
      uri,
      url: `${ctx.scheme}://${ctx.host}:${facts.serverPort}${uri}`,
      querystring: q === -1 ? {} : parseQuery(uri.slice(q + 1)),
      method: ctx.method,
      headers,
      size: facts.requestSize,
    },
    upstream_uri: facts.upstreamUri,
    response: { status: ctx.status, headers: ctx.responseHeaders ?? {}, size: ctx.responseSize },
    tries: service === null ? [] : Array.from({ length: facts.tries }, () => ({ ip: service.host, port: service.port })),
    latencies: { kong: facts.kongLatencyMs, proxy: facts.upstreamLatencyMs, request: facts.requestLatencyMs, receive: 0 },
    client_ip: ctx.clientIp,
    started_at: facts.startedAt,
    source: facts.source,
    workspace: facts.workspace,
    workspace_name: 'default',
  };
  if (facts.source === 'upstream') entry.upstream_status = String(ctx.status);
  if (ctx.credential !== null) entry.authenticated_entity = { id: ctx.credential.id, consumer_id: ctx.credential.consumerId };
  if (facts.route !== null) entry.route = facts.route;
  if (service !== null) entry.service = service;
  if (ctx.consumer !== null) entry.consumer = ctx.consumer;
  return entry;
}
