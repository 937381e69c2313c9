import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { rejectsWith, storeWithControlPlane, tick } from './store.fixtures.ts';
import type { CustomDomainRow, Store } from './types.ts';

// Part of store.cases.ts: custom domains (issue 8).

function customDomain(controlPlaneId: string, overrides: Partial<CustomDomainRow> = {}): CustomDomainRow {
  const now = tick();
  return {
    id: randomUUID(), control_plane_id: controlPlaneId, control_plane_geo: 'us', domain: `d-${randomUUID().slice(0, 8)}.example.test`,
    kind: 'serverless.v1', cname_target: '0123456789.us.gw.test', state: 'created', state_metadata: {},
    certificate_id: null, sni_id: null, not_after: null, attempts: 0, next_attempt_at: now,
    entity_version: 1, created_at: now, updated_at: now, ...overrides,
  };
}

export function customDomainCases(open: () => Promise<Store>): void {
  describe('customDomains', () => {
    it('inserts, reads by id and domain, updates and deletes', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const row = customDomain(cp.id);
      await store.customDomains.insert(row);
      assert.deepEqual(await store.customDomains.get(row.id), row);
      assert.deepEqual(await store.customDomains.getByDomain(row.domain), row);
      const ready = { ...row, state: 'ready', state_metadata: { reported_status: 'READY', reason: 'ok' }, certificate_id: 'c', sni_id: 's', not_after: 5, next_attempt_at: null, attempts: 2 };
      assert.equal(await store.customDomains.update(ready), true);
      assert.deepEqual(await store.customDomains.get(row.id), ready);
      assert.equal(await store.customDomains.delete(row.id), true);
      assert.equal(await store.customDomains.delete(row.id), false);
      assert.equal(await store.customDomains.update(ready), false);
      assert.equal(await store.customDomains.get(row.id), undefined);
    });

    it('refuses a domain held by any control plane', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const row = customDomain(cp.id);
      await store.customDomains.insert(row);
      await rejectsWith(store.customDomains.insert(customDomain(cp.id, { domain: row.domain })), 'ERR_STORE_CONFLICT', 'domain');
    });

    it('lists with filters and pages, and finds due rows soonest first', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const a = customDomain(cp.id, { domain: 'a.example.test', next_attempt_at: 30 });
      const b = customDomain(cp.id, { domain: 'b.other.test', control_plane_geo: 'eu', state: 'ready', next_attempt_at: 10 });
      const c = customDomain(cp.id, { domain: 'c.example.test', next_attempt_at: null });
      for (const row of [a, b, c]) await store.customDomains.insert(row);
      assert.deepEqual(await store.customDomains.list({}, { limit: 2, offset: 1 }), { rows: [b, c], total: 3 });
      assert.deepEqual((await store.customDomains.list({ domainContains: 'EXAMPLE' }, { limit: 10, offset: 0 })).rows, [a, c]);
      assert.deepEqual((await store.customDomains.list({ geos: ['eu'], states: ['ready'], controlPlaneIds: [cp.id] }, { limit: 10, offset: 0 })).rows, [b]);
      assert.deepEqual((await store.customDomains.list({ domains: ['c.example.test'] }, { limit: 10, offset: 0 })).rows, [c]);
      assert.deepEqual(await store.customDomains.due(30, 10), [b, a]);
      assert.deepEqual(await store.customDomains.due(29, 10), [b]);
    });

    it('goes with its control plane', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const row = customDomain(cp.id);
      await store.customDomains.insert(row);
      await store.controlPlanes.delete(cp.id);
      assert.equal(await store.customDomains.get(row.id), undefined);
    });
  });
}
