import { Type, validate, type FieldError, type Static } from '@gatehouse/schema';
import { HISTOGRAM_SCHEME, LatencyHistogram, TELEMETRY_BATCH_VERSION } from '@gatehouse/data-plane/telemetry/index.ts';
import type { AnalyticsGranularity, AnalyticsRow, Store } from '../store/types.ts';

// Ingestion of data-plane telemetry batches: validate, then merge each series into its minute row
// and its hour row (counts add, histograms merge), all in one transaction. Hourly rollups are kept up
// to date on ingestion, so no rollup job is needed and hour queries never read minutes.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Series per batch; a data plane flushes early long before this (its maxSeries default is 10 000). */
export const MAX_BATCH_SERIES = 50_000;

const id = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Null()]);
const histogram = Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 2 + 2 * 464 });
const count = Type.Integer({ minimum: 0 });

export const telemetryBatchSchema = Type.Object({
  version: Type.Literal(TELEMETRY_BATCH_VERSION),
  scheme: Type.Literal(HISTOGRAM_SCHEME),
  node: Type.Object({ id: Type.String({ maxLength: 128 }), version: Type.String({ maxLength: 64 }) }),
  sentAt: count,
  dropped: count,
  series: Type.Array(Type.Object({
    gatewayId: Type.String({ minLength: 1, maxLength: 128 }),
    minute: Type.Integer({ minimum: 0, multipleOf: MINUTE_MS }),
    routeId: id,
    serviceId: id,
    consumerId: id,
    status: Type.Integer({ minimum: 100, maximum: 999 }),
    requests: Type.Integer({ minimum: 1 }),
    bytesIn: count,
    bytesOut: count,
    latency: Type.Object({ total: histogram, upstream: histogram, gateway: histogram }),
  }), { maxItems: MAX_BATCH_SERIES }),
});
export type TelemetryBatchInput = Static<typeof telemetryBatchSchema>;

export type IngestResult = { ok: true; series: number; ignored: number } | { ok: false; errors: FieldError[] };

interface Parsed {
  row: AnalyticsRow;
  total: LatencyHistogram;
  upstream: LatencyHistogram;
  gateway: LatencyHistogram;
}

const rowKey = (r: AnalyticsRow) => `${r.route_id}\n${r.service_id}\n${r.consumer_id}\n${r.status}`;

/** Validates a batch and parses its histograms; errors name the field, as invalid_parameters. */
export function parseBatch(input: unknown): { ok: true; batch: TelemetryBatchInput; parsed: Parsed[] } | { ok: false; errors: FieldError[] } {
  const result = validate(telemetryBatchSchema, input);
  if (!result.ok) return result;
  const parsed: Parsed[] = [];
  for (const [i, s] of result.value.series.entries()) {
    const hist: LatencyHistogram[] = [];
    for (const kind of ['total', 'upstream', 'gateway'] as const) {
      try {
        hist.push(LatencyHistogram.fromWire(s.latency[kind]));
      } catch (err) {
        return { ok: false, errors: [{ field: `series.${i}.latency.${kind}`, rule: 'invalid', reason: (err as Error).message }] };
      }
    }
    const row: AnalyticsRow = {
      control_plane_id: s.gatewayId, bucket: s.minute, route_id: s.routeId, service_id: s.serviceId, consumer_id: s.consumerId, status: s.status,
      requests: s.requests, bytes_in: s.bytesIn, bytes_out: s.bytesOut, latency_total: [], latency_upstream: [], latency_gateway: [],
    };
    parsed.push({ row, total: hist[0], upstream: hist[1], gateway: hist[2] });
  }
  return { ok: true, batch: result.value, parsed };
}

/** Merges parsed series into the rows of one granularity; `align` maps a minute to its bucket. */
async function mergeInto(tx: Pick<Store, 'analytics'>, granularity: AnalyticsGranularity, series: Parsed[], align: (minute: number) => number): Promise<void> {
  const groups = new Map<string, Parsed[]>();
  for (const s of series) {
    const key = `${s.row.control_plane_id}\n${align(s.row.bucket)}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s]);
    else group.push(s);
  }
  for (const group of groups.values()) {
    const { control_plane_id: controlPlaneId } = group[0].row;
    const bucket = align(group[0].row.bucket);
    const existing = new Map<string, Parsed>();
    for (const row of await tx.analytics.bucket(granularity, controlPlaneId, bucket)) {
      existing.set(rowKey(row), { row, total: LatencyHistogram.fromWire(row.latency_total), upstream: LatencyHistogram.fromWire(row.latency_upstream), gateway: LatencyHistogram.fromWire(row.latency_gateway) });
    }
    const changed = new Map<string, Parsed>();
    for (const s of group) {
      const key = rowKey(s.row);
      let target = changed.get(key) ?? existing.get(key);
      if (target === undefined) {
        target = { row: { ...s.row, bucket, requests: 0, bytes_in: 0, bytes_out: 0 }, total: new LatencyHistogram(), upstream: new LatencyHistogram(), gateway: new LatencyHistogram() };
      }
      target.row.requests += s.row.requests;
      target.row.bytes_in += s.row.bytes_in;
      target.row.bytes_out += s.row.bytes_out;
      target.total.merge(s.total);
      target.upstream.merge(s.upstream);
      target.gateway.merge(s.gateway);
      changed.set(key, target);
    }
    const rows = [...changed.values()].map((p) => ({ ...p.row, latency_total: p.total.toWire(), latency_upstream: p.upstream.toWire(), latency_gateway: p.gateway.toWire() }));
    await tx.analytics.put(granularity, rows);
  }
}

/**
 * Stores a batch: series of gateways that do not exist (any more) are ignored.
 * @example await ingestBatch(store, JSON.parse(body)) // { ok: true, series: 12, ignored: 0 }
 */
export async function ingestBatch(store: Store, input: unknown): Promise<IngestResult> {
  const parsed = parseBatch(input);
  if (!parsed.ok) return parsed;
  const gatewayIds = [...new Set(parsed.parsed.map((p) => p.row.control_plane_id))];
  const known = new Set<string>();
  for (const gatewayId of gatewayIds) if ((await store.controlPlanes.get(gatewayId)) !== undefined) known.add(gatewayId);
  const series = parsed.parsed.filter((p) => known.has(p.row.control_plane_id));
  if (series.length > 0) {
    await store.transaction(async (tx) => {
      await mergeInto(tx, 'minute', series, (minute) => minute);
      await mergeInto(tx, 'hour', series, (minute) => minute - (minute % HOUR_MS));
    });
  }
  return { ok: true, series: series.length, ignored: parsed.parsed.length - series.length };
}
