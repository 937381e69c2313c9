import { request, type Dispatcher } from 'undici';
import type { TelemetryBatch, TelemetryReporter } from './batch.ts';

/** The control plane's ingestion path on its telemetry listener. */
export const TELEMETRY_BATCH_PATH = '/v1/telemetry/batches';

export interface HttpReporterOptions {
  /** The telemetry endpoint's origin, e.g. `http://127.0.0.1:8006` (the path is added). */
  url: string;
  /** Extra request headers (e.g. a node token). */
  headers?: Record<string, string>;
  /** Per batch; default 10 s. */
  timeoutMs?: number;
  /** An undici dispatcher (e.g. an Agent with client certificates for mTLS). */
  dispatcher?: Dispatcher;
}

/**
 * POSTs each batch as JSON; anything but a 2xx rejects, so the recorder keeps the batch for retry.
 * @example createTelemetryRecorder({ reporter: createHttpReporter({ url: 'http://127.0.0.1:8006' }) })
 */
export function createHttpReporter(options: HttpReporterOptions): TelemetryReporter {
  const url = new URL(TELEMETRY_BATCH_PATH, options.url).toString();
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async report(batch: TelemetryBatch) {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(batch),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        dispatcher: options.dispatcher,
      });
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`telemetry endpoint answered ${res.statusCode}: ${text.slice(0, 200)}`);
    },
  };
}
