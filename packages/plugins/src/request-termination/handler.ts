import { definePlugin, parseQuery, type PluginContext } from '../kit.ts';
import { requestTerminationSchema, type RequestTerminationConfig } from './schema.ts';

// Kong's request-termination (kong/plugins/request-termination/handler.lua; reference §5.13):
// answers every request (or those carrying `trigger`) without reaching the upstream.

// kong/plugins/request-termination/handler.lua DEFAULT_RESPONSE.
const DEFAULT_MESSAGES: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
};

interface State {
  status: number;
  /** The default body, built once; null sends no body. */
  messageBody: { message: string } | null;
  body: string | null;
  headers: Record<string, string> | null;
  isEcho: boolean;
  /** Lower-cased trigger header name, and the trigger as a query argument name. */
  triggerHeader: string | null;
  triggerArg: string | null;
}

function compile(config: RequestTerminationConfig): State {
  const message = config.message ?? DEFAULT_MESSAGES[config.status_code];
  return {
    status: config.status_code,
    messageBody: message === undefined ? null : { message },
    body: config.body ?? null,
    headers: config.body !== undefined && config.content_type !== undefined ? { 'Content-Type': config.content_type } : null,
    isEcho: config.echo,
    triggerHeader: config.trigger?.toLowerCase() ?? null,
    triggerArg: config.trigger ?? null,
  };
}

function parseBody(ctx: PluginContext): unknown {
  const raw = ctx.body;
  if (raw === null || raw.length === 0) return null;
  const type = String(ctx.requestHeaders['content-type'] ?? '').toLowerCase();
  if (type.includes('json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return null;
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return parseQuery(raw.toString('utf8'));
  return null;
}

function echo(ctx: PluginContext, state: State): unknown {
  const hostHeader = String(ctx.requestHeaders['host'] ?? '');
  const colon = hostHeader.lastIndexOf(':');
  const port = colon !== -1 && !hostHeader.endsWith(']') ? Number(hostHeader.slice(colon + 1)) : ctx.scheme === 'https' ? 443 : 80;
  return {
    message: state.messageBody?.message,
    kong: { node_id: null, worker_pid: process.pid, hostname: null },
    request: {
      scheme: ctx.scheme,
      host: ctx.host,
      port,
      headers: ctx.requestHeaders,
      query: parseQuery(ctx.query),
      body: parseBody(ctx),
      raw_body: ctx.body?.toString('utf8') ?? '',
      method: ctx.method,
      path: ctx.rawPath,
      uri_captures: ctx.uriCaptures ?? {},
    },
    matched_route: ctx.routeId === null ? null : { id: ctx.routeId },
    matched_service: ctx.serviceId === null ? null : { id: ctx.serviceId },
  };
}

export default definePlugin({
  name: 'request-termination',
  priority: 2,
  schema: requestTerminationSchema,
  compile,
  needsBody: (config) => config.echo,
  access(ctx, state) {
    if (state.triggerHeader !== null && ctx.requestHeaders[state.triggerHeader] === undefined && parseQuery(ctx.query)[state.triggerArg!] === undefined) return;
    if (state.isEcho) return ctx.respond(state.status, echo(ctx, state));
    if (state.body !== null) return ctx.respond(state.status, state.body, state.headers);
    return ctx.respond(state.status, state.messageBody);
  },
});
