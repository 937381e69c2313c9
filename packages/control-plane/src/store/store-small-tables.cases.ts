import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configuration, freshStore, rejectsWith, storeWithControlPlane, tick } from './store.fixtures.ts';
import type { Store } from './types.ts';

// Part of store.cases.ts: configurations, hostnames, tokens and settings.

export function smallTableCases(open: () => Promise<Store>): void {
  describe('configurations', () => {
    it('puts, gets, replaces per (control plane, geo) and deletes', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const eu = configuration(cp.id);
      await store.configurations.put(eu);
      assert.deepEqual(await store.configurations.get(eu.id), eu);
      const replaced = configuration(cp.id, { kind: 'serverless.v2', entity_version: 7, dataplane_groups: [] });
      await store.configurations.put(replaced);
      assert.equal(await store.configurations.get(eu.id), undefined);
      assert.deepEqual(await store.configurations.getByControlPlane(cp.id), [replaced]);
      const us = configuration(cp.id, { control_plane_geo: 'us' });
      await store.configurations.put(us);
      assert.deepEqual(await store.configurations.getByControlPlane(cp.id), [replaced, us]);
      assert.equal(await store.configurations.delete(us.id), true);
      assert.equal(await store.configurations.delete(us.id), false);
      assert.equal(await store.configurations.get('nope'), undefined);
    });

    it('lists by control plane and geo with limit, offset and total', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const rows = ['eu', 'us', 'au'].map((geo) => configuration(cp.id, { control_plane_geo: geo }));
      for (const row of rows) await store.configurations.put(row);
      const all = await store.configurations.list({}, { limit: 2, offset: 1 });
      assert.deepEqual(all, { rows: rows.slice(1), total: 3 });
      const some = await store.configurations.list({ controlPlaneIds: [cp.id], geos: ['au', 'eu'] }, { limit: 10, offset: 0 });
      assert.deepEqual(some, { rows: [rows[0], rows[2]], total: 2 });
      assert.deepEqual(await store.configurations.list({ controlPlaneIds: ['nope'] }, { limit: 10, offset: 0 }), { rows: [], total: 0 });
    });
  });

  describe('hostnames', () => {
    it('never hands out a hostname twice, even after release', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      await store.hostnames.claim('a.example.test', cp.id);
      await store.hostnames.claim('b.example.test', cp.id);
      await rejectsWith(store.hostnames.claim('a.example.test', cp.id), 'ERR_STORE_CONFLICT', 'hostname');
      await store.hostnames.release(cp.id);
      await store.hostnames.release(cp.id);
      await rejectsWith(store.hostnames.claim('a.example.test', 'another-cp'), 'ERR_STORE_CONFLICT', 'hostname');
      await store.hostnames.claim('c.example.test', cp.id);
    });
  });

  describe('tokens', () => {
    it('finds a token by hash and counts them', async (t) => {
      const store = await freshStore(t, open);
      assert.equal(await store.tokens.count(), 0);
      const token = { id: 't1', name: 'ci', hash: 'ab'.repeat(32), created_at: tick() };
      await store.tokens.insert(token);
      await store.tokens.insert({ id: 't2', name: 'ci', hash: 'cd'.repeat(32), created_at: tick() });
      assert.deepEqual(await store.tokens.findByHash(token.hash), token);
      assert.equal(await store.tokens.findByHash('ef'.repeat(32)), undefined);
      assert.equal(await store.tokens.count(), 2);
    });
  });

  describe('settings', () => {
    it('sets, overwrites and reads values', async (t) => {
      const store = await freshStore(t, open);
      assert.equal(await store.settings.get('ca'), undefined);
      await store.settings.set('ca', 'one');
      await store.settings.set('ca', 'two');
      await store.settings.set('other', '');
      assert.equal(await store.settings.get('ca'), 'two');
      assert.equal(await store.settings.get('other'), '');
    });
  });
}
