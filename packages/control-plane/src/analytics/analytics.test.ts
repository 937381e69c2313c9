import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { HISTOGRAM_RELATIVE_ERROR, HISTOGRAM_SCHEME, LatencyHistogram, TELEMETRY_BATCH_PATH, type TelemetryBatch, type TelemetrySeries } from '@gatehouse/data-plane';
import { openSqliteStore } from '../store/sqlite.ts';
import { controlPlane } from '../store/store.fixtures.ts';
import type { Store } from '../store/types.ts';
import { loadAnalyticsRetention } from './config.ts';
import { createAnalyticsService } from './service.ts';
import { createTelemetryServer } from './telemetry-server.ts';

// Ingestion (through the telemetry endpoint), merging across nodes, and retention.

const HOUR = 3_600_000;
const NOW = 1_750_000_000_000 - (1_750_000_000_000 % HOUR) + 30 * 60_000; // Half past an hour.
const logger = pino({ level: 'silent' });

async function storeWithGateway(t: TestContext): Promise<{ store: Store; gatewayId: string }> {
  const store = await openSqliteStore(':memory:');
  t.after(() => store.close());
  const cp = controlPlane();
  await store.controlPlanes.insert(cp);
  return { store, gatewayId: cp.id };
}

function series(gatewayId: string, minute: number, latenciesMs: number[], overrides: Partial<TelemetrySeries> = {}): TelemetrySeries {
  const h = new LatencyHistogram();
  for (const ms of latenciesMs) h.recordMs(ms);
  return { gatewayId, minute, routeId: 'r1', serviceId: 's1', consumerId: null, status: 200, requests: latenciesMs.length, bytesIn: 1, bytesOut: 2, latency: { total: h.toWire(), upstream: h.toWire(), gateway: [] }, ...overrides };
}

const batch = (s: TelemetrySeries[], node = 'n1'): TelemetryBatch => ({ version: 1, scheme: HISTOGRAM_SCHEME, node: { id: node, version: '1' }, sentAt: NOW, dropped: 0, series: s });

async function post(port: number, body: unknown, init: { method?: string; type?: string } = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${TELEMETRY_BATCH_PATH}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': init.type ?? 'application/json' },
    body: init.method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() as any };
}

describe('telemetry endpoint', () => {
  test('merges batches of two nodes so percentiles cover both, and ignores unknown gateways', async (t) => {
    const { store, gatewayId } = await storeWithGateway(t);
    const server = createTelemetryServer({ store, logger });
    const { port } = await server.listen(0);
    t.after(() => server.close());
    const minute = NOW - (NOW % 60_000);
    const fast = Array.from({ length: 90 }, (_, i) => 10 + i / 10); // node 1: 10..19 ms
    const slow = Array.from({ length: 10 }, (_, i) => 500 + i * 10); // node 2: 500..590 ms
    const one = await post(port, batch([series(gatewayId, minute, fast), series('no-such-gateway', minute, [1])]));
    assert.deepEqual([one.status, one.body], [202, { series: 1, ignored: 1 }]);
    assert.equal((await post(port, batch([series(gatewayId, minute, slow)], 'n2'))).status, 202);

    const [row] = await store.analytics.bucket('minute', gatewayId, minute);
    assert.equal(row.requests, 100);
    const merged = LatencyHistogram.fromWire(row.latency_total);
    const all = [...fast, ...slow].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const expected = all[Math.ceil(q * all.length) - 1];
      const actual = merged.quantileMs(q)!;
      assert.ok(Math.abs(actual - expected) <= expected * HISTOGRAM_RELATIVE_ERROR, `p${q * 100}: ${actual} vs ${expected}`);
    }
    const [hour] = await store.analytics.bucket('hour', gatewayId, NOW - (NOW % HOUR));
    assert.equal(hour.requests, 100, 'hourly rollup kept on ingestion');
    assert.deepEqual(hour.latency_total, row.latency_total);
  });

  test('refuses malformed batches in problem+json and stores nothing', async (t) => {
    const { store, gatewayId } = await storeWithGateway(t);
    const server = createTelemetryServer({ store, logger });
    const { port } = await server.listen(0);
    t.after(() => server.close());
    const minute = NOW - (NOW % 60_000);
    const good = series(gatewayId, minute, [5]);
    const bad: [unknown, string][] = [
      [{ ...batch([good]), scheme: 'other' }, 'scheme'],
      [batch([{ ...good, minute: minute + 1 }]), 'series.0.minute'],
      [batch([good, { ...good, latency: { ...good.latency, total: [0, 1, 9999, 1] } }]), 'series.1.latency.total'],
      [batch([{ ...good, status: 42 }]), 'series.0.status'],
    ];
    for (const [body, field] of bad) {
      const res = await post(port, body);
      assert.equal(res.status, 400, field);
      assert.equal(res.type, 'application/problem+json');
      assert.ok(res.body.invalid_parameters.some((p: { field: string }) => p.field === field), `${field}: ${JSON.stringify(res.body.invalid_parameters)}`);
    }
    assert.equal((await post(port, '{not json')).status, 400);
    assert.equal((await post(port, batch([good]), { type: 'text/plain' })).status, 415);
    assert.equal((await post(port, null, { method: 'GET' })).status, 405);
    assert.deepEqual(await store.analytics.bucket('minute', gatewayId, minute), [], 'nothing stored');
  });
});

