import type { Exchange } from '../server/exchange.ts';
import type { TelemetryRecorder } from './recorder.ts';

// Reads what analytics counts off a finished exchange; called from the exchange's 'close', after the
// log phase. Kong logs 499 for a client that left before the response was sent; so do we.

const CLIENT_CLOSED = 499;

// The plugin context gains `consumer` with the auth plugins and `responseSize` with body filters;
// read structurally so telemetry works before and after they land.
interface ContextExtras {
  consumer?: { id?: string } | null;
  responseSize?: number;
}

export function recordExchange(telemetry: TelemetryRecorder, res: Exchange, gatewayId: string): void {
  const ctx = res.pctx as ContextExtras | null;
  const route = res.target?.route ?? null;
  const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
  const length = res.req.headers['content-length'];
  const bytesIn = length === undefined ? 0 : Number(length) || 0;
  let bytesOut = ctx?.responseSize ?? 0;
  if (bytesOut === 0) {
    const sent = res.getHeader('content-length');
    if (sent !== undefined && res.req.method !== 'HEAD') bytesOut = Number(sent) || 0;
  }
  telemetry.record(
    gatewayId,
    route?.id ?? null,
    route?.service?.id ?? null,
    ctx?.consumer?.id ?? null,
    status,
    performance.now() - res.startedAt,
    res.upstreamLatencyMs,
    bytesIn,
    bytesOut,
  );
}
