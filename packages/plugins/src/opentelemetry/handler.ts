import { randomBytes } from 'node:crypto';
import { definePlugin, type PluginContext } from '../kit.ts';
import { logTarget, postJson } from '../http-log/handler.ts';
import { sharedQueue, type LogQueue } from '../http-log/queue.ts';
import { opentelemetrySchema, type OpentelemetryConfig } from './schema.ts';
import { exportRequest, SPAN_KIND, type Span } from './otlp.ts';

// Kong's opentelemetry (kong/plugins/opentelemetry/handler.lua; kong/tracing/propagation): reads a
// W3C `traceparent`, sends the upstream one naming the balancer span, and exports the request's spans
// over OTLP/HTTP JSON through the plugin queue. Spans: the root `kong` span (SERVER), then one per
// phase the data plane times: `kong.access` (rewrite, router and access plugins), `kong.balancer`
// (CLIENT, the upstream call) and `kong.response` (header/body filters and sending). Per-plugin
// spans need timings from the pipeline runner: not yet.

const NAME = 'opentelemetry';
// W3C Trace Context §3.2: version-traceid-parentid-flags, lower-case hex, ids not all zero.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

interface State {
  queue: LogQueue<Span>;
  isExtracting: boolean;
  isInjecting: boolean;
  clear: string[];
  samplingRate: number;
  isParentSampledKept: boolean;
  traceIdHeader: string | null;
}