describe('retention', () => {
  test('prunes minutes past 48 h and hours past 30 days by default', async (t) => {
    const { store, gatewayId } = await storeWithGateway(t);
    const analytics = createAnalyticsService({ store, logger }, { retention: loadAnalyticsRetention({}), now: () => NOW });
    const at = (ms: number) => ms - (ms % 60_000);
    const old = [at(NOW - 49 * HOUR), at(NOW - 47 * HOUR), at(NOW - 31 * 24 * HOUR), at(NOW - 29 * 24 * HOUR)];
    assert.equal((await analytics.ingest(batch(old.map((m) => series(gatewayId, m, [1]))))).ok, true);
    assert.deepEqual(await analytics.prune(), { minutes: 3, hours: 1 });
    const left = async (granularity: 'minute' | 'hour') => (await store.analytics.range(granularity, { controlPlaneId: gatewayId, from: 0, to: NOW })).map((r) => (NOW - r.bucket) / HOUR);
    assert.deepEqual(await left('minute'), [47]);
    assert.deepEqual((await left('hour')).map(Math.floor).sort((a, b) => b - a), [29 * 24, 49, 47]);
  });

  test('follows GATEHOUSE_ANALYTICS_MINUTE_RETENTION_HOURS and _HOUR_RETENTION_DAYS', async (t) => {
    const { store, gatewayId } = await storeWithGateway(t);
    const retention = loadAnalyticsRetention({ GATEHOUSE_ANALYTICS_MINUTE_RETENTION_HOURS: '1', GATEHOUSE_ANALYTICS_HOUR_RETENTION_DAYS: '1' });
    assert.deepEqual(retention, { minuteRetentionHours: 1, hourRetentionDays: 1 });
    const analytics = createAnalyticsService({ store, logger }, { retention, now: () => NOW });
    const minutes = [NOW - 2 * HOUR, NOW - 10 * 60_000].map((ms) => ms - (ms % 60_000));
    await analytics.ingest(batch(minutes.map((m) => series(gatewayId, m, [1]))));
    await analytics.ingest(batch([series(gatewayId, NOW - 2 * 24 * HOUR, [1])]));
    assert.deepEqual(await analytics.prune(), { minutes: 2, hours: 1 });
    assert.throws(() => loadAnalyticsRetention({ GATEHOUSE_ANALYTICS_HOUR_RETENTION_DAYS: '0' }), /positive/);
  });
});
