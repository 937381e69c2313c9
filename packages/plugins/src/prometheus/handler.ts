import type { Route } from '@gatehouse/schema';
import { definePlugin } from '../kit.ts';
import { prometheusSchema, type PrometheusConfig } from './schema.ts';
import { METRICS, escapeLabel } from './registry.ts';

// Kong's prometheus (kong/plugins/prometheus/handler.lua, exporter.lua; reference §5.18): the log
// phase counts the request into the process's registry; the data plane's status listener serves
// `/metrics`. Requests without a service are not counted, as in Kong.

interface RouteLabels {
  /** `service="...",route="..."` */
  serviceRoute: string;
  /** `,workspace="..."` */
  workspace: string;
  /** `service="...",route="...",workspace="..."`: the latency histograms' labels. */
  latency: string;
}

// Escaped once per route entity (a snapshot's routes are immutable and live as long as it).
const ROUTE_LABELS = new WeakMap<Route, RouteLabels>();

function routeLabels(route: Route, serviceName: string, workspace: string): RouteLabels {
  let labels = ROUTE_LABELS.get(route);
  if (labels === undefined) {
    const serviceRoute = `service="${escapeLabel(serviceName)}",route="${escapeLabel(route.name ?? route.id)}"`;
    const ws = `,workspace="${escapeLabel(workspace)}"`;
    labels = { serviceRoute, workspace: ws, latency: serviceRoute + ws };
    ROUTE_LABELS.set(route, labels);
  }
  return labels;
}

export default definePlugin({
  name: 'prometheus',
  priority: 13,
  schema: prometheusSchema,
  compile: (config): PrometheusConfig => {
    // Kong: on once any instance asks, until the node reloads.
    if (config.upstream_health_metrics) METRICS.isUpstreamHealthExported = true;
    return config;
  },
  log(ctx, config) {
    const facts = ctx.logFacts!;
    const service = facts.service;
    if (service === null || facts.route === null) return;
    const labels = routeLabels(facts.route, service.name ?? service.host, facts.workspace);
    const consumer = config.per_consumer && ctx.consumer !== null ? escapeLabel(ctx.consumer.username ?? '') : '';
    if (config.status_code_metrics) {
      const source = facts.source === 'upstream' ? 'service' : 'kong';
      METRICS.requests.inc(`${labels.serviceRoute},code="${ctx.status}",source="${source}"${labels.workspace},consumer="${consumer}"`);
    }
    if (config.latency_metrics) {
      if (facts.requestLatencyMs >= 0) METRICS.requestLatency.observe(labels.latency, facts.requestLatencyMs);
      if (facts.upstreamLatencyMs >= 0) METRICS.upstreamLatency.observe(labels.latency, facts.upstreamLatencyMs);
      if (facts.kongLatencyMs >= 0) METRICS.kongLatency.observe(labels.latency, facts.kongLatencyMs);
    }
    if (config.bandwidth_metrics) {
      if (facts.requestSize > 0) METRICS.bandwidth.inc(`${labels.serviceRoute},direction="ingress"${labels.workspace},consumer="${consumer}"`, facts.requestSize);
      if (ctx.responseSize > 0) METRICS.bandwidth.inc(`${labels.serviceRoute},direction="egress"${labels.workspace},consumer="${consumer}"`, ctx.responseSize);
    }
  },
});
