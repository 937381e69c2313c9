// A mergeable latency histogram with fixed log-linear buckets (HDR-style): every node and every flush
// uses the same bucket edges, so merging is adding counts and quantiles of merged data are as good as
// those of one node's. Values are microseconds, kept as integers.
//
// Buckets: values below 32 µs are exact (one bucket each); from 2^e (e >= 4) up, each power of two is
// split into 16 equal sub-buckets, so a bucket is at most 1/16 of its lower edge wide. A quantile is
// reported as its bucket's midpoint (clamped to the exact min and max), hence within
// HISTOGRAM_RELATIVE_ERROR (1/32, about 3.1%) of the true sample value.

/** Identifies these bucket edges on the wire; the control plane refuses any other. */
export const HISTOGRAM_SCHEME = 'log2-16us';
/** Worst relative error of a reported quantile against the sample it stands for. */
export const HISTOGRAM_RELATIVE_ERROR = 1 / 32;
/** Largest recordable value (about 71.6 minutes); larger ones are counted here. */
export const HISTOGRAM_MAX_US = 0xffffffff;
/** Number of buckets (index 0 .. BUCKET_COUNT - 1). */
export const HISTOGRAM_BUCKET_COUNT = 464;

const SUB_BITS = 4;
const SUB_COUNT = 1 << SUB_BITS;

/**
 * The bucket of a value in microseconds.
 * @example bucketIndex(20) // 20 (exact below 32); bucketIndex(1000) // 111: [992, 1024)
 */
export function bucketIndex(us: number): number {
  const v = us <= 0 ? 0 : us >= HISTOGRAM_MAX_US ? HISTOGRAM_MAX_US : Math.floor(us);
  if (v < SUB_COUNT) return v;
  const exponent = 31 - Math.clz32(v);
  const sub = (v >>> (exponent - SUB_BITS)) & (SUB_COUNT - 1);
  return (exponent - SUB_BITS + 1) * SUB_COUNT + sub;
}

/** [lower, upper) edges of a bucket in microseconds. */
export function bucketBounds(index: number): [number, number] {
  if (index < SUB_COUNT) return [index, index + 1];
  const exponent = Math.floor(index / SUB_COUNT) + SUB_BITS - 1;
  const width = 2 ** (exponent - SUB_BITS);
  const lower = (SUB_COUNT + (index % SUB_COUNT)) * width;
  return [lower, lower + width];
}

/**
 * Counts per bucket, plus the exact count, min and max. Sparse: a Map of the buckets seen.
 * @example
 * const h = new LatencyHistogram();
 * h.recordMs(12.5); h.recordMs(80);
 * h.quantileMs(0.5) // 12.5 within 3.1%
 */
export class LatencyHistogram {
  readonly counts: Map<number, number>;
  count: number;
  minUs: number;
  maxUs: number;

  constructor() {
    this.counts = new Map();
    this.count = 0;
    this.minUs = Infinity;
    this.maxUs = -Infinity;
  }

  recordMs(ms: number): void {
    this.recordUs(ms * 1000);
  }

  recordUs(us: number, times = 1): void {
    const v = us <= 0 ? 0 : us >= HISTOGRAM_MAX_US ? HISTOGRAM_MAX_US : Math.round(us);
    const index = bucketIndex(v);
    this.counts.set(index, (this.counts.get(index) ?? 0) + times);
    this.count += times;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  merge(other: LatencyHistogram): this {
    for (const [index, n] of other.counts) this.counts.set(index, (this.counts.get(index) ?? 0) + n);
    this.count += other.count;
    if (other.minUs < this.minUs) this.minUs = other.minUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
    return this;
  }

  /** The q-quantile (0..1) in milliseconds by nearest rank, or null when empty. */
  quantileMs(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    const indices = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const index of indices) {
      seen += this.counts.get(index)!;
      if (seen >= rank) {
        const [lower, upper] = bucketBounds(index);
        // One-microsecond buckets hold exact values; wider ones report their midpoint.
        const mid = upper - lower === 1 ? lower : (lower + upper) / 2;
        return Math.min(this.maxUs, Math.max(this.minUs, mid)) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  /** Wire form: `[min, max, index, count, index, count, ...]` with indices ascending; `[]` when empty. */
  toWire(): number[] {
    if (this.count === 0) return [];
    const out = [this.minUs, this.maxUs];
    for (const index of [...this.counts.keys()].sort((a, b) => a - b)) out.push(index, this.counts.get(index)!);
    return out;
  }

  /** Reads the wire form; throws a RangeError on a malformed one (the caller validates untrusted input). */
  static fromWire(wire: readonly number[]): LatencyHistogram {
    const h = new LatencyHistogram();
    if (wire.length === 0) return h;
    if (wire.length % 2 !== 0 || wire.length < 4) throw new RangeError('histogram must be [min, max, index, count, ...]');
    for (let i = 2; i < wire.length; i += 2) {
      const index = wire[i];
      const n = wire[i + 1];
      if (!Number.isInteger(index) || index < 0 || index >= HISTOGRAM_BUCKET_COUNT) throw new RangeError(`histogram bucket ${index} is out of range`);
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`histogram count ${n} must be a positive integer`);
      h.counts.set(index, (h.counts.get(index) ?? 0) + n);
      h.count += n;
    }
    const [min, max] = wire;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min || max > HISTOGRAM_MAX_US) throw new RangeError('histogram min and max must be integers with 0 <= min <= max');
    h.minUs = min;
    h.maxUs = max;
    return h;
  }
}
