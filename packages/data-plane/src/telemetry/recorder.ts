import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { HISTOGRAM_SCHEME, LatencyHistogram } from './histogram.ts';
import { TELEMETRY_BATCH_VERSION, type TelemetryBatch, type TelemetryReporter, type TelemetrySeries } from './batch.ts';

// Traffic aggregation for analytics. `record` runs after the response is done (the exchange's
// 'close', where Kong runs its log phase) and only adds to an in-memory series; a timer cuts the
// series into a batch and hands it to the reporter, so no request ever waits on telemetry. Memory is
// bounded by `maxSeries` live series and `maxPendingBatches` unsent batches.

export interface TelemetryOptions {
  reporter: TelemetryReporter;
  /** How often batches are cut and sent; default 10 s. */
  flushIntervalMs?: number;
  /** Distinct (gateway, minute, route, service, consumer, status) series held between flushes; default 10 000. */
  maxSeries?: number;
  /** Unsent batches kept for retry while the reporter fails; the oldest is dropped past it. Default 30. */
  maxPendingBatches?: number;
  /** This node's id in batches; default a random UUID. */
  nodeId?: string;
  version?: string;
  logger?: Logger;
  /** Clock in epoch ms (tests). */
  now?: () => number;
}

export interface TelemetryRecorder {
  /** Counts one finished request. `upstreamMs` is -1 when no upstream answered. */
  record(gatewayId: string, routeId: string | null, serviceId: string | null, consumerId: string | null, status: number, totalMs: number, upstreamMs: number, bytesIn: number, bytesOut: number): void;
  /** Cuts a batch of everything recorded so far and sends it (with any batch left from a failure). */
  flush(): Promise<void>;
  /** Stops the timer and flushes once more. */
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;

class Series {
  readonly gatewayId: string;
  readonly minute: number;
  readonly routeId: string | null;
  readonly serviceId: string | null;
  readonly consumerId: string | null;
  readonly status: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  readonly total: LatencyHistogram;
  readonly upstream: LatencyHistogram;
  readonly gateway: LatencyHistogram;

  constructor(gatewayId: string, minute: number, routeId: string | null, serviceId: string | null, consumerId: string | null, status: number) {
    this.gatewayId = gatewayId;
    this.minute = minute;
    this.routeId = routeId;
    this.serviceId = serviceId;
    this.consumerId = consumerId;
    this.status = status;
    this.requests = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.total = new LatencyHistogram();
    this.upstream = new LatencyHistogram();
    this.gateway = new LatencyHistogram();
  }

  toWire(): TelemetrySeries {
    return {
      gatewayId: this.gatewayId,
      minute: this.minute,
      routeId: this.routeId,
      serviceId: this.serviceId,
      consumerId: this.consumerId,
      status: this.status,
      requests: this.requests,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      latency: { total: this.total.toWire(), upstream: this.upstream.toWire(), gateway: this.gateway.toWire() },
    };
  }
}

/**
 * @example
 * const telemetry = createTelemetryRecorder({ reporter: createHttpReporter({ url }) });
 * telemetry.record(gatewayId, routeId, serviceId, null, 200, 12.3, 10.1, 0, 512);
 * await telemetry.close();
 */
export function createTelemetryRecorder(options: TelemetryOptions): TelemetryRecorder {
  const { reporter } = options;
  const maxSeries = options.maxSeries ?? 10_000;
  const maxPending = options.maxPendingBatches ?? 30;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? pino({ enabled: false });
  const node = { id: options.nodeId ?? randomUUID(), version: options.version ?? '0.1.0' };
  let series = new Map<string, Series>();
  let dropped = 0;
  const pending: TelemetryBatch[] = [];
  let chain: Promise<void> = Promise.resolve();
  let isEarlyFlushScheduled = false;

  async function send(): Promise<void> {
    if (series.size > 0 || dropped > 0) {
      const batch: TelemetryBatch = { version: TELEMETRY_BATCH_VERSION, scheme: HISTOGRAM_SCHEME, node, sentAt: now(), dropped, series: [] };
      for (const s of series.values()) batch.series.push(s.toWire());
      series = new Map();
      dropped = 0;
      pending.push(batch);
      while (pending.length > maxPending) {
        const lost = pending.shift()!;
        const requests = lost.series.reduce((sum, s) => sum + s.requests, 0);
        dropped += requests + lost.dropped;
        logger.warn({ requests }, 'telemetry batch dropped: the reporter keeps failing');
      }
    }
    while (pending.length > 0) {
      try {
        await reporter.report(pending[0]);
      } catch (err) {
        logger.warn({ err, pending: pending.length }, 'telemetry report failed; will retry');
        return;
      }
      pending.shift();
    }
  }

  // Serialized, so two flushes never send the same batch or reorder batches.
  const flush = (): Promise<void> => (chain = chain.then(send));

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 10_000);
  timer.unref();

  function flushEarly(): void {
    isEarlyFlushScheduled = false;
    void flush();
  }

  return {
    record(gatewayId, routeId, serviceId, consumerId, status, totalMs, upstreamMs, bytesIn, bytesOut) {
      const t = now();
      const minute = t - (t % MINUTE_MS);
      const key = `${gatewayId}\n${minute}\n${routeId}\n${serviceId}\n${consumerId}\n${status}`;
      let s = series.get(key);
      if (s === undefined) {
        if (series.size >= maxSeries) {
          dropped++;
          if (!isEarlyFlushScheduled) {
            isEarlyFlushScheduled = true;
            setImmediate(flushEarly);
          }
          return;
        }
        s = new Series(gatewayId, minute, routeId, serviceId, consumerId, status);
        series.set(key, s);
      }
      s.requests++;
      s.bytesIn += bytesIn;
      s.bytesOut += bytesOut;
      s.total.recordMs(totalMs);
      if (upstreamMs >= 0) {
        s.upstream.recordMs(upstreamMs);
        s.gateway.recordMs(Math.max(0, totalMs - upstreamMs));
      } else {
        s.gateway.recordMs(totalMs);
      }
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
