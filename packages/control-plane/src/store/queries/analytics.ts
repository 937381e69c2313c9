import type { AnalyticsGranularity, AnalyticsRow, StoreTx } from '../types.ts';
import { num, params, type Executor, type SqlRow } from '../sql.ts';

// Analytics rollups (migration 003). The histogram columns hold the data plane's LatencyHistogram
// wire form; merging them is the analytics service's job, the store only reads and writes rows.

const TABLES: Record<AnalyticsGranularity, string> = { minute: 'analytics_minutes', hour: 'analytics_hours' };
const KEY = ['control_plane_id', 'bucket', 'route_id', 'service_id', 'consumer_id', 'status'];
const COLUMNS = [...KEY, 'requests', 'bytes_in', 'bytes_out', 'latency_total', 'latency_upstream', 'latency_gateway'];
const SELECT = COLUMNS.join(', ');
// Absent dimensions are '' in the table (they are part of the primary key).
const orNull = (value: unknown): string | null => (value === '' ? null : (value as string));

function toRow(db: Executor, r: SqlRow): AnalyticsRow {
  const d = db.dialect;
  return {
    control_plane_id: r.control_plane_id as string,
    bucket: num(r.bucket),
    route_id: orNull(r.route_id),
    service_id: orNull(r.service_id),
    consumer_id: orNull(r.consumer_id),
    status: num(r.status),
    requests: num(r.requests),
    bytes_in: num(r.bytes_in),
    bytes_out: num(r.bytes_out),
    latency_total: d.fromJson(r.latency_total) as number[],
    latency_upstream: d.fromJson(r.latency_upstream) as number[],
    latency_gateway: d.fromJson(r.latency_gateway) as number[],
  };
}

export function analyticsQueries(db: Executor): StoreTx['analytics'] {
  const d = db.dialect;
  return {
    async bucket(granularity, controlPlaneId, bucket) {
      const rows = await db.all(`SELECT ${SELECT} FROM ${TABLES[granularity]} WHERE control_plane_id = ${d.placeholder(1)} AND bucket = ${d.placeholder(2)}`, [controlPlaneId, bucket]);
      return rows.map((r) => toRow(db, r));
    },
    async put(granularity, rows) {
      const updates = COLUMNS.filter((c) => !KEY.includes(c)).map((c) => `${c} = excluded.${c}`).join(', ');
      const sql = `INSERT INTO ${TABLES[granularity]} (${SELECT}) VALUES (${COLUMNS.map((_, i) => d.placeholder(i + 1)).join(', ')})
        ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET ${updates}`;
      for (const row of rows) {
        await db.run(sql, [
          row.control_plane_id, row.bucket, row.route_id ?? '', row.service_id ?? '', row.consumer_id ?? '', row.status,
          row.requests, row.bytes_in, row.bytes_out, d.toJson(row.latency_total), d.toJson(row.latency_upstream), d.toJson(row.latency_gateway),
        ]);
      }
    },
    async range(granularity, query) {
      const p = params(d);
      let sql = `SELECT ${SELECT} FROM ${TABLES[granularity]} WHERE control_plane_id = ${p.add(query.controlPlaneId)} AND bucket >= ${p.add(query.from)} AND bucket < ${p.add(query.to)}`;
      if (query.routeIds) sql += ` AND ${d.inList('route_id', p.add(d.toList(query.routeIds)))}`;
      if (query.serviceIds) sql += ` AND ${d.inList('service_id', p.add(d.toList(query.serviceIds)))}`;
      if (query.consumerIds) sql += ` AND ${d.inList('consumer_id', p.add(d.toList(query.consumerIds)))}`;
      if (query.statusMin !== undefined) sql += ` AND status >= ${p.add(query.statusMin)}`;
      if (query.statusMax !== undefined) sql += ` AND status <= ${p.add(query.statusMax)}`;
      const rows = await db.all(`${sql} ORDER BY bucket`, p.values);
      return rows.map((r) => toRow(db, r));
    },
    async requestsByControlPlane(granularity, from, to) {
      const rows = await db.all(
        `SELECT control_plane_id, SUM(requests) AS requests FROM ${TABLES[granularity]} WHERE bucket >= ${d.placeholder(1)} AND bucket < ${d.placeholder(2)}
          GROUP BY control_plane_id HAVING SUM(requests) > 0 ORDER BY control_plane_id`,
        [from, to],
      );
      return rows.map((r) => ({ control_plane_id: r.control_plane_id as string, requests: num(r.requests) }));
    },
    async prune(granularity, before) {
      return db.run(`DELETE FROM ${TABLES[granularity]} WHERE bucket < ${d.placeholder(1)}`, [before]);
    },
  };
}
