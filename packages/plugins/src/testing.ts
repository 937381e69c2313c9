import { validatePluginConfig } from './schemas.ts';
import { PluginContext, type AnyPlugin, type Headers, type PluginContextInit, type PluginResponse } from './kit.ts';
import { PLUGIN_ERRORS, PluginError } from './errors.ts';

export interface RunPluginRequest extends Partial<Omit<PluginContextInit, 'headers'>> {
  headers?: Headers;
  /** The body as a string or Buffer; buffered into `ctx.body` if the plugin declares `needsBody`. */
  body?: Buffer | null;
  /** The upstream's response: when given, `headerFilter` (and `bodyFilter` if it asks for the body) run on it. */
  response?: { status?: number; headers?: Headers; body?: Buffer | string };
}

export interface RunPluginResult {
  ctx: PluginContext;
  /** The response the plugin answered with, or null if the request would go upstream. */
  response: PluginResponse | null;
  /** With `request.response`: the response body after `bodyFilter` (the body unchanged if it did not run). */
  responseBody: Buffer | null;
}

/**
 * Drives a plugin's `access` phase with no sockets: validates and compiles `config` (with defaults),
 * builds a context from `request` and returns what the upstream would receive.
 * @example
 * const { ctx } = await runPlugin(handler, { add: { headers: ['x-a:1'] } }, { headers: {} });
 * assert.equal(ctx.headers['x-a'], '1');
 */
export async function runPlugin(plugin: AnyPlugin, config: unknown, request: RunPluginRequest = {}): Promise<RunPluginResult> {
  const valid = validatePluginConfig(plugin.name, config);
  if (!valid.ok) throw new PluginError(PLUGIN_ERRORS.CONFIG_INVALID, `invalid ${plugin.name} config: ${valid.errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`);
  const state = plugin.compile ? plugin.compile(valid.value, { gatewayId: 'test' }) : valid.value;
  const rawPath = request.rawPath ?? request.path ?? '/';
  const ctx = new PluginContext({
    requestId: request.requestId ?? '0123456789abcdef0123456789abcdef',
    clientIp: request.clientIp ?? '127.0.0.1',
    scheme: request.scheme ?? 'http',
    host: request.host ?? 'example.test',
    method: request.method ?? 'GET',
    rawPath,
    path: request.path ?? rawPath,
    query: request.query ?? null,
    headers: { ...request.headers },
    routeId: request.routeId ?? null,
    serviceId: request.serviceId ?? null,
    uriCaptures: request.uriCaptures ?? null,
    body: plugin.needsBody?.(valid.value) ? (request.body ?? Buffer.alloc(0)) : null,
  });
  const response = plugin.access ? ((await plugin.access(ctx, state)) ?? null) : null;
  const upstream = request.response;
  if (upstream === undefined) return { ctx, response, responseBody: null };
  ctx.status = upstream.status ?? 200;
  ctx.responseHeaders = { ...upstream.headers };
  let responseBody = typeof upstream.body === 'string' ? Buffer.from(upstream.body) : (upstream.body ?? Buffer.alloc(0));
  plugin.headerFilter?.(ctx, state);
  if (ctx.isResponseBuffered && plugin.bodyFilter) responseBody = plugin.bodyFilter(ctx, state, responseBody);
  return { ctx, response, responseBody };
}
