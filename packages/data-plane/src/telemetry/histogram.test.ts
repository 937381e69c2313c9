import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HISTOGRAM_BUCKET_COUNT, HISTOGRAM_MAX_US, HISTOGRAM_RELATIVE_ERROR, LatencyHistogram, bucketBounds, bucketIndex } from './histogram.ts';

// Exact nearest-rank quantile of raw samples, the reference the histogram is held to.
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

// A deterministic generator (mulberry32), so failures reproduce.
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const within = (actual: number | null, expected: number, message: string) => {
  assert.ok(actual !== null, message);
  assert.ok(Math.abs(actual - expected) <= expected * HISTOGRAM_RELATIVE_ERROR + 1e-9, `${message}: ${actual} vs ${expected}`);
};

describe('bucketIndex and bucketBounds', () => {
  it('places every value inside its bucket, buckets in order and at most 1/16 wide', () => {
    const cases = [0, 1, 15, 16, 31, 32, 33, 63, 64, 1000, 1023, 1024, 65_535, 1_000_000, 2 ** 31, HISTOGRAM_MAX_US];
    let previous = -1;
    for (const v of cases) {
      const index = bucketIndex(v);
      const [lower, upper] = bucketBounds(index);
      assert.ok(lower <= v && v < upper, `${v} in [${lower}, ${upper})`);
      assert.ok(index >= previous, `index of ${v} does not go back`);
      if (v >= 32) assert.ok((upper - lower) / lower <= 1 / 16, `bucket of ${v} is at most 1/16 wide`);
      previous = index;
    }
    assert.equal(bucketIndex(20), 20);
    assert.equal(bucketIndex(1000), 111);
    assert.equal(bucketIndex(HISTOGRAM_MAX_US), HISTOGRAM_BUCKET_COUNT - 1);
    assert.equal(bucketIndex(-5), 0);
    assert.equal(bucketIndex(2 ** 40), HISTOGRAM_BUCKET_COUNT - 1);
  });

  it('leaves no gap between consecutive buckets', () => {
    for (let i = 1; i < HISTOGRAM_BUCKET_COUNT; i++) assert.equal(bucketBounds(i)[0], bucketBounds(i - 1)[1], `bucket ${i}`);
  });
});

describe('LatencyHistogram', () => {
  it('is null when empty and exact for a single or sub-32 µs value', () => {
    const h = new LatencyHistogram();
    assert.equal(h.quantileMs(0.5), null);
    h.recordMs(0.02);
    assert.equal(h.quantileMs(0.99), 0.02);
    const one = new LatencyHistogram();
    one.recordMs(123.456);
    assert.equal(one.quantileMs(0.5), 123.456, 'clamped to the exact min and max');
  });

  it('reports p50, p95 and p99 within the stated error on skewed data', () => {
    const next = random(7);
    const h = new LatencyHistogram();
    const samples: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.round(Math.exp(next() * 8) * 1000) / 1000; // 1 ms .. 3 s, log-uniform.
      samples.push(ms);
      h.recordMs(ms);
    }
    samples.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) within(h.quantileMs(q), exactQuantile(samples, q), `p${q * 100}`);
    assert.equal(h.count, 20_000);
  });

  it('merged histograms answer as one histogram of all the samples', () => {
    const next = random(42);
    const parts = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
    const all = new LatencyHistogram();
    const samples: number[] = [];
    for (let i = 0; i < 9_000; i++) {
      // Each "node" sees a different latency range, so a per-node average of quantiles would be wrong.
      const node = i % 3;
      const ms = (node + 1) * 10 + next() * 10 ** (node + 1);
      samples.push(Math.round(ms * 1000) / 1000);
      parts[node].recordMs(ms);
      all.recordMs(ms);
    }
    const merged = new LatencyHistogram();
    for (const part of parts) merged.merge(LatencyHistogram.fromWire(part.toWire()));
    assert.deepEqual(merged.toWire(), all.toWire());
    samples.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) within(merged.quantileMs(q), exactQuantile(samples, q), `merged p${q * 100}`);
  });

  it('round-trips its wire form and refuses malformed ones', () => {
    const h = new LatencyHistogram();
    for (const ms of [1, 1, 2, 500]) h.recordMs(ms);
    const wire = h.toWire();
    assert.deepEqual(wire.slice(0, 2), [1000, 500_000]);
    assert.deepEqual(LatencyHistogram.fromWire(wire).toWire(), wire);
    assert.deepEqual(new LatencyHistogram().toWire(), []);
    for (const bad of [[1], [1, 2, 3], [0, 1, HISTOGRAM_BUCKET_COUNT, 1], [0, 1, 3, 0], [0, 1, 3, 1.5], [5, 1, 3, 1], [-1, 1, 3, 1]]) {
      assert.throws(() => LatencyHistogram.fromWire(bad), RangeError, JSON.stringify(bad));
    }
  });
});
