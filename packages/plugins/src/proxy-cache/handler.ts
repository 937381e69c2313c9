import { definePlugin, parseQuery, type Headers, type PluginContext } from '../kit.ts';
import { cacheKey, MemoryStore, type CacheControl, mimeMatches, parseCacheControl, parseMime, resourceTtl, type MimeType } from './cache.ts';
import { proxyCacheSchema, type ProxyCacheConfig } from './schema.ts';

// Kong's proxy-cache with the memory strategy (kong/plugins/proxy-cache/handler.lua; reference §5.15).
// access: Bypass (not cacheable), Hit (answered from the store), or Miss/Refresh (proxied, and
// stored by header_filter + body_filter when the response is cacheable).

interface State {
  methods: Set<string>;
  codes: Set<number>;
  types: MimeType[];
  cacheTtl: number;
  storageTtl: number | null;
  isCacheControl: boolean;
  isIgnoreCase: boolean;
  varyQuery: string[] | null;
  varyHeaders: string[] | null;
  isAgeHeader: boolean;
  isStatusHeader: boolean;
  isKeyHeader: boolean;
  store: MemoryStore;
}

/** What access tells header_filter/body_filter (Kong's kong.ctx.plugin.proxy_cache). */
interface Pending {
  key: string;
  /** 'Miss', 'Refresh' or 'Hit'; 'Bypass' once the response turns out not cacheable. */
  status: string;
  ttl: number;
  headers: Headers | null;
}

const NAME = 'proxy-cache';
// Not stored: recomputed per response, or Gatehouse's per-request headers.
const UNSTORED = new Set(['content-length', 'x-cache-status', 'x-cache-key', 'age', 'via', 'x-kong-upstream-latency', 'x-kong-proxy-latency', 'x-kong-response-latency', 'x-kong-request-id']);

function compile(config: ProxyCacheConfig): State {
  return {
    methods: new Set(config.request_method),
    codes: new Set(config.response_code),
    types: config.content_type.map(parseMime).filter((m): m is MimeType => m !== null),
    cacheTtl: config.cache_ttl,
    storageTtl: config.storage_ttl ?? null,
    isCacheControl: config.cache_control,
    isIgnoreCase: config.ignore_uri_case,
    varyQuery: config.vary_query_params === undefined ? null : [...config.vary_query_params].sort(),
    varyHeaders: config.vary_headers === undefined ? null : config.vary_headers.map((h) => h.toLowerCase()).sort(),
    isAgeHeader: config.response_headers.age,
    isStatusHeader: config.response_headers['X-Cache-Status'],
    isKeyHeader: config.response_headers['X-Cache-Key'],
    store: new MemoryStore(),
  };
}

const pendingOf = (ctx: PluginContext): Pending | undefined => ctx.pluginData?.[NAME] as Pending | undefined;

function remember(ctx: PluginContext, pending: Pending): void {
  if (ctx.pluginData === null) ctx.pluginData = {};
  ctx.pluginData[NAME] = pending;
}

function bypass(ctx: PluginContext, s: State): void {
  if (s.isStatusHeader) ctx.setResponseHeader('X-Cache-Status', 'Bypass');
}

function isCacheableResponse(ctx: PluginContext, s: State, headers: Headers): number | null {
  if (!s.codes.has(ctx.status)) return null;
  const type = headers['content-type'];
  const mime = typeof type === 'string' && type !== '' ? parseMime(type) : null;
  if (mime === null || !s.types.some((t) => mimeMatches(t, mime))) return null;
  if (!s.isCacheControl) return s.cacheTtl;
  const cc = parseCacheControl(headers['cache-control']);
  if (cc.has('private') || cc.has('no-store') || cc.has('no-cache')) return null;
  const ttl = resourceTtl(cc, headers['expires']);
  return ttl > 0 ? ttl : null;
}

/** Kong: the request's max-age/max-stale/min-fresh with cache_control, else the age past cache_ttl. */
function isStale(cc: CacheControl | null, age: number, ttl: number, cacheTtl: number): boolean {
  if (cc === null) return age > cacheTtl;
  const maxAge = cc.get('max-age');
  const maxStale = cc.get('max-stale');
  const minFresh = cc.get('min-fresh');
  return (typeof maxAge === 'number' && age > maxAge) || (typeof maxStale === 'number' && age - ttl > maxStale) || (typeof minFresh === 'number' && ttl - age < minFresh);
}

export default definePlugin({
  name: NAME,
  priority: 100,
  schema: proxyCacheSchema,
  compile,
  access(ctx, s) {
    const cc = s.isCacheControl ? parseCacheControl(ctx.requestHeaders['cache-control']) : null;
    if (!s.methods.has(ctx.method) || (cc !== null && (cc.has('no-store') || cc.has('no-cache') || ctx.requestHeaders['authorization'] !== undefined))) return bypass(ctx, s);
    const path = s.isIgnoreCase ? ctx.path.toLowerCase() : ctx.path;
    const prefix = ctx.consumer !== null && ctx.routeId !== null ? `${ctx.consumer.id}:${ctx.routeId}` : (ctx.routeId ?? 'default');
    const key = cacheKey(prefix, ctx.method, path, parseQuery(ctx.query), s.varyQuery, ctx.requestHeaders, s.varyHeaders);
    if (s.isKeyHeader) ctx.setResponseHeader('X-Cache-Key', key);
    const now = Date.now();
    const entry = s.store.get(key, now);
    if (entry === null) {
      // RFC 9111 §5.2.1.7: only-if-cached and nothing cached.
      if (cc?.has('only-if-cached')) return ctx.respond(504);
      remember(ctx, { key, status: 'Miss', ttl: 0, headers: null });
      return;
    }
    const age = (now - entry.storedAt) / 1000;
    if (isStale(cc, age, entry.ttl, s.cacheTtl)) {
      remember(ctx, { key, status: 'Refresh', ttl: 0, headers: null });
      return;
    }
    remember(ctx, { key, status: 'Hit', ttl: entry.ttl, headers: null });
    const headers: Record<string, string> = {};
    for (const name of Object.keys(entry.headers)) headers[name] = entry.headers[name] as string;
    if (s.isAgeHeader) headers['age'] = String(Math.floor(age));
    return ctx.respond(entry.status, entry.body, headers);
  },
  headerFilter(ctx, s) {
    const pending = pendingOf(ctx);
    const headers = ctx.responseHeaders!;
    if (pending === undefined) return;
    if (pending.status === 'Hit') {
      if (s.isStatusHeader) headers['x-cache-status'] = 'Hit';
      return;
    }
    const ttl = ctx.exit === null ? isCacheableResponse(ctx, s, headers) : null;
    if (ttl === null) {
      pending.status = 'Bypass';
      if (s.isStatusHeader) headers['x-cache-status'] = 'Bypass';
      return;
    }
    if (s.isStatusHeader) headers['x-cache-status'] = pending.status;
    const stored: Headers = {};
    for (const name of Object.keys(headers)) if (!UNSTORED.has(name.toLowerCase())) stored[name] = headers[name];
    pending.ttl = ttl;
    pending.headers = stored;
    ctx.isResponseBuffered = true;
  },
  bodyFilter(ctx, s, body) {
    const pending = pendingOf(ctx);
    if (pending === undefined || pending.headers === null) return body;
    const now = Date.now();
    s.store.set(pending.key, { status: ctx.status, headers: pending.headers, body, storedAt: now, ttl: pending.ttl, expiresAt: now + (s.storageTtl ?? pending.ttl) * 1000 });
    return body;
  },
});