/** A request's trace, kept in `ctx.pluginData.opentelemetry` from rewrite/access to log. */
interface Trace {
  traceId: string;
  rootSpanId: string;
  parentSpanId: string;
  balancerSpanId: string;
  isSampled: boolean;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function startTrace(ctx: PluginContext, state: State): Trace {
  const existing = ctx.pluginData?.[NAME] as Trace | undefined;
  if (existing !== undefined) return existing;
  let parent: RegExpExecArray | null = null;
  if (state.isExtracting) {
    const header = ctx.requestHeaders.traceparent;
    parent = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
    if (parent !== null && (parent[1] === 'ff' || parent[2] === ZERO_TRACE || parent[3] === ZERO_SPAN)) parent = null;
  }
  const isParentSampled = parent !== null ? (parseInt(parent[4], 16) & 1) === 1 : null;
  // Both strategies follow a parent that says "not sampled"; parent_probability_fallback also
  // follows one that says "sampled"; otherwise the sampling rate decides.
  const isSampled = isParentSampled === false ? false : isParentSampled === true && state.isParentSampledKept ? true : Math.random() < state.samplingRate;
  const trace: Trace = { traceId: parent?.[2] ?? hex(16), rootSpanId: hex(8), parentSpanId: parent?.[3] ?? '', balancerSpanId: hex(8), isSampled };
  if (ctx.pluginData === null) ctx.pluginData = {};
  ctx.pluginData[NAME] = trace;
  for (const name of state.clear) delete ctx.headers[name];
  if (state.isInjecting) ctx.headers.traceparent = `00-${trace.traceId}-${trace.balancerSpanId}-${trace.isSampled ? '01' : '00'}`;
  return trace;
}

function begin(ctx: PluginContext, state: State): void {
  startTrace(ctx, state);
}

function spansOf(ctx: PluginContext, trace: Trace): Span[] {
  const f = ctx.logFacts!;
  const start = f.startedAt;
  const end = start + f.requestLatencyMs;
  const isError = ctx.status >= 500 ? 2 : 0;
  const root: Span = {
    traceId: trace.traceId,
    spanId: trace.rootSpanId,
    parentSpanId: trace.parentSpanId,
    name: 'kong',
    kind: SPAN_KIND.SERVER,
    startMs: start,
    endMs: end,
    statusCode: isError,
    attributes: {
      'http.method': ctx.method,
      'http.url': `${ctx.scheme}://${ctx.host}:${f.serverPort}${f.requestUri}`,
      'http.host': ctx.host,
      'http.scheme': ctx.scheme,
      'http.status_code': ctx.status,
      'net.peer.ip': ctx.clientIp,
      'kong.request.id': ctx.requestId,
    },
  };
  if (f.route !== null) root.attributes['kong.route.id'] = f.route.id;
  if (f.route?.name) root.attributes['kong.route.name'] = f.route.name;
  if (f.service !== null) root.attributes['kong.service.id'] = f.service.id;
  if (f.service?.name) root.attributes['kong.service.name'] = f.service.name;
  if (ctx.consumer !== null) root.attributes['kong.consumer.id'] = ctx.consumer.id;
  const child = (spanId: string, name: string, kind: number, s: number, e: number, attributes: Span['attributes']): Span => ({ traceId: trace.traceId, spanId, parentSpanId: trace.rootSpanId, name, kind, startMs: s, endMs: e, statusCode: 0, attributes });
  const accessEnd = start + f.kongLatencyMs;
  const spans = [root, child(hex(8), 'kong.access', SPAN_KIND.INTERNAL, start, accessEnd, {})];
  if (f.upstreamUri !== '' && f.service !== null) {
    const upstreamEnd = f.upstreamLatencyMs >= 0 ? accessEnd + f.upstreamLatencyMs : end;
    const balancer = child(trace.balancerSpanId, 'kong.balancer', SPAN_KIND.CLIENT, accessEnd, upstreamEnd, { 'net.peer.name': f.service.host, 'net.peer.port': f.service.port, 'http.target': f.upstreamUri, 'try_count': f.tries });
    if (f.source === 'upstream') balancer.attributes['http.status_code'] = ctx.status;
    else balancer.statusCode = 2;
    spans.push(balancer, child(hex(8), 'kong.response', SPAN_KIND.INTERNAL, upstreamEnd, end, {}));
  }
  return spans;
}

export default definePlugin({
  name: NAME,
  priority: 14,
  schema: opentelemetrySchema,
  compile: (config: OpentelemetryConfig, env): State => {
    const endpoint = config.traces_endpoint ?? config.endpoint!;
    const target = logTarget(endpoint, 'POST', { ...config.headers, 'content-type': 'application/json' }, config.connect_timeout + config.send_timeout + config.read_timeout, 60000, true);
    const resource: Record<string, string> = { 'service.name': 'kong', 'service.instance.id': env.gatewayId, ...config.resource_attributes };
    const queueSettings = { ...config.queue };
    if (config.batch_span_count !== undefined && queueSettings.max_batch_size === 200) queueSettings.max_batch_size = config.batch_span_count;
    if (config.batch_flush_delay !== undefined && queueSettings.max_coalescing_delay === 1) queueSettings.max_coalescing_delay = config.batch_flush_delay;
    const send = (spans: Span[]): Promise<void> => postJson(target, JSON.stringify(exportRequest(resource, spans)));
    const p = config.propagation;
    const isLegacy = p.extract === undefined && p.inject === undefined;
    return {
      queue: sharedQueue(`opentelemetry:${env.gatewayId}:${env.instance?.id ?? endpoint}`, queueSettings, send),
      isExtracting: isLegacy ? config.header_type !== 'ignore' : (p.extract?.includes('w3c') ?? false),
      isInjecting: isLegacy ? config.header_type !== 'ignore' : (p.inject?.length ?? 0) > 0,
      clear: (p.clear ?? []).map((h) => h.toLowerCase()),
      samplingRate: config.sampling_rate ?? 1,
      isParentSampledKept: config.sampling_strategy === 'parent_probability_fallback',
      traceIdHeader: config.http_response_header_for_traceid?.toLowerCase() ?? null,
    };
  },
  // Global instances start the trace before routing; route and service ones at access.
  rewrite: begin,
  access: begin,
  headerFilter(ctx, state) {
    if (state.traceIdHeader === null || ctx.responseHeaders === null) return;
    const trace = ctx.pluginData?.[NAME] as Trace | undefined;
    if (trace !== undefined) ctx.responseHeaders[state.traceIdHeader] = trace.traceId;
  },
  log(ctx, state) {
    // A request answered before this plugin's access (an auth 401) is traced from here.
    const trace = startTrace(ctx, state);
    if (!trace.isSampled) return;
    for (const span of spansOf(ctx, trace)) state.queue.add(span);
  },
});
