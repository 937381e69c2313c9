import { Type, type Static } from '@gatehouse/schema';

// Kong's prometheus config (kong/plugins/prometheus/schema.lua; specs/kong-plugins/3.15/Prometheus.json).

/** Config of the prometheus plugin, with Kong's defaults (every metric group off). */
export const prometheusSchema = Type.Object(
  {
    per_consumer: Type.Boolean({ default: false, description: 'Fill the consumer label of kong_http_requests_total and kong_bandwidth_bytes.' }),
    status_code_metrics: Type.Boolean({ default: false, description: 'Export kong_http_requests_total.' }),
    latency_metrics: Type.Boolean({ default: false, description: 'Export kong_kong_latency_ms, kong_upstream_latency_ms and kong_request_latency_ms.' }),
    bandwidth_metrics: Type.Boolean({ default: false, description: 'Export kong_bandwidth_bytes.' }),
    upstream_health_metrics: Type.Boolean({ default: false, description: 'Export kong_upstream_target_health.' }),
    ai_metrics: Type.Boolean({ default: false, description: 'AI metrics (no AI plugins in Gatehouse: nothing to export).' }),
    wasm_metrics: Type.Optional(Type.Boolean({ description: 'Wasm filter metrics (no Wasm in Gatehouse: nothing to export).' })),
  },
  { additionalProperties: false, default: {} },
);
export type PrometheusConfig = Static<typeof prometheusSchema>;
