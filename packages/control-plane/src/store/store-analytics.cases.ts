import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freshStore } from './store.fixtures.ts';
import type { AnalyticsRow, Store } from './types.ts';

// Part of store.cases.ts: analytics rollups (migration 003) on minute and hour tables.

const HOUR = 3_600_000;
const T0 = 1_700_002_800_000; // An hour boundary.

function row(overrides: Partial<AnalyticsRow> = {}): AnalyticsRow {
  return {
    control_plane_id: 'cp-1', bucket: T0, route_id: 'r1', service_id: 's1', consumer_id: null, status: 200,
    requests: 3, bytes_in: 10, bytes_out: 2_000_000_000_000, latency_total: [1000, 5000, 64, 2, 99, 1], latency_upstream: [], latency_gateway: [1000, 1000, 64, 3],
    ...overrides,
  };
}

export function analyticsCases(open: () => Promise<Store>): void {
  describe('analytics', () => {
    it('puts rows, reads them back by bucket with null dimensions kept, and replaces by key', async (t) => {
      const store = await freshStore(t, open);
      const a = row();
      const unmatched = row({ route_id: null, service_id: null, status: 404 });
      const other = row({ control_plane_id: 'cp-2' });
      await store.analytics.put('minute', [a, unmatched, other]);
      const sort = (rows: AnalyticsRow[]) => rows.sort((x, y) => x.status - y.status);
      assert.deepEqual(sort(await store.analytics.bucket('minute', 'cp-1', T0)), [a, unmatched]);
      assert.deepEqual(await store.analytics.bucket('hour', 'cp-1', T0), [], 'tables are separate');
      const replaced = { ...a, requests: 7, latency_total: [1, 1, 1, 7] };
      await store.analytics.put('minute', [replaced]);
      assert.deepEqual(sort(await store.analytics.bucket('minute', 'cp-1', T0)), [replaced, unmatched]);
    });

    it('reads a range [from, to) with route, service, consumer and status filters', async (t) => {
      const store = await freshStore(t, open);
      const rows = [
        row({ bucket: T0 - HOUR }),
        row({ bucket: T0 }),
        row({ bucket: T0 + HOUR, status: 503, route_id: 'r2' }),
        row({ bucket: T0 + HOUR, consumer_id: 'c1', status: 201 }),
        row({ bucket: T0 + 2 * HOUR }),
      ];
      await store.analytics.put('hour', rows);
      const range = async (query: Partial<Parameters<Store['analytics']['range']>[1]>) =>
        (await store.analytics.range('hour', { controlPlaneId: 'cp-1', from: T0, to: T0 + 2 * HOUR, ...query })).map((r) => `${r.bucket - T0}/${r.route_id}/${r.consumer_id}/${r.status}`).sort();
      assert.deepEqual(await range({}), ['0/r1/null/200', `${HOUR}/r1/c1/201`, `${HOUR}/r2/null/503`]);
      assert.deepEqual(await range({ routeIds: ['r2'] }), [`${HOUR}/r2/null/503`]);
      assert.deepEqual(await range({ serviceIds: ['nope'] }), []);
      assert.deepEqual(await range({ consumerIds: ['c1'] }), [`${HOUR}/r1/c1/201`]);
      assert.deepEqual(await range({ statusMin: 500, statusMax: 599 }), [`${HOUR}/r2/null/503`]);
      assert.deepEqual(await range({ statusMin: 200, statusMax: 200 }), ['0/r1/null/200']);
      assert.deepEqual(await range({ controlPlaneId: 'cp-2' }), []);
    });

    it('sums requests per control plane over [from, to), leaving out those without traffic', async (t) => {
      const store = await freshStore(t, open);
      await store.analytics.put('hour', [
        row({ bucket: T0 - HOUR, requests: 100 }),
        row({ bucket: T0, requests: 3 }),
        row({ bucket: T0, status: 404, route_id: null, requests: 4 }),
        row({ bucket: T0 + HOUR, control_plane_id: 'cp-2', requests: 5 }),
        row({ bucket: T0 + HOUR, control_plane_id: 'cp-3', requests: 0 }),
        row({ bucket: T0 + 2 * HOUR, control_plane_id: 'cp-2', requests: 100 }),
      ]);
      assert.deepEqual(await store.analytics.requestsByControlPlane('hour', T0, T0 + 2 * HOUR), [
        { control_plane_id: 'cp-1', requests: 7 },
        { control_plane_id: 'cp-2', requests: 5 },
      ]);
      assert.deepEqual(await store.analytics.requestsByControlPlane('minute', T0, T0 + 2 * HOUR), [], 'tables are separate');
    });

    it('prunes rows older than a cutoff, per table', async (t) => {
      const store = await freshStore(t, open);
      await store.analytics.put('minute', [row({ bucket: T0 - 1 }), row({ bucket: T0 }), row({ bucket: T0 + 60_000 })]);
      await store.analytics.put('hour', [row({ bucket: T0 - HOUR })]);
      assert.equal(await store.analytics.prune('minute', T0), 1);
      assert.equal(await store.analytics.prune('minute', T0), 0);
      const left = await store.analytics.range('minute', { controlPlaneId: 'cp-1', from: 0, to: T0 * 2 });
      assert.deepEqual(left.map((r) => r.bucket - T0), [0, 60_000]);
      assert.equal((await store.analytics.range('hour', { controlPlaneId: 'cp-1', from: 0, to: T0 * 2 })).length, 1, 'hour rows untouched');
    });

    it('rolls back a put inside a failed transaction', async (t) => {
      const store = await freshStore(t, open);
      await assert.rejects(store.transaction(async (tx) => {
        await tx.analytics.put('minute', [row()]);
        throw new Error('boom');
      }), /boom/);
      assert.deepEqual(await store.analytics.bucket('minute', 'cp-1', T0), []);
    });
  });
}
