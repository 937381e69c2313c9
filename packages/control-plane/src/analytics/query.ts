import type { FieldError } from '@gatehouse/schema';
import { LatencyHistogram } from '@gatehouse/data-plane/telemetry/index.ts';
import { assertNoQueryErrors, readFilters, type Query } from '../api/schemas/request.ts';
import type { AnalyticsGranularity, AnalyticsRangeQuery, AnalyticsRow } from '../store/types.ts';
import { HOUR_MS, MINUTE_MS } from './ingest.ts';

// GET /v2/control-planes/{id}/analytics and GET /v2/analytics/requests-summary (docs/analytics.md):
// query parsing and the answers built from minute or hour rows. Our own design; Konnect's analytics API is a different product.

export const GROUP_BY = ['status_class', 'route', 'service', 'consumer', 'status_code'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
const GRANULARITIES: Record<AnalyticsGranularity, number> = { minute: MINUTE_MS, hour: HOUR_MS };
/** Points per series: 48 h of minutes, 31 days of hours. */
const MAX_POINTS: Record<AnalyticsGranularity, number> = { minute: 2880, hour: 744 };
export const MAX_TOP = 100;
/** Series returned without `top`, biggest first. */
export const MAX_SERIES = 100;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const STATUS = /^[1-5](\d\d|xx)$/;

export interface AnalyticsRequest {
  granularity: AnalyticsGranularity;
  from: number;
  to: number;
  groupBy: GroupBy | null;
  top: number | null;
  range: Omit<AnalyticsRangeQuery, 'controlPlaneId' | 'from' | 'to'>;
}

function time(query: Query, key: 'start' | 'end', errors: FieldError[]): number | undefined {
  const raw = query[key];
  if (raw === undefined || raw === '') return undefined;
  const value = typeof raw === 'string' && ISO_DATE_TIME.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(value)) errors.push({ field: key, rule: 'is_date_time', reason: `${key} must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z` });
  return Number.isNaN(value) ? undefined : value;
}

function oneOf<T extends string>(query: Query, key: string, choices: readonly T[], errors: FieldError[]): T | undefined {
  const raw = query[key];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as T;
  errors.push({ field: key, rule: 'enum', choices: [...choices], reason: `${key} must be one of: ${choices.join(', ')}` });
  return undefined;
}

/** Reads and checks the query; throws Konnect's 400 with invalid_parameters. `now` is epoch ms. */
export function readAnalyticsQuery(query: Query, now: number): AnalyticsRequest {
  const errors: FieldError[] = [];
  const granularity = oneOf(query, 'granularity', ['minute', 'hour'] as const, errors) ?? 'minute';
  const groupBy = oneOf(query, 'group_by', GROUP_BY, errors) ?? null;
  const step = GRANULARITIES[granularity];
  const end = time(query, 'end', errors) ?? now;
  const start = time(query, 'start', errors) ?? end - HOUR_MS;
  let top: number | null = null;
  if (query.top !== undefined && query.top !== '') {
    const raw = String(query.top);
    top = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(top >= 1 && top <= MAX_TOP)) errors.push({ field: 'top', rule: 'between', minimum: 1, maximum: MAX_TOP, reason: `top must be an integer from 1 to ${MAX_TOP}` });
    else if (groupBy === null) errors.push({ field: 'top', rule: 'dependent', reason: 'top needs group_by: it ranks the groups' });
  }
  const filters = readFilters(query, { route_id: ['eq'], service_id: ['eq'], consumer_id: ['eq'], status_code: ['eq'] }, errors);
  const range: AnalyticsRequest['range'] = {};
  if (filters.route_id) range.routeIds = [filters.route_id.eq];
  if (filters.service_id) range.serviceIds = [filters.service_id.eq];
  if (filters.consumer_id) range.consumerIds = [filters.consumer_id.eq];
  const status = filters.status_code?.eq;
  if (status !== undefined) {
    if (!STATUS.test(status)) errors.push({ field: 'filter[status_code]', rule: 'pattern', reason: 'filter[status_code] must be a status code (404) or a class (4xx)' });
    else if (status.endsWith('xx')) [range.statusMin, range.statusMax] = [Number(status[0]) * 100, Number(status[0]) * 100 + 99];
    else range.statusMin = range.statusMax = Number(status);
  }
  const from = Math.floor(start / step) * step;
  const to = Math.ceil(end / step) * step;
  if (errors.length === 0) {
    if (start >= end) errors.push({ field: 'start', rule: 'before', reason: 'start must be before end' });
    else if ((to - from) / step > MAX_POINTS[granularity]) {
      errors.push({ field: 'end', rule: 'max_range', maximum: MAX_POINTS[granularity], reason: `the range holds more than ${MAX_POINTS[granularity]} ${granularity}s; narrow it or use a coarser granularity` });
    }
  }
  assertNoQueryErrors(errors);
  return { granularity, from, to, groupBy, top, range };
}

