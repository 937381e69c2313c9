import { StringEnum, Type, type Static } from '@gatehouse/schema';

// Kong's proxy-cache config (kong/plugins/proxy-cache/schema.lua; specs/kong-plugins/3.15/ProxyCache.json).
// Only the memory strategy exists, as in Kong OSS.

/** Config of the proxy-cache plugin, with Kong's defaults. */
export const proxyCacheSchema = Type.Object(
  {
    response_code: Type.Array(Type.Integer({ minimum: 100, maximum: 900 }), { minItems: 1, default: [200, 301, 404], description: 'Upstream statuses that may be cached.' }),
    request_method: Type.Array(StringEnum(['HEAD', 'GET', 'POST', 'PATCH', 'PUT'] as const), { default: ['GET', 'HEAD'], description: 'Request methods that may be cached.' }),
    content_type: Type.Array(Type.String(), { default: ['text/plain', 'application/json'], description: 'Response content types that may be cached (exact match; `*` wildcards).' }),
    cache_ttl: Type.Integer({ default: 300, description: 'Seconds a cached response stays fresh.' }),
    strategy: StringEnum(['memory'] as const, { description: 'Where cached responses are kept.' }),
    cache_control: Type.Boolean({ default: false, description: 'Follow Cache-Control (RFC 7234).' }),
    ignore_uri_case: Type.Boolean({ default: false }),
    storage_ttl: Type.Optional(Type.Integer({ description: 'Seconds to keep entries in storage, independent of freshness.' })),
    memory: Type.Object({ dictionary_name: Type.String({ default: 'kong_db_cache' }) }, { additionalProperties: false, default: {} }),
    vary_query_params: Type.Optional(Type.Array(Type.String(), { description: 'Query arguments in the cache key; all when unset.' })),
    vary_headers: Type.Optional(Type.Array(Type.String(), { description: 'Request headers in the cache key; none when unset.' })),
    response_headers: Type.Object(
      { age: Type.Boolean({ default: true }), 'X-Cache-Status': Type.Boolean({ default: true }), 'X-Cache-Key': Type.Boolean({ default: true }) },
      { additionalProperties: false, default: {}, description: 'Diagnostic headers added to responses.' },
    ),
  },
  { additionalProperties: false, required: ['strategy'] },
);
export type ProxyCacheConfig = Static<typeof proxyCacheSchema>;
