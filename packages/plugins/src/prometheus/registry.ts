// The process's Prometheus metrics with Kong's names, labels and buckets
// (kong/plugins/prometheus/exporter.lua). The prometheus plugin feeds it in the log phase; the data
// plane's status listener renders it with the node-level gauges it knows (connections, requests,
// upstream health). One registry per process, as Kong keeps one per node.

/** Kong's histogram buckets (milliseconds). */
export const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000];
export const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000];

/** Prometheus text format label escaping: backslash, double quote and newline. */
export const escapeLabel = (value: string): string => (/["\\\n]/.test(value) ? value.replace(/[\\"]/g, '\\$&').replaceAll('\n', '\\n') : value);

/** Kong's `le` labels are zero-padded so that buckets sort as strings (nginx-lua-prometheus). */
function bucketLabels(buckets: number[]): string[] {
  const digits = String(Math.floor(Math.max(...buckets))).length;
  return buckets.map((b) => b.toFixed(1).padStart(digits + 2, '0'));
}

class Histogram {
  readonly name: string;
  readonly help: string;
  readonly buckets: number[];
  readonly le: string[];
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, buckets: number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
    this.le = bucketLabels(buckets);
  }

  observe(labels: string, value: number): void {
    let s = this.series.get(labels);
    if (s === undefined) {
      s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(labels, s);
    }
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  render(out: string[]): void {
    if (this.series.size === 0) return;
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const [labels, s] of this.series) {
      for (let i = 0; i < this.le.length; i++) out.push(`${this.name}_bucket{${labels},le="${this.le[i]}"} ${s.counts[i]}`);
      out.push(`${this.name}_bucket{${labels},le="+Inf"} ${s.count}`, `${this.name}_count{${labels}} ${s.count}`, `${this.name}_sum{${labels}} ${s.sum}`);
    }
  }
}

class Counter {
  readonly name: string;
  readonly help: string;
  readonly series = new Map<string, number>();

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  inc(labels: string, by = 1): void {
    this.series.set(labels, (this.series.get(labels) ?? 0) + by);
  }

  render(out: string[]): void {
    if (this.series.size === 0) return;
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [labels, value] of this.series) out.push(`${this.name}{${labels}} ${value}`);
  }
}

/** One target address's health, for kong_upstream_target_health. */
export interface TargetHealthSample {
  workspace: string;
  upstream: string;
  target: string;
  address: string;
  /** healthchecks_off | healthy | unhealthy | dns_error */
  state: string;
}

/** What the data plane adds at scrape time. */
export interface NodeStats {
  nodeId: string;
  version: string;
  connectionsAccepted: number;
  connectionsActive: number;
  requestsTotal: number;
  /** Upstream target health of every gateway; asked only when a prometheus instance enabled it. */
  upstreamHealth: () => TargetHealthSample[];
}

const HEALTH_STATES = ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'];

/** The metrics the prometheus plugin records. */
export const METRICS = {
  requests: new Counter('kong_http_requests_total', 'HTTP status codes per consumer/service/route in Kong'),
  kongLatency: new Histogram('kong_kong_latency_ms', 'Latency added by Kong and enabled plugins for each service/route in Kong', KONG_LATENCY_BUCKETS),
  upstreamLatency: new Histogram('kong_upstream_latency_ms', 'Latency added by upstream response for each service/route in Kong', UPSTREAM_LATENCY_BUCKETS),
  requestLatency: new Histogram('kong_request_latency_ms', 'Total latency incurred during requests for each service/route in Kong', UPSTREAM_LATENCY_BUCKETS),
  bandwidth: new Counter('kong_bandwidth_bytes', 'Total bandwidth (ingress/egress) throughput in bytes'),
  /** Kong: upstream health is exported once any prometheus instance turns it on. */
  isUpstreamHealthExported: false,
};

/**
 * Renders every metric in the Prometheus text format (version 0.0.4).
 * @example res.end(renderMetrics({ nodeId, version, connectionsAccepted: 1, connectionsActive: 1, requestsTotal: 3, upstreamHealth: () => [] }));
 */
export function renderMetrics(node: NodeStats): string {
  const out: string[] = [];
  const id = escapeLabel(node.nodeId);
  out.push('# HELP kong_nginx_connections_total Number of connections by subsystem', '# TYPE kong_nginx_connections_total gauge');
  const states: Array<[string, number]> = [
    ['accepted', node.connectionsAccepted],
    ['active', node.connectionsActive],
    ['handled', node.connectionsAccepted],
    ['total', node.requestsTotal],
  ];
  for (const [state, value] of states) out.push(`kong_nginx_connections_total{node_id="${id}",subsystem="http",state="${state}"} ${value}`);
  out.push('# HELP kong_nginx_requests_total Number of requests total', '# TYPE kong_nginx_requests_total gauge', `kong_nginx_requests_total{node_id="${id}",subsystem="http"} ${node.requestsTotal}`);
  out.push('# HELP kong_node_info Kong Node metadata information', '# TYPE kong_node_info gauge', `kong_node_info{node_id="${id}",version="${escapeLabel(node.version)}"} 1`);
  METRICS.requests.render(out);
  METRICS.kongLatency.render(out);
  METRICS.upstreamLatency.render(out);
  METRICS.requestLatency.render(out);
  METRICS.bandwidth.render(out);
  if (METRICS.isUpstreamHealthExported) {
    out.push('# HELP kong_upstream_target_health Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.', '# TYPE kong_upstream_target_health gauge');
    for (const t of node.upstreamHealth()) {
      const base = `upstream="${escapeLabel(t.upstream)}",target="${escapeLabel(t.target)}",address="${escapeLabel(t.address)}"`;
      for (const state of HEALTH_STATES) out.push(`kong_upstream_target_health{${base},state="${state}",subsystem="http",workspace="${escapeLabel(t.workspace)}"} ${state === t.state ? 1 : 0}`);
    }
  }
  out.push('# HELP kong_nginx_metric_errors_total Number of nginx-lua-prometheus errors', '# TYPE kong_nginx_metric_errors_total counter', 'kong_nginx_metric_errors_total 0');
  return out.join('\n') + '\n';
}
