import type { AppContext } from '../context.ts';
import { assertUuid, type Query } from '../api/schemas/request.ts';
import { controlPlaneNotFound } from '../services/control-planes.ts';
import { loadAnalyticsRetention, type AnalyticsRetention } from './config.ts';
import { HOUR_MS, ingestBatch } from './ingest.ts';
import { buildAnalytics, readAnalyticsQuery, readSummaryQuery } from './query.ts';

/** How often the retention job runs. */
const RETENTION_INTERVAL_MS = 10 * 60_000;

/**
 * Analytics: ingestion of data-plane batches, the query behind the API, and retention.
 * @example
 * const analytics = createAnalyticsService(ctx);
 * analytics.startRetention(); // prunes every 10 minutes until stop()
 */
export function createAnalyticsService(ctx: Pick<AppContext, 'store' | 'logger'>, options: { retention?: AnalyticsRetention; now?: () => number } = {}) {
  const retention = options.retention ?? loadAnalyticsRetention();
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | null = null;

  async function prune(): Promise<{ minutes: number; hours: number }> {
    const t = now();
    const minutes = await ctx.store.analytics.prune('minute', t - retention.minuteRetentionHours * HOUR_MS);
    const hours = await ctx.store.analytics.prune('hour', t - retention.hourRetentionDays * 24 * HOUR_MS);
    return { minutes, hours };
  }

  return {
    retention,
    /** Stores a telemetry batch (see ingest.ts); bad input comes back as field errors, nothing stored. */
    ingest: (batch: unknown) => ingestBatch(ctx.store, batch),

    /** The API's answer for one control plane; throws ProblemError (400, 404). */
    async query(controlPlaneId: string, query: Query) {
      assertUuid(controlPlaneId, 'controlPlaneId');
      const request = readAnalyticsQuery(query, now());
      if ((await ctx.store.controlPlanes.get(controlPlaneId)) === undefined) throw controlPlaneNotFound();
      const rows = await ctx.store.analytics.range(request.granularity, { controlPlaneId, from: request.from, to: request.to, ...request.range });
      return buildAnalytics(request, rows);
    },

    /** Requests per control plane with traffic in the range: one grouped store query; throws ProblemError (400). */
    async requestsSummary(query: Query) {
      const request = readSummaryQuery(query, now());
      const rows = await ctx.store.analytics.requestsByControlPlane(request.granularity, request.from, request.to);
      return {
        meta: { start: new Date(request.from).toISOString(), end: new Date(request.to).toISOString() },
        data: Object.fromEntries(rows.map((r) => [r.control_plane_id, r.requests])),
      };
    },

    /** Deletes minute rows past minuteRetentionHours and hour rows past hourRetentionDays. */
    prune,

    startRetention(intervalMs = RETENTION_INTERVAL_MS): void {
      if (timer !== null) return;
      const run = () => void prune().then(
        (removed) => ctx.logger.debug({ removed }, 'analytics retention'),
        (err: unknown) => ctx.logger.error({ err }, 'analytics retention failed'),
      );
      run();
      timer = setInterval(run, intervalMs);
      timer.unref();
    },

    stop(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
