import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configuration, storeWithControlPlane } from './store.fixtures.ts';
import type { Store } from './types.ts';

// Part of store.cases.ts: configurations kept after their control plane is deleted (issue 7).

export function retiredConfigurationCases(open: () => Promise<Store>): void {
  describe('retiredConfigurations', () => {
    it('outlive their control plane, replace by id keeping retired_at, list in order and prune by age', async (t) => {
      const { store, cp } = await storeWithControlPlane(t, open);
      const row = configuration(cp.id);
      await store.transaction(async (tx) => {
        await tx.configurations.put(row);
        await tx.retiredConfigurations.put(row, 1_000);
        await tx.controlPlanes.delete(cp.id);
      });
      assert.equal(await store.configurations.get(row.id), undefined);
      assert.deepEqual(await store.retiredConfigurations.get(row.id), row);
      const terminated = { ...row, dataplane_groups: row.dataplane_groups.map((g) => ({ ...g, state: 'terminated' })) };
      await store.retiredConfigurations.put(terminated, 5_000);
      assert.deepEqual(await store.retiredConfigurations.getByControlPlane(cp.id), [terminated]);
      const other = configuration('gone', { control_plane_geo: 'eu' });
      await store.retiredConfigurations.put(other, 2_000);
      assert.deepEqual((await store.retiredConfigurations.list({ limit: 10, offset: 0 })).map((r) => r.id), [row.id, other.id]);
      assert.deepEqual((await store.retiredConfigurations.list({ limit: 1, offset: 1 })).map((r) => r.id), [other.id]);
      // The replacement kept retired_at = 1000: a prune before 1500 takes it, not the other.
      assert.equal(await store.retiredConfigurations.prune(1_500), 1);
      assert.equal(await store.retiredConfigurations.get(row.id), undefined);
      assert.equal(await store.retiredConfigurations.get('nope'), undefined);
    });
  });
}
