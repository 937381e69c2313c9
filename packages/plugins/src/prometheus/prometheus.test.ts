import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Route, Service } from '@gatehouse/schema';
import { validatePluginConfig } from '../schemas.ts';
import { PluginContext, type LogFacts } from '../kit.ts';
import handler from './handler.ts';
import { renderMetrics } from './registry.ts';

describe('prometheus schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('prometheus', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { per_consumer: false, status_code_metrics: false, latency_metrics: false, bandwidth_metrics: false, upstream_health_metrics: false, ai_metrics: false });
  });

  it('rejects unknown fields', () => {
    const r = validatePluginConfig('prometheus', { per_route: true });
    assert.ok(!r.ok);
    assert.equal(r.errors[0].field, 'per_route');
  });
});

const NODE = { nodeId: 'n1', version: '0.1.0', connectionsAccepted: 2, connectionsActive: 1, requestsTotal: 3, upstreamHealth: () => [] };

function logged(config: unknown, facts: Partial<LogFacts>, status = 200): void {
  const r = validatePluginConfig('prometheus', config);
  assert.ok(r.ok);
  const ctx = new PluginContext({ requestId: 'r', clientIp: '127.0.0.1', scheme: 'http', host: 'a.test', method: 'GET', rawPath: '/', path: '/', query: null, headers: {} });
  ctx.status = status;
  ctx.responseSize = 10;
  ctx.consumer = { id: 'c1', username: 'alice' } as PluginContext['consumer'];
  ctx.logFacts = { startedAt: 0, kongLatencyMs: 3, upstreamLatencyMs: 30, requestLatencyMs: 40, source: 'upstream', upstreamUri: '/', tries: 1, route: null, service: null, requestSize: 50, requestUri: '/', serverPort: 8000, workspace: 'ws', ...facts };
  handler.log!(ctx, handler.compile!(r.value as never, { gatewayId: 'g' }));
}

describe('prometheus handler', () => {
  const service = { id: 's', name: 'svc', host: 'up.test' } as Service;

  it("counts requests with Kong's labels, per consumer when asked", () => {
    logged({ status_code_metrics: true, per_consumer: true }, { route: { id: 'r1', name: 'r"1' } as Route, service });
    logged({ status_code_metrics: true }, { route: { id: 'r2', name: null } as unknown as Route, service, source: 'kong' }, 401);
    const text = renderMetrics(NODE);
    assert.match(text, /^kong_http_requests_total\{service="svc",route="r\\"1",code="200",source="service",workspace="ws",consumer="alice"\} 1$/m);
    assert.match(text, /^kong_http_requests_total\{service="svc",route="r2",code="401",source="kong",workspace="ws",consumer=""\} 1$/m);
  });

  it("observes latencies in Kong's buckets and counts bandwidth", () => {
    logged({ latency_metrics: true, bandwidth_metrics: true }, { route: { id: 'r3', name: 'lat' } as Route, service });
    const text = renderMetrics(NODE);
    const labels = 'service="svc",route="lat",workspace="ws"';
    assert.match(text, new RegExp(`^kong_kong_latency_ms_bucket\\{${labels},le="0002.0"\\} 0$`, 'm'));
    assert.match(text, new RegExp(`^kong_kong_latency_ms_bucket\\{${labels},le="0005.0"\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^kong_upstream_latency_ms_bucket\\{${labels},le="00050.0"\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^kong_request_latency_ms_sum\\{${labels}\\} 40$`, 'm'));
    assert.match(text, /^kong_bandwidth_bytes\{service="svc",route="lat",direction="ingress",workspace="ws",consumer=""\} 50$/m);
    assert.match(text, /^kong_bandwidth_bytes\{service="svc",route="lat",direction="egress",workspace="ws",consumer=""\} 10$/m);
  });

  it('skips requests without a service, and disabled groups', () => {
    logged({ status_code_metrics: true }, { route: { id: 'r4', name: 'noservice' } as Route });
    logged({}, { route: { id: 'r5', name: 'off' } as Route, service });
    const text = renderMetrics(NODE);
    assert.doesNotMatch(text, /noservice|route="off"/);
    assert.match(text, /^kong_nginx_connections_total\{node_id="n1",subsystem="http",state="accepted"\} 2$/m);
    assert.match(text, /^kong_node_info\{node_id="n1",version="0.1.0"\} 1$/m);
  });
});
