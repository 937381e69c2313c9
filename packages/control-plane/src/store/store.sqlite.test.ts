import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from './index.ts';
import { openSqliteStore } from './sqlite.ts';
import { storeCases } from './store.cases.ts';
import { controlPlane, entity } from './store.fixtures.ts';

const dir = await mkdtemp(join(tmpdir(), 'gatehouse-store-'));
after(() => rm(dir, { recursive: true, force: true }));
let files = 0;

storeCases('sqlite :memory:', () => openSqliteStore(':memory:'));
storeCases('sqlite file', () => openSqliteStore(join(dir, `store-${++files}.db`)));

describe('sqlite durability and openStore', () => {
  it('keeps committed data across close and reopen', async () => {
    const file = join(dir, 'durable.db');
    const cp = controlPlane();
    const first = await openSqliteStore(file);
    await first.transaction(async (tx) => {
      await tx.controlPlanes.insert(cp);
      await tx.entities.insert(entity(cp.id, { id: 'e1' }));
    });
    await first.close();
    const second = await openSqliteStore(file);
    assert.deepEqual(await second.controlPlanes.get(cp.id), cp);
    assert.equal((await second.entities.get(cp.id, 'routes', 'e1'))?.id, 'e1');
    await second.close();
  });

  it('openStore creates <dataDir>/gatehouse.db in WAL mode', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = await openStore({ dataDir });
    assert.equal(store.kind, 'sqlite');
    await store.settings.set('k', 'v');
    assert.ok(existsSync(join(dataDir, 'gatehouse.db')));
    assert.ok(existsSync(join(dataDir, 'gatehouse.db-wal')), 'WAL journal in use');
    await store.close();
  });
});
