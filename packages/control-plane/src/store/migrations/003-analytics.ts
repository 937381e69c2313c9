import type { Migration } from './index.ts';

// Traffic analytics (issue 10): per control plane, bucket (epoch ms of the minute or hour), route,
// service, consumer and status, the request count, bytes and three latency histograms (the data
// plane's LatencyHistogram wire form, JSON). Absent dimensions are stored as '' so that they can be
// part of the primary key (PostgreSQL refuses NULL there). Rows are merged on ingestion and pruned
// by age (the bucket index), not with their control plane: retention removes them.

const table = (name: string, int: string, json: string) => `
    CREATE TABLE ${name} (
      control_plane_id TEXT NOT NULL, bucket ${int} NOT NULL,
      route_id TEXT NOT NULL, service_id TEXT NOT NULL, consumer_id TEXT NOT NULL, status INTEGER NOT NULL,
      requests ${int} NOT NULL, bytes_in ${int} NOT NULL, bytes_out ${int} NOT NULL,
      latency_total ${json} NOT NULL, latency_upstream ${json} NOT NULL, latency_gateway ${json} NOT NULL,
      PRIMARY KEY (control_plane_id, bucket, route_id, service_id, consumer_id, status)
    );
    CREATE INDEX ${name}_bucket ON ${name} (bucket);`;

export const analytics: Migration = {
  version: 3,
  name: 'analytics',
  sqlite: table('analytics_minutes', 'INTEGER', 'TEXT') + table('analytics_hours', 'INTEGER', 'TEXT'),
  postgres: table('analytics_minutes', 'BIGINT', 'JSONB') + table('analytics_hours', 'BIGINT', 'JSONB'),
};
