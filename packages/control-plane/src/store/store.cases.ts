import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configuration, controlPlane, entity, freshStore, rejectsWith, storeWithControlPlane } from './store.fixtures.ts';
import { entityCases } from './store-entities.cases.ts';
import { smallTableCases } from './store-small-tables.cases.ts';
import { transactionCases } from './store-transactions.cases.ts';
import { analyticsCases } from './store-analytics.cases.ts';
import { customDomainCases } from './store-custom-domains.cases.ts';
import { retiredConfigurationCases } from './store-retired-configurations.cases.ts';
import type { Store } from './types.ts';

/**
 * The store contract, run against every implementation (store.sqlite.test.ts, store.postgres.test.ts).
 * `open` must return a new, empty store each time.
 * @example storeCases('sqlite :memory:', () => openSqliteStore(':memory:'));
 */
export function storeCases(name: string, open: () => Promise<Store>): void {
  describe(`${name} store`, () => {
    controlPlaneCases(open);
    smallTableCases(open);
    entityCases(open);
    transactionCases(open);
    analyticsCases(open);
    customDomainCases(open);
    retiredConfigurationCases(open);
  });
}

function controlPlaneCases(open: () => Promise<Store>): void {
  describe('controlPlanes', () => {
    it('stores every field and reads it back by id and by name', async (t) => {
      const store = await freshStore(t, open);
      const cp = controlPlane({ cloud_gateway: true, labels: { a: '1', b: '2' } });
      await store.controlPlanes.insert(cp);
      assert.deepEqual(await store.controlPlanes.get(cp.id), cp);
      assert.deepEqual(await store.controlPlanes.getByName(cp.name), cp);
      assert.equal(await store.controlPlanes.get('nope'), undefined);
      assert.equal(await store.controlPlanes.getByName('nope'), undefined);
    });

    it('refuses a duplicate name or dns_prefix with the constraint named', async (t) => {
      const store = await freshStore(t, open);
      const cp = controlPlane();
      await store.controlPlanes.insert(cp);
      await rejectsWith(store.controlPlanes.insert(controlPlane({ name: cp.name })), 'ERR_STORE_CONFLICT', 'name');
      await rejectsWith(store.controlPlanes.insert(controlPlane({ dns_prefix: cp.dns_prefix })), 'ERR_STORE_CONFLICT', 'dns_prefix');
      await rejectsWith(store.controlPlanes.insert(controlPlane({ name: cp.name, dns_prefix: cp.dns_prefix })), 'ERR_STORE_CONFLICT', 'name');
    });

    it('lists in created_at then id order with filters, limit, offset and total', async (t) => {
      const store = await freshStore(t, open);
      const a = controlPlane({ name: 'Alpha', cluster_type: 'CLUSTER_TYPE_HYBRID', created_at: 10 });
      const b = controlPlane({ id: 'b', name: 'beta', cloud_gateway: true, created_at: 20 });
      const c = controlPlane({ id: 'a', name: 'gamma-alpha', created_at: 20 });
      for (const cp of [b, a, c]) await store.controlPlanes.insert(cp);
      const names = async (filter: Parameters<Store['controlPlanes']['list']>[0], limit = 10, offset = 0) => {
        const { rows, total } = await store.controlPlanes.list(filter, { limit, offset });
        return { names: rows.map((r) => r.name), total };
      };
      assert.deepEqual(await names({}), { names: ['Alpha', 'gamma-alpha', 'beta'], total: 3 });
      assert.deepEqual(await names({}, 1, 1), { names: ['gamma-alpha'], total: 3 });
      assert.deepEqual(await names({}, 10, 5), { names: [], total: 3 });
      assert.deepEqual(await names({ ids: [a.id, b.id] }), { names: ['Alpha', 'beta'], total: 2 });
      assert.deepEqual(await names({ ids: [] }), { names: [], total: 0 });
      assert.deepEqual(await names({ nameEq: 'beta' }), { names: ['beta'], total: 1 });
      assert.deepEqual(await names({ nameNeq: 'beta' }), { names: ['Alpha', 'gamma-alpha'], total: 2 });
      assert.deepEqual(await names({ nameContains: 'ALPH' }), { names: ['Alpha', 'gamma-alpha'], total: 2 });
      assert.deepEqual(await names({ clusterTypes: ['CLUSTER_TYPE_HYBRID'] }), { names: ['Alpha'], total: 1 });
      assert.deepEqual(await names({ clusterTypesNot: ['CLUSTER_TYPE_HYBRID'] }), { names: ['gamma-alpha', 'beta'], total: 2 });
      assert.deepEqual(await names({ cloudGateway: true }), { names: ['beta'], total: 1 });
      assert.deepEqual(await names({ cloudGateway: false, nameContains: 'a', ids: [a.id, c.id] }, 1), { names: ['Alpha'], total: 2 });
    });

    it('updates the whole row, refuses a taken name and reports an absent row', async (t) => {
      const store = await freshStore(t, open);
      const [a, b] = [controlPlane(), controlPlane()];
      await store.controlPlanes.insert(a);
      await store.controlPlanes.insert(b);
      const changed = { ...a, name: 'renamed', labels: {}, cloud_gateway: true, proxy_urls: [], updated_at: a.updated_at + 1 };
      assert.equal(await store.controlPlanes.update(changed), true);
      assert.deepEqual(await store.controlPlanes.get(a.id), changed);
      await rejectsWith(store.controlPlanes.update({ ...b, name: 'renamed' }), 'ERR_STORE_CONFLICT', 'name');
      assert.equal(await store.controlPlanes.update(controlPlane()), false);
    });

    it('deletes with its configurations and entities, and keeps its hostnames taken', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const other = controlPlane();
      await store.controlPlanes.insert(other);
      for (const id of [cp.id, other.id]) {
        await store.configurations.put(configuration(id));
        await store.entities.insert(entity(id));
      }
      await store.hostnames.claim('gone.example.test', cp.id);
      assert.equal(await store.controlPlanes.delete(cp.id), true);
      assert.equal(await store.controlPlanes.delete(cp.id), false);
      assert.equal(await store.controlPlanes.get(cp.id), undefined);
      assert.deepEqual(await store.configurations.getByControlPlane(cp.id), []);
      assert.equal(await store.entities.count(cp.id, 'routes'), 0);
      assert.equal((await store.configurations.getByControlPlane(other.id)).length, 1);
      assert.equal(await store.entities.count(other.id, 'routes'), 1);
      await rejectsWith(store.hostnames.claim('gone.example.test', other.id), 'ERR_STORE_CONFLICT', 'hostname');
    });
  });
}
