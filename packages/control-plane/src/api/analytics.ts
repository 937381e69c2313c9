import type { FastifyInstance } from 'fastify';
import { Type } from '@gatehouse/schema';
import type { AppContext } from '../context.ts';
import { createAnalyticsService } from '../analytics/service.ts';
import type { Query } from './schemas/request.ts';

// Traffic analytics (docs/analytics.md): Gatehouse's own design, in Konnect-native style
// (problem+json errors with invalid_parameters, filter[...] query parameters).

const ms = Type.Union([Type.Number(), Type.Null()]);
const percentiles = Type.Object({ p50: ms, p95: ms, p99: ms });
const key = Type.Union([Type.String(), Type.Null()]);

export const analyticsResponseSchema = Type.Object({
  meta: Type.Object({ start: Type.String(), end: Type.String(), granularity: Type.Union([Type.Literal('minute'), Type.Literal('hour')]) }),
  series: Type.Array(Type.Object({
    key,
    points: Type.Array(Type.Object({
      t: Type.String(),
      requests: Type.Integer(),
      bytes_in: Type.Integer(),
      bytes_out: Type.Integer(),
      latency: Type.Object({ total: percentiles, upstream: percentiles, gateway: percentiles }),
    })),
  })),
  top: Type.Optional(Type.Array(Type.Object({ key, requests: Type.Integer() }))),
});

export const requestsSummarySchema = Type.Object({
  meta: Type.Object({ start: Type.String(), end: Type.String() }),
  data: Type.Record(Type.String(), Type.Integer()),
});

type IdParams = { Params: { controlPlaneId: string } };

/**
 * `GET /v2/control-planes/{id}/analytics`: time series and top-N of a gateway's traffic;
 * `GET /v2/analytics/requests-summary`: requests per gateway over a range, for lists (one call for all).
 */
export function registerAnalyticsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = createAnalyticsService(ctx);
  app.get<IdParams>('/v2/control-planes/:controlPlaneId/analytics', { schema: { response: { 200: analyticsResponseSchema } } }, (request) =>
    service.query(request.params.controlPlaneId, request.query as Query),
  );
  app.get('/v2/analytics/requests-summary', { schema: { response: { 200: requestsSummarySchema } } }, (request) =>
    service.requestsSummary(request.query as Query),
  );
}