export interface SummaryRequest {
  /** Minute rows for ranges up to 48 h, hour rows beyond (up to 31 days). */
  granularity: AnalyticsGranularity;
  from: number;
  to: number;
}

/** `GET /v2/analytics/requests-summary`: start and end (default: the last hour), aligned outward. */
export function readSummaryQuery(query: Query, now: number): SummaryRequest {
  const errors: FieldError[] = [];
  for (const key of Object.keys(query)) {
    if (key !== 'start' && key !== 'end') errors.push({ field: key, rule: 'unknown', reason: `${key} is not a parameter of this endpoint (start, end)` });
  }
  const end = time(query, 'end', errors) ?? now;
  const start = time(query, 'start', errors) ?? end - HOUR_MS;
  let granularity: AnalyticsGranularity = 'minute';
  if (errors.length === 0) {
    if (start >= end) errors.push({ field: 'start', rule: 'before', reason: 'start must be before end' });
    else if ((Math.ceil(end / MINUTE_MS) - Math.floor(start / MINUTE_MS)) > MAX_POINTS.minute) granularity = 'hour';
    if (granularity === 'hour' && Math.ceil(end / HOUR_MS) - Math.floor(start / HOUR_MS) > MAX_POINTS.hour) {
      errors.push({ field: 'end', rule: 'max_range', maximum: MAX_POINTS.hour, reason: `the range holds more than ${MAX_POINTS.hour} hours; narrow it` });
    }
  }
  assertNoQueryErrors(errors);
  const step = GRANULARITIES[granularity];
  return { granularity, from: Math.floor(start / step) * step, to: Math.ceil(end / step) * step };
}

const KEY_OF: Record<GroupBy, (r: AnalyticsRow) => string | null> = {
  status_class: (r) => `${Math.floor(r.status / 100)}xx`,
  route: (r) => r.route_id,
  service: (r) => r.service_id,
  consumer: (r) => r.consumer_id,
  status_code: (r) => String(r.status),
};

class Cell {
  requests = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly total = new LatencyHistogram();
  readonly upstream = new LatencyHistogram();
  readonly gateway = new LatencyHistogram();
}

const percentiles = (h: LatencyHistogram) => ({ p50: h.quantileMs(0.5), p95: h.quantileMs(0.95), p99: h.quantileMs(0.99) });

/** Groups rows into series of zero-filled points, biggest series first. */
export function buildAnalytics(request: AnalyticsRequest, rows: AnalyticsRow[]) {
  const { from, to, granularity, groupBy, top } = request;
  const step = GRANULARITIES[granularity];
  const groups = new Map<string | null, { requests: number; cells: Map<number, Cell> }>();
  if (groupBy === null) groups.set('all', { requests: 0, cells: new Map() });
  for (const row of rows) {
    const key = groupBy === null ? 'all' : KEY_OF[groupBy](row);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { requests: 0, cells: new Map() }));
    let cell = group.cells.get(row.bucket);
    if (cell === undefined) group.cells.set(row.bucket, (cell = new Cell()));
    group.requests += row.requests;
    cell.requests += row.requests;
    cell.bytesIn += row.bytes_in;
    cell.bytesOut += row.bytes_out;
    cell.total.merge(LatencyHistogram.fromWire(row.latency_total));
    cell.upstream.merge(LatencyHistogram.fromWire(row.latency_upstream));
    cell.gateway.merge(LatencyHistogram.fromWire(row.latency_gateway));
  }
  const ranked = [...groups.entries()].sort((a, b) => b[1].requests - a[1].requests || String(a[0]).localeCompare(String(b[0])));
  const kept = ranked.slice(0, top ?? MAX_SERIES);
  const series = kept.map(([key, group]) => {
    const points = [];
    for (let t = from; t < to; t += step) {
      const cell = group.cells.get(t) ?? null;
      points.push({
        t: new Date(t).toISOString(),
        requests: cell?.requests ?? 0,
        bytes_in: cell?.bytesIn ?? 0,
        bytes_out: cell?.bytesOut ?? 0,
        latency: cell === null ? EMPTY_LATENCY : { total: percentiles(cell.total), upstream: percentiles(cell.upstream), gateway: percentiles(cell.gateway) },
      });
    }
    return { key, points };
  });
  const body: { meta: { start: string; end: string; granularity: AnalyticsGranularity }; series: typeof series; top?: { key: string | null; requests: number }[] } = {
    meta: { start: new Date(from).toISOString(), end: new Date(to).toISOString(), granularity },
    series,
  };
  if (top !== null) body.top = kept.map(([key, group]) => ({ key, requests: group.requests }));
  return body;
}

const NONE = { p50: null, p95: null, p99: null };
const EMPTY_LATENCY = { total: NONE, upstream: NONE, gateway: NONE };
