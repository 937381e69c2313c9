import { optional } from './api.tsx';

// Client of `GET /v2/control-planes/{id}/analytics` (docs/analytics.md). A server without it answers
// 404, and the UI shows an empty state instead of charts.

/** Milliseconds; null for a point without requests. */
export interface Percentiles { p50: number | null; p95: number | null; p99: number | null }
export interface Point {
  t: string;
  requests: number;
  bytes_in: number;
  bytes_out: number;
  latency: { total: Percentiles; upstream: Percentiles; gateway: Percentiles };
}
/** `key` is null for traffic without the grouped dimension (no route matched, no consumer). */
export interface Series { key: string | null; points: Point[] }
export interface Analytics {
  meta: { start: string; end: string; granularity: 'minute' | 'hour' };
  series: Series[];
  top?: { key: string | null; requests: number }[];
}

export interface AnalyticsQuery {
  minutes: number;
  granularity: 'minute' | 'hour';
  groupBy?: 'status_class' | 'route' | 'service' | 'consumer' | 'status_code';
  top?: number;
}

export function analyticsPath(controlPlaneId: string, q: AnalyticsQuery, now = Date.now()): string {
  const step = q.granularity === 'minute' ? 60_000 : 3_600_000;
  // Whole buckets, so that the last point is the current (partial) one and none is cut in half.
  const end = Math.ceil(now / step) * step;
  const params = new URLSearchParams({ start: new Date(end - q.minutes * 60_000).toISOString(), end: new Date(end).toISOString(), granularity: q.granularity });
  if (q.groupBy) params.set('group_by', q.groupBy);
  if (q.top) params.set('top', String(q.top));
  return `/v2/control-planes/${encodeURIComponent(controlPlaneId)}/analytics?${params}`;
}

/** The analytics answer, or undefined where the server has no analytics endpoint. */
export const loadAnalytics = (controlPlaneId: string, q: AnalyticsQuery): Promise<Analytics | undefined> => optional<Analytics>('GET', analyticsPath(controlPlaneId, q));

export const totalRequests = (a: Analytics): number => a.series.reduce((sum, s) => sum + s.points.reduce((n, p) => n + p.requests, 0), 0);

/** Requests per control plane (only those with traffic) over a range: `GET /v2/analytics/requests-summary`. */
export interface RequestsSummary { meta: { start: string; end: string }; data: Record<string, number> }

/** Requests in the last hour per gateway in one call, or undefined where the server has no such endpoint. */
export const loadRequestsLastHour = (): Promise<RequestsSummary | undefined> => optional<RequestsSummary>('GET', '/v2/analytics/requests-summary');
