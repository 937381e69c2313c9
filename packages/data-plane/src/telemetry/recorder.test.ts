import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HISTOGRAM_RELATIVE_ERROR, LatencyHistogram } from './histogram.ts';
import { createTelemetryRecorder, type TelemetryOptions } from './recorder.ts';
import type { TelemetryBatch } from './batch.ts';

const MINUTE = 60_000;
const T0 = 1_700_000_040_000; // A minute boundary.

function setup(t: { after(fn: () => unknown): void }, options: Partial<TelemetryOptions> = {}) {
  const batches: TelemetryBatch[] = [];
  let clock = T0;
  let failures = 0;
  const recorder = createTelemetryRecorder({
    reporter: {
      async report(batch) {
        if (failures > 0) {
          failures--;
          throw new Error('endpoint down');
        }
        batches.push(structuredClone(batch));
      },
    },
    nodeId: 'node-1',
    flushIntervalMs: 3_600_000,
    now: () => clock,
    ...options,
  });
  t.after(() => recorder.close());
  return { recorder, batches, advance: (ms: number) => (clock += ms), failNext: (n: number) => (failures = n) };
}

describe('telemetry recorder', () => {
  it('aggregates per gateway, minute, route, service, consumer and status', async (t) => {
    const { recorder, batches, advance } = setup(t);
    recorder.record('gw', 'r1', 's1', null, 200, 10, 8, 100, 1000);
    recorder.record('gw', 'r1', 's1', null, 200, 20, 15, 50, 500);
    recorder.record('gw', 'r1', 's1', null, 500, 5, 4, 0, 10);
    recorder.record('gw', null, null, null, 404, 1, -1, 0, 60);
    recorder.record('gw', 'r1', 's1', 'c1', 200, 30, 25, 0, 0);
    advance(MINUTE);
    recorder.record('gw', 'r1', 's1', null, 200, 40, 35, 0, 0);
    recorder.record('other', 'r1', 's1', null, 200, 1, 0.5, 0, 0);
    await recorder.flush();
    assert.equal(batches.length, 1);
    const [batch] = batches;
    assert.equal(batch.node.id, 'node-1');
    assert.equal(batch.scheme, 'log2-16us');
    assert.equal(batch.dropped, 0);
    const keyed = new Map(batch.series.map((s) => [`${s.gatewayId} ${s.minute - T0} ${s.routeId} ${s.consumerId} ${s.status}`, s]));
    assert.deepEqual([...keyed.keys()].sort(), ['gw 0 null null 404', 'gw 0 r1 c1 200', 'gw 0 r1 null 200', 'gw 0 r1 null 500', `gw ${MINUTE} r1 null 200`, `other ${MINUTE} r1 null 200`]);
    const ok = keyed.get('gw 0 r1 null 200')!;
    assert.equal(ok.serviceId, 's1');
    assert.deepEqual([ok.requests, ok.bytesIn, ok.bytesOut], [2, 150, 1500]);
    assert.equal(LatencyHistogram.fromWire(ok.latency.total).count, 2);
    const near = (actual: number | null, expected: number, message: string) => assert.ok(actual !== null && Math.abs(actual - expected) <= expected * HISTOGRAM_RELATIVE_ERROR, `${message}: ${actual}`);
    near(LatencyHistogram.fromWire(ok.latency.upstream).quantileMs(1), 15, 'upstream p100');
    near(LatencyHistogram.fromWire(ok.latency.gateway).quantileMs(1), 5, 'gateway = total - upstream');
    near(LatencyHistogram.fromWire(ok.latency.gateway).quantileMs(0.5), 2, 'gateway p50');
    const unmatched = keyed.get('gw 0 null null 404')!;
    assert.deepEqual(unmatched.latency.upstream, [], 'no upstream, no upstream latency');
    assert.equal(LatencyHistogram.fromWire(unmatched.latency.gateway).quantileMs(0.5), 1);
  });

  it('sends nothing when idle and starts afresh after each flush', async (t) => {
    const { recorder, batches } = setup(t);
    await recorder.flush();
    assert.equal(batches.length, 0);
    recorder.record('gw', 'r', 's', null, 200, 1, 1, 0, 0);
    await recorder.flush();
    recorder.record('gw', 'r', 's', null, 200, 1, 1, 0, 0);
    await recorder.flush();
    assert.deepEqual(batches.map((b) => b.series.map((s) => s.requests)), [[1], [1]]);
  });

  it('keeps failed batches and sends them, in order, once the reporter works again', async (t) => {
    const { recorder, batches, failNext } = setup(t);
    failNext(2);
    recorder.record('gw', 'r', 's', null, 200, 1, 1, 0, 0);
    await recorder.flush();
    recorder.record('gw', 'r', 's', null, 201, 1, 1, 0, 0);
    await recorder.flush();
    assert.equal(batches.length, 0);
    await recorder.flush();
    assert.deepEqual(batches.map((b) => b.series[0].status), [200, 201]);
  });

  it('bounds memory: past maxSeries new series are dropped and counted, and an early flush runs', async (t) => {
    const { recorder, batches } = setup(t, { maxSeries: 2 });
    recorder.record('gw', 'r1', 's', null, 200, 1, 1, 0, 0);
    recorder.record('gw', 'r2', 's', null, 200, 1, 1, 0, 0);
    recorder.record('gw', 'r3', 's', null, 200, 1, 1, 0, 0);
    recorder.record('gw', 'r1', 's', null, 200, 1, 1, 0, 0);
    await new Promise((resolve) => setImmediate(resolve));
    await recorder.flush();
    assert.equal(batches.length, 1, 'the early flush sent the full batch');
    assert.equal(batches[0].dropped, 1);
    assert.deepEqual(batches[0].series.map((s) => `${s.routeId}:${s.requests}`).sort(), ['r1:2', 'r2:1']);
  });

  it('drops the oldest unsent batch past maxPendingBatches and reports its requests as dropped', async (t) => {
    const { recorder, batches, failNext } = setup(t, { maxPendingBatches: 1 });
    failNext(1);
    recorder.record('gw', 'r', 's', null, 200, 1, 1, 0, 0);
    recorder.record('gw', 'r', 's', null, 200, 1, 1, 0, 0);
    await recorder.flush();
    recorder.record('gw', 'r', 's', null, 500, 1, 1, 0, 0);
    await recorder.flush();
    await recorder.flush();
    assert.deepEqual(batches.map((b) => [b.dropped, b.series.map((s) => s.status)]), [[0, [500]], [2, []]]);
  });
});
