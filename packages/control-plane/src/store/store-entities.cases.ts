import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controlPlane, entity, rejectsWith, storeWithControlPlane } from './store.fixtures.ts';
import type { EntityListQuery, Store } from './types.ts';

// Part of store.cases.ts: entities and their Kong-style lists.

export function entityCases(open: () => Promise<Store>): void {
  describe('entities', () => {
    it('inserts, gets by id and name, and returns all in insertion order', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const rows = [entity(cp.id, { id: 'z' }), entity(cp.id, { id: 'a', name: null }), entity(cp.id, { id: 'm' })];
      for (const row of rows) await store.entities.insert(row);
      await store.entities.insert(entity(cp.id, { type: 'services' }));
      assert.deepEqual(await store.entities.get(cp.id, 'routes', 'a'), rows[1]);
      assert.deepEqual(await store.entities.getByName(cp.id, 'routes', rows[2].name!), rows[2]);
      assert.equal(await store.entities.get(cp.id, 'services', 'a'), undefined);
      assert.equal(await store.entities.getByName(cp.id, 'services', rows[0].name!), undefined);
      assert.deepEqual(await store.entities.all(cp.id, 'routes'), rows);
    });

    it('refuses a duplicate name or id within (control plane, type) only', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const other = controlPlane();
      await store.controlPlanes.insert(other);
      const row = entity(cp.id, { name: 'shared' });
      await store.entities.insert(row);
      await rejectsWith(store.entities.insert(entity(cp.id, { name: 'shared' })), 'ERR_STORE_CONFLICT', 'routes.name');
      await rejectsWith(store.entities.insert(entity(cp.id, { id: row.id })), 'ERR_STORE_CONFLICT', 'routes.id');
      await store.entities.insert(entity(cp.id, { name: 'shared', type: 'services' }));
      await store.entities.insert(entity(other.id, { name: 'shared', id: row.id }));
      // Nameless entities (targets, plugins...) never collide on name.
      await store.entities.insert(entity(cp.id, { type: 'plugins', name: null }));
      await store.entities.insert(entity(cp.id, { type: 'plugins', name: null }));
      assert.equal(await store.entities.count(cp.id, 'plugins'), 2);
    });

    it('updates in place, keeping list order, and deletes', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const [a, b] = [entity(cp.id), entity(cp.id)];
      await store.entities.insert(a);
      await store.entities.insert(b);
      const changed = { ...a, name: 'renamed', body: { ...a.body, name: 'renamed', paths: ['/x'] }, updated_at: a.updated_at + 1 };
      assert.equal(await store.entities.update(changed), true);
      assert.deepEqual(await store.entities.all(cp.id, 'routes'), [changed, b]);
      await rejectsWith(store.entities.update({ ...b, name: 'renamed' }), 'ERR_STORE_CONFLICT', 'routes.name');
      assert.equal(await store.entities.update(entity(cp.id)), false);
      assert.equal(await store.entities.delete(cp.id, 'routes', a.id), true);
      assert.equal(await store.entities.delete(cp.id, 'routes', a.id), false);
      assert.deepEqual(await store.entities.all(cp.id, 'routes'), [b]);
    });
  });

  describe('entities.list', () => {
    const seed = async (t: Parameters<typeof storeWithControlPlane>[0], n: number) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const rows = Array.from({ length: n }, (_, i) => entity(cp.id, { id: `id-${i}`, name: `route-${i}` }));
      for (const row of rows) await store.entities.insert(row);
      return { store, cp, ids: rows.map((r) => r.id) };
    };
    const pages = async (store: Store, cp: string, query: Omit<EntityListQuery, 'after'>) => {
      const out: string[][] = [];
      let after: string | null = null;
      do {
        const page = await store.entities.list(cp, 'routes', { ...query, after });
        out.push(page.rows.map((r) => r.id));
        after = page.next;
      } while (after !== null && out.length < 10);
      return out;
    };

    it('pages in insertion order with a cursor, null on the last page', async (t) => {
      const { store, cp, ids } = await seed(t, 5);
      assert.deepEqual(await pages(store, cp.id, { limit: 2 }), [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
      assert.deepEqual(await pages(store, cp.id, { limit: 5 }), [ids]);
      assert.deepEqual(await pages(store, cp.id, { limit: 100 }), [ids]);
      const empty = await store.entities.list(cp.id, 'services', { limit: 2 });
      assert.deepEqual(empty, { rows: [], next: null });
    });

    it('keeps a cursor valid when its row is deleted', async (t) => {
      const { store, cp, ids } = await seed(t, 4);
      const first = await store.entities.list(cp.id, 'routes', { limit: 2 });
      await store.entities.delete(cp.id, 'routes', ids[1]);
      const second = await store.entities.list(cp.id, 'routes', { limit: 2, after: first.next });
      assert.deepEqual(second.rows.map((r) => r.id), ids.slice(2));
      assert.equal(second.next, null);
    });

    it('rejects a cursor it did not hand out and a limit below 1', async (t) => {
      const { store, cp } = await seed(t, 3);
      const { next } = await store.entities.list(cp.id, 'routes', { limit: 1 });
      for (const after of ['', 'not a cursor!', Buffer.from('abc').toString('base64url'), Buffer.from('-1').toString('base64url'), `${next}x`, `${next}=`]) {
        await rejectsWith(store.entities.list(cp.id, 'routes', { limit: 1, after }), 'ERR_STORE_BAD_CURSOR');
      }
      await rejectsWith(store.entities.list(cp.id, 'routes', { limit: 0 }), 'ERR_STORE_BAD_QUERY');
    });

    it('filters on refs, tags and name, and counts by refs', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const rows = [
        entity(cp.id, { id: 'r0', name: 'Orders-v1', service: 's1', tags: ['a', 'b'] }),
        entity(cp.id, { id: 'r1', name: 'orders-v2', service: 's2', tags: ['b'] }),
        entity(cp.id, { id: 'r2', name: 'users', service: 's1', tags: ['c'] }),
        entity(cp.id, { id: 'r3', name: null, tags: null }),
        entity(cp.id, { id: 'r4', name: 'plain', service: 's1' }),
      ];
      for (const row of rows) await store.entities.insert(row);
      const ids = async (query: Omit<EntityListQuery, 'limit'>) => (await store.entities.list(cp.id, 'routes', { limit: 10, ...query })).rows.map((r) => r.id);
      assert.deepEqual(await ids({ refs: { service: 's1' } }), ['r0', 'r2', 'r4']);
      assert.deepEqual(await ids({ refs: { service: 's1', route: 'x' } }), []);
      assert.deepEqual(await ids({ tags: { all: ['a', 'b'] } }), ['r0']);
      assert.deepEqual(await ids({ tags: { all: ['b'] } }), ['r0', 'r1']);
      assert.deepEqual(await ids({ tags: { any: ['a', 'c'] } }), ['r0', 'r2']);
      assert.deepEqual(await ids({ tags: { any: ['zzz'] } }), []);
      assert.deepEqual(await ids({ tags: { all: [] } }), ['r0', 'r1', 'r2', 'r3', 'r4']);
      assert.deepEqual(await ids({ nameEq: 'users' }), ['r2']);
      assert.deepEqual(await ids({ nameContains: 'ORDERS' }), ['r0', 'r1']);
      assert.deepEqual(await ids({ nameContains: 'orders', refs: { service: 's1' }, tags: { any: ['a'] } }), ['r0']);
      const page = await store.entities.list(cp.id, 'routes', { limit: 1, refs: { service: 's1' } });
      assert.deepEqual((await store.entities.list(cp.id, 'routes', { limit: 5, after: page.next, refs: { service: 's1' } })).rows.map((r) => r.id), ['r2', 'r4']);
      assert.equal(await store.entities.count(cp.id, 'routes'), 5);
      assert.equal(await store.entities.count(cp.id, 'routes', { service: 's1' }), 3);
      assert.equal(await store.entities.count(cp.id, 'routes', { service: 'none' }), 0);
    });
  });
}
