import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TELEMETRY_BATCH_PATH } from '@gatehouse/data-plane/telemetry/index.ts';
import type { AppContext } from '../context.ts';
import { PROBLEM_JSON, ProblemError } from '../api/errors.ts';
import { createAnalyticsService, type AnalyticsService } from './service.ts';

// The telemetry endpoint (GATEHOUSE_TELEMETRY_PORT): data planes POST their batches here. Plain HTTP
// on the listen address for now; hybrid mode puts it behind mTLS (pass `handler` to its own server).

/** A batch of 10 000 series is about 2 MB of JSON; this leaves room for full histograms. */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export interface TelemetryServer {
  analytics: AnalyticsService;
  /** The request handler, for a server of the caller's own (e.g. an https.Server with client certificates). */
  handler(req: IncomingMessage, res: ServerResponse): void;
  listen(port: number, host?: string): Promise<{ port: number }>;
  close(): Promise<void>;
}

function send(res: ServerResponse, error: ProblemError): void {
  const body = JSON.stringify(error.toBody());
  res.writeHead(error.status, { 'content-type': PROBLEM_JSON, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * @example
 * const telemetry = createTelemetryServer(ctx);
 * await telemetry.listen(config.telemetryPort, config.listen);
 * telemetry.analytics.startRetention();
 */
export function createTelemetryServer(ctx: Pick<AppContext, 'store' | 'logger'>, analytics: AnalyticsService = createAnalyticsService(ctx)): TelemetryServer {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== TELEMETRY_BATCH_PATH) return send(res, new ProblemError(404, `No endpoint ${req.method} ${path}`));
    if (req.method !== 'POST') return send(res, new ProblemError(405, `${TELEMETRY_BATCH_PATH} takes POST`));
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') return send(res, new ProblemError(415, 'Telemetry batches are `Content-Type: application/json`'));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BATCH_BYTES) {
        res.setHeader('connection', 'close');
        return send(res, new ProblemError(413, `Telemetry batches are limited to ${MAX_BATCH_BYTES} bytes`));
      }
      chunks.push(chunk as Buffer);
    }
    let batch: unknown;
    try {
      batch = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, new ProblemError(400, 'Invalid request format', { invalidParameters: [{ field: 'body', rule: 'invalid', reason: 'request body is not valid JSON' }] }));
    }
    const result = await analytics.ingest(batch);
    if (!result.ok) return send(res, new ProblemError(400, 'Invalid Parameters', { invalidParameters: result.errors }));
    const body = JSON.stringify({ series: result.series, ignored: result.ignored });
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  function handler(req: IncomingMessage, res: ServerResponse): void {
    handle(req, res).catch((err: unknown) => {
      ctx.logger.error({ err }, 'telemetry ingestion failed');
      if (!res.headersSent) send(res, new ProblemError(500, 'An unexpected error occurred'));
      else res.destroy();
    });
  }

  const server = createServer(handler);
  return {
    analytics,
    handler,
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve({ port: (server.address() as AddressInfo).port });
        });
      });
    },
    async close() {
      analytics.stop();
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
