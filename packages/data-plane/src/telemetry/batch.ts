import type { HISTOGRAM_SCHEME } from './histogram.ts';

// What a data plane sends to the control plane's telemetry endpoint: per gateway, minute, route,
// service, consumer and status, the request count, bytes and three latency histograms (wire form of
// LatencyHistogram). Several batches may carry the same key (several flushes per minute, several
// nodes): the receiver adds counts and merges histograms.

export const TELEMETRY_BATCH_VERSION = 1;

export interface TelemetrySeries {
  gatewayId: string;
  /** Epoch milliseconds of the minute's start. */
  minute: number;
  /** null: the request matched no route (or had no service, or no consumer). */
  routeId: string | null;
  serviceId: string | null;
  consumerId: string | null;
  status: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** LatencyHistogram wire forms; `upstream` is empty for answers that never reached an upstream. */
  latency: { total: number[]; upstream: number[]; gateway: number[] };
}

export interface TelemetryBatch {
  version: typeof TELEMETRY_BATCH_VERSION;
  scheme: typeof HISTOGRAM_SCHEME;
  node: { id: string; version: string };
  /** Epoch milliseconds when the batch was cut. */
  sentAt: number;
  /** Requests left uncounted since the previous batch because the series limit was reached. */
  dropped: number;
  series: TelemetrySeries[];
}

/** Where batches go: the HTTP reporter, or the control plane's ingestion itself when in-process. */
export interface TelemetryReporter {
  report(batch: TelemetryBatch): Promise<void>;
}
