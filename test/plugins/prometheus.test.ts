import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDataPlane } from '@gatehouse/data-plane';
import { snapshot, snapshotHash, startUpstream } from '@gatehouse/test-kit';
import { newId, targetSchema, upstreamSchema, validate, type Snapshot } from '@gatehouse/schema';
import { HOST, send, setup } from './harness.ts';

// The registry is per process (Kong: per node): each test uses its own route names.

async function scrape(statusPort: number): Promise<{ status: number; type: string; body: string }> {
  const reply = await send(statusPort, 'status.test', '/metrics');
  return { status: reply.status, type: String(reply.headers['content-type']), body: reply.body };
}

describe('prometheus through the data plane', () => {
  it('serves Kong metrics on the status listener after traffic', async (t) => {
    const h = await setup(
      t,
      (url) =>
        snapshot({ hostnames: [HOST] })
          .service({ url, name: 'echo' })
          .route({ paths: ['/ok'], name: 'ok' })
          .route({ paths: ['/closed'], name: 'closed' })
          .plugin('request-termination', { status_code: 403 })
          .plugin('prometheus', { status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true }, 'global'),
      { statusPort: 0 },
    );
    const { statusPort } = await h.dp.listen();
    assert.ok(statusPort);
    for (let i = 0; i < 3; i++) assert.equal((await h.send('/ok')).status, 200);
    assert.equal((await h.send('/closed')).status, 403);
    assert.equal((await h.send('/nowhere')).status, 404);
    const m = await scrape(statusPort);
    assert.equal(m.status, 200);
    assert.match(m.type, /^text\/plain/);
    const ws = h.dp.gatewayHashes().keys().next().value;
    assert.match(m.body, new RegExp(`^kong_http_requests_total\\{service="echo",route="ok",code="200",source="service",workspace="${ws}",consumer=""\\} 3$`, 'm'));
    assert.match(m.body, new RegExp(`^kong_http_requests_total\\{service="echo",route="closed",code="403",source="kong",workspace="${ws}",consumer=""\\} 1$`, 'm'));
    assert.match(m.body, new RegExp(`^kong_kong_latency_ms_count\\{service="echo",route="ok",workspace="${ws}"\\} 3$`, 'm'));
    assert.match(m.body, new RegExp(`^kong_upstream_latency_ms_bucket\\{service="echo",route="ok",workspace="${ws}",le="\\+Inf"\\} 3$`, 'm'));
    assert.match(m.body, new RegExp(`^kong_request_latency_ms_count\\{service="echo",route="closed",workspace="${ws}"\\} 1$`, 'm'));
    assert.doesNotMatch(m.body, /kong_upstream_latency_ms_count\{service="echo",route="closed"/);
    assert.match(m.body, /^kong_bandwidth_bytes\{service="echo",route="ok",direction="egress",workspace="[^"]+",consumer=""\} \d+$/m);
    assert.match(m.body, /^kong_nginx_requests_total\{node_id="[0-9a-f-]{36}",subsystem="http"\} 5$/m);
    assert.match(m.body, /^kong_nginx_connections_total\{node_id="[0-9a-f-]{36}",subsystem="http",state="accepted"\} 5$/m);
    assert.equal((await send(statusPort, 'status.test', '/other')).status, 404);
  });

  it('exports upstream target health when asked', async (t) => {
    const upstream = await startUpstream();
    const dp = createDataPlane({ port: 0, statusPort: 0 });
    const { port, statusPort } = await dp.listen();
    t.after(async () => {
      await dp.close();
      await upstream.close();
    });
    const built = snapshot({ hostnames: [HOST] }).service({ host: 'pool', port: 80, name: 'balanced' }).route({ paths: ['/'], name: 'bal' }).plugin('prometheus', { upstream_health_metrics: true }).build();
    const pool = validate(upstreamSchema, { id: newId(), created_at: 1, updated_at: 1, name: 'pool' });
    assert.ok(pool.ok);
    const target = validate(targetSchema, { id: newId(), created_at: 1, updated_at: 1, upstream: { id: (pool.value as { id: string }).id }, target: new URL(upstream.url).host });
    assert.ok(target.ok);
    const { hash: _hash, ...body } = built;
    const next = { ...body, upstreams: [pool.value], targets: [target.value] } as Omit<Snapshot, 'hash'>;
    dp.applySnapshot({ ...next, hash: snapshotHash(next) });
    assert.equal((await send(port, HOST, '/')).status, 200);
    const m = await scrape(statusPort!);
    assert.match(m.body, /^kong_upstream_target_health\{upstream="pool",target="127\.0\.0\.1:\d+",address="127\.0\.0\.1:\d+",state="healthchecks_off",subsystem="http",workspace="[^"]+"\} 1$/m);
    assert.match(m.body, /^kong_upstream_target_health\{upstream="pool",target="127\.0\.0\.1:\d+",address="127\.0\.0\.1:\d+",state="healthy",subsystem="http",workspace="[^"]+"\} 0$/m);
    assert.doesNotMatch(m.body, /route="bal"/);
  });
});
