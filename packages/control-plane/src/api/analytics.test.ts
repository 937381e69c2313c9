import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createDataPlane, createHttpReporter, HISTOGRAM_RELATIVE_ERROR } from '@gatehouse/data-plane';
import { snapshot, startUpstream } from '@gatehouse/test-kit';
import { startTestApi } from '../testing.ts';
import { createTelemetryServer } from '../analytics/telemetry-server.ts';

// The analytics API against real traffic: a data plane with a real upstream reports to the telemetry
// endpoint over HTTP; the API's counts must match what was sent and its percentiles must be within
// the histogram's stated error of the latencies the data plane itself announced (X-Kong-Upstream-Latency).

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

function send(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; upstreamMs: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, headers: { host, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, upstreamMs: Number(res.headers['x-kong-upstream-latency']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Nearest-rank quantile of exact values: the reference for the API's percentiles. */
const exact = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.max(1, Math.ceil(q * values.length)) - 1];

/** Within the histogram's error, plus 0.5 ms because the reference header is rounded to whole ms. */
function near(actual: number | null, expected: number, message: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= expected * HISTOGRAM_RELATIVE_ERROR + 0.5, `${message}: ${actual} vs ${expected}`);
}

async function setup(t: TestContext) {
  const api = await startTestApi();
  const telemetry = createTelemetryServer(api.ctx);
  const { port: telemetryPort } = await telemetry.listen(0);
  const upstream = await startUpstream();
  const dp = createDataPlane({ port: 0, telemetry: { reporter: createHttpReporter({ url: `http://127.0.0.1:${telemetryPort}` }), flushIntervalMs: 3_600_000 } });
  const { port } = await dp.listen();
  t.after(async () => {
    await dp.close();
    await upstream.close();
    await telemetry.close();
    await api.close();
  });
  const created = await api.request('POST', '/v2/control-planes', { name: 'analytics', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1' });
  assert.equal(created.status, 201, created.raw);
  const cpId: string = created.body.id;
  const built = snapshot({ gatewayId: cpId, hostnames: ['an.test'] }).service({ url: upstream.url });
  built.route({ name: 'fast', paths: ['/fast'] }).route({ name: 'slow', paths: ['/slow'] });
  const snap = built.build();
  dp.applySnapshot(snap);
  const routeId = (name: string) => snap.routes.find((r) => r.name === name)!.id;
  return { api, dp, port, cpId, routeId, serviceId: snap.services[0].id };
}

async function traffic(port: number) {
  const slowUpstreamMs: number[] = [];
  for (let i = 0; i < 12; i++) assert.equal((await send(port, 'an.test', '/fast')).status, 200);
  for (let i = 0; i < 3; i++) assert.equal((await send(port, 'an.test', '/fast', { 'x-echo-status': '503' })).status, 503);
  // Four delays, two requests each, sent concurrently: the slow route's latencies are spread out.
  const delays = [20, 60, 120, 200, 20, 60, 120, 200];
  for (const reply of await Promise.all(delays.map((ms) => send(port, 'an.test', '/slow', { 'x-echo-delay-ms': String(ms) })))) {
    assert.equal(reply.status, 200);
    slowUpstreamMs.push(reply.upstreamMs);
  }
  assert.equal((await send(port, 'an.test', '/nowhere')).status, 404);
  return { slowUpstreamMs };
}

const totals = (series: { key: string | null; points: { requests: number }[] }[]) =>
  Object.fromEntries(series.map((s) => [String(s.key), s.points.reduce((sum, p) => sum + p.requests, 0)]));

describe('GET /v2/control-planes/{id}/analytics', () => {
  test('counts traffic by status class, route and status, with percentiles within the histogram error', async (t) => {
    const { api, dp, port, cpId, routeId, serviceId } = await setup(t);
    const empty = await api.request('GET', `/v2/control-planes/${cpId}/analytics`);
    assert.equal(empty.status, 200, empty.raw);
    assert.equal(empty.body.meta.granularity, 'minute');
    assert.equal(empty.body.series.length, 1);
    assert.equal(empty.body.series[0].key, 'all');
    assert.ok(empty.body.series[0].points.length >= 60 && empty.body.series[0].points.length <= 61, 'the last hour, per minute');
    assert.deepEqual(empty.body.series[0].points[0].latency.total, { p50: null, p95: null, p99: null });

    const { slowUpstreamMs } = await traffic(port);
    await dp.flushTelemetry();

    const byClass = await api.request('GET', `/v2/control-planes/${cpId}/analytics?group_by=status_class`);
    assert.equal(byClass.status, 200, byClass.raw);
    assert.deepEqual(totals(byClass.body.series), { '2xx': 20, '5xx': 3, '4xx': 1 });

    const byRoute = await api.request('GET', `/v2/control-planes/${cpId}/analytics?group_by=route&top=2`);
    assert.deepEqual(byRoute.body.top, [{ key: routeId('fast'), requests: 15 }, { key: routeId('slow'), requests: 8 }]);
    assert.deepEqual(byRoute.body.series.map((s: { key: string }) => s.key), [routeId('fast'), routeId('slow')], 'series limited to the top');
    const allRoutes = await api.request('GET', `/v2/control-planes/${cpId}/analytics?group_by=route`);
    assert.deepEqual(totals(allRoutes.body.series), { [routeId('fast')]: 15, [routeId('slow')]: 8, null: 1 });

    const byCode = await api.request('GET', `/v2/control-planes/${cpId}/analytics?group_by=status_code&filter[service_id]=${serviceId}`);
    assert.deepEqual(totals(byCode.body.series), { 200: 20, 503: 3 });
    const errors = await api.request('GET', `/v2/control-planes/${cpId}/analytics?filter[status_code]=5xx&filter[route_id]=${routeId('fast')}`);
    assert.deepEqual(totals(errors.body.series), { all: 3 });

    const slow = await api.request('GET', `/v2/control-planes/${cpId}/analytics?filter[route_id]=${routeId('slow')}`);
    const points = slow.body.series[0].points.filter((p: { requests: number }) => p.requests > 0);
    // The eight requests normally share a minute; across a minute boundary, check the larger part only.
    if (points.length === 1) {
      const [point] = points;
      near(point.latency.upstream.p50, exact(slowUpstreamMs, 0.5), 'upstream p50');
      near(point.latency.upstream.p95, exact(slowUpstreamMs, 0.95), 'upstream p95');
      near(point.latency.upstream.p99, exact(slowUpstreamMs, 0.99), 'upstream p99');
      assert.ok(point.latency.upstream.p50 >= 60 * (1 - HISTOGRAM_RELATIVE_ERROR), 'half of the requests waited 60 ms or more upstream');
      assert.ok(point.latency.upstream.p99 >= 200 * (1 - HISTOGRAM_RELATIVE_ERROR), 'the slowest waited 200 ms');
      assert.ok(point.latency.total.p99 >= point.latency.upstream.p99 * (1 - HISTOGRAM_RELATIVE_ERROR), 'total includes upstream');
      assert.ok(point.latency.gateway.p50 !== null && point.latency.gateway.p50 < point.latency.total.p50);
    }
    assert.equal(points.reduce((sum: number, p: { requests: number }) => sum + p.requests, 0), 8);
    assert.ok(points.every((p: { bytes_out: number }) => p.bytes_out > 0), 'echoed bodies counted as bytes out');

    const hourly = await api.request('GET', `/v2/control-planes/${cpId}/analytics?granularity=hour&group_by=status_class&start=${new Date(Date.now() - 2 * 3_600_000).toISOString()}`);
    assert.equal(hourly.body.meta.granularity, 'hour');
    assert.ok(hourly.body.series[0].points.length >= 2 && hourly.body.series[0].points.length <= 3);
    assert.deepEqual(totals(hourly.body.series), { '2xx': 20, '5xx': 3, '4xx': 1 }, 'hourly rollup agrees');
  });

  test('merges batches: a second flush adds to the same minute', async (t) => {
    const { api, dp, port, cpId } = await setup(t);
    await send(port, 'an.test', '/fast');
    await dp.flushTelemetry();
    await send(port, 'an.test', '/fast');
    await send(port, 'an.test', '/fast');
    await dp.flushTelemetry();
    const res = await api.request('GET', `/v2/control-planes/${cpId}/analytics`);
    assert.deepEqual(totals(res.body.series), { all: 3 });
  });

  test('refuses bad ranges and parameters with invalid_parameters, and unknown control planes with 404', async (t) => {
    const { api, cpId } = await setup(t);
    const cases: [string, string][] = [
      ['start=2025-01-02T00:00:00Z&end=2025-01-01T00:00:00Z', 'start'],
      ['start=yesterday', 'start'],
      ['end=2025-13-45', 'end'],
      ['granularity=day', 'granularity'],
      ['group_by=path', 'group_by'],
      ['top=0&group_by=route', 'top'],
      ['top=5', 'top'],
      ['filter[status_code]=abc', 'filter[status_code]'],
      ['filter[path]=/x', 'filter[path]'],
      ['start=2025-01-01T00:00:00Z&end=2025-01-04T00:00:00Z', 'end'],
      ['granularity=hour&start=2024-01-01T00:00:00Z&end=2025-01-01T00:00:00Z', 'end'],
    ];
    for (const [query, field] of cases) {
      const res = await api.request('GET', `/v2/control-planes/${cpId}/analytics?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual(res.body.invalid_parameters.map((p: { field: string }) => p.field), [field], query);
    }
    assert.equal((await api.request('GET', `/v2/control-planes/${UNKNOWN_ID}/analytics`)).status, 404);
    assert.equal((await api.request('GET', '/v2/control-planes/not-a-uuid/analytics')).status, 400);
    const ok = await api.request('GET', `/v2/control-planes/${cpId}/analytics?start=2025-01-01T00:00:30Z&end=2025-01-01T00:10:00.000Z`);
    assert.deepEqual(ok.body.meta, { start: '2025-01-01T00:00:00.000Z', end: '2025-01-01T00:10:00.000Z', granularity: 'minute' }, 'aligned to the granularity');
    assert.equal(ok.body.series[0].points.length, 10);
  });
});

describe('GET /v2/analytics/requests-summary', () => {
  test('requests per control plane with traffic, in one call', async (t) => {
    const { api, dp, port, cpId } = await setup(t);
    const quiet = await api.request('POST', '/v2/control-planes', { name: 'quiet', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1' });
    assert.equal(quiet.status, 201, quiet.raw);
    const before = await api.request('GET', '/v2/analytics/requests-summary');
    assert.equal(before.status, 200, before.raw);
    assert.deepEqual(before.body.data, {});
    const minutes = (Date.parse(before.body.meta.end) - Date.parse(before.body.meta.start)) / 60_000;
    assert.ok(minutes === 60 || minutes === 61, `the last hour in whole minutes: ${minutes}`);

    await traffic(port);
    await dp.flushTelemetry();
    const after = await api.request('GET', '/v2/analytics/requests-summary');
    assert.deepEqual(after.body.data, { [cpId]: 24 }, 'every request counted, the quiet gateway absent');
    const past = await api.request('GET', '/v2/analytics/requests-summary?start=2025-01-01T00:00:00Z&end=2025-01-01T01:00:00Z');
    assert.deepEqual(past.body, { meta: { start: '2025-01-01T00:00:00.000Z', end: '2025-01-01T01:00:00.000Z' }, data: {} });
    const week = await api.request('GET', `/v2/analytics/requests-summary?start=${new Date(Date.now() - 7 * 24 * 3_600_000).toISOString()}`);
    assert.deepEqual(week.body.data, { [cpId]: 24 }, 'longer ranges read the hour rows');
  });

  test('refuses bad parameters with invalid_parameters', async (t) => {
    const { api } = await setup(t);
    const cases: [string, string][] = [
      ['start=2025-01-02T00:00:00Z&end=2025-01-01T00:00:00Z', 'start'],
      ['start=yesterday', 'start'],
      ['end=2025-13-45', 'end'],
      ['start=2024-01-01T00:00:00Z&end=2025-01-01T00:00:00Z', 'end'],
      ['granularity=hour', 'granularity'],
    ];
    for (const [query, field] of cases) {
      const res = await api.request('GET', `/v2/analytics/requests-summary?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual(res.body.invalid_parameters.map((p: { field: string }) => p.field), [field], query);
    }
  });
});
