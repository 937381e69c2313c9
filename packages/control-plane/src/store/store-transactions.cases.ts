import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controlPlane, entity, freshStore, rejectsWith, storeWithControlPlane } from './store.fixtures.ts';
import type { Store } from './types.ts';

// Part of store.cases.ts: transactions commit, roll back, isolate and serialize.

export function transactionCases(open: () => Promise<Store>): void {
  describe('transaction', () => {
    it('commits what fn wrote and returns its value', async (t) => {
      const store = await freshStore(t, open);
      const cp = controlPlane();
      const result = await store.transaction(async (tx) => {
        await tx.controlPlanes.insert(cp);
        await tx.entities.insert(entity(cp.id, { id: 'e1' }));
        await tx.settings.set('k', 'v');
        assert.equal((await tx.controlPlanes.get(cp.id))?.name, cp.name, 'a transaction sees its own writes');
        return 42;
      });
      assert.equal(result, 42);
      assert.deepEqual(await store.controlPlanes.get(cp.id), cp);
      assert.equal(await store.entities.count(cp.id, 'routes'), 1);
      assert.equal(await store.settings.get('k'), 'v');
    });

    it('rolls back everything written when fn throws, and rethrows', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const fresh = controlPlane();
      const boom = new Error('boom');
      await assert.rejects(store.transaction(async (tx) => {
        await tx.controlPlanes.insert(fresh);
        await tx.entities.insert(entity(fresh.id));
        await tx.entities.insert(entity(cp.id, { id: 'e1' }));
        await tx.controlPlanes.update({ ...cp, name: 'renamed' });
        await tx.hostnames.claim('h.example.test', fresh.id);
        await tx.settings.set('k', 'v');
        await tx.tokens.insert({ id: 't', name: 'n', hash: 'h', created_at: 1 });
        throw boom;
      }), (err) => err === boom);
      assert.equal(await store.controlPlanes.get(fresh.id), undefined);
      assert.equal((await store.controlPlanes.get(cp.id))?.name, cp.name);
      assert.equal(await store.entities.count(cp.id, 'routes'), 0);
      assert.equal(await store.settings.get('k'), undefined);
      assert.equal(await store.tokens.count(), 0);
      await store.hostnames.claim('h.example.test', cp.id);
    });

    it('stays usable after a conflict caught inside it', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      await store.hostnames.claim('taken.example.test', cp.id);
      const claimed = await store.transaction(async (tx) => {
        // The provisioner's pattern: try hostnames until one is free.
        for (const host of ['taken.example.test', 'free.example.test']) {
          try {
            await tx.hostnames.claim(host, cp.id);
            return host;
          } catch (err) {
            if ((err as { code?: string }).code !== 'ERR_STORE_CONFLICT') throw err;
          }
        }
      });
      assert.equal(claimed, 'free.example.test');
      await rejectsWith(store.hostnames.claim('free.example.test', cp.id), 'ERR_STORE_CONFLICT', 'hostname');
    });

    it('serializes concurrent read-modify-write transactions: no lost update', async (t) => {
      const store = await freshStore(t, open);
      const increment = () => store.transaction(async (tx) => {
        const n = Number((await tx.settings.get('counter')) ?? '0');
        await new Promise((resolve) => setTimeout(resolve, 5));
        await tx.settings.set('counter', String(n + 1));
      });
      await Promise.all([increment(), increment(), increment(), increment(), increment()]);
      assert.equal(await store.settings.get('counter'), '5');
    });

    it('keeps uncommitted writes from store calls made meanwhile', async (t) => {
      const store = await freshStore(t, open);
      let wrote!: () => void;
      const hasWritten = new Promise<void>((resolve) => { wrote = resolve; });
      const failing = store.transaction(async (tx) => {
        await tx.settings.set('k', 'uncommitted');
        wrote();
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('rolled back');
      });
      // Handled from the start: under load the transaction can fail before the read below returns.
      const rejected = assert.rejects(failing, /rolled back/);
      await hasWritten;
      assert.equal(await store.settings.get('k'), undefined);
      await rejected;
      assert.equal(await store.settings.get('k'), undefined);
    });

    it('runs concurrent calls on one tx and refuses reentry and use after the end', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      let leaked!: Parameters<Parameters<Store['transaction']>[0]>[0];
      await store.transaction(async (tx) => {
        leaked = tx;
        await Promise.all([1, 2, 3].map((i) => tx.entities.insert(entity(cp.id, { id: `e${i}` }))));
        await rejectsWith(store.settings.get('k'), 'ERR_STORE_REENTRANT');
        await rejectsWith(store.transaction(async () => undefined), 'ERR_STORE_REENTRANT');
      });
      assert.equal(await store.entities.count(cp.id, 'routes'), 3);
      await rejectsWith(leaked.settings.get('k'), 'ERR_STORE_TX_CLOSED');
    });
  });
}
