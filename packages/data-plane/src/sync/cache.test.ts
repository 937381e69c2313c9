import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshot } from '@gatehouse/test-kit';
import { createCacheWriter, createSnapshotCache } from './cache.ts';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const build = (gatewayId: string, path: string) => snapshot({ gatewayId, hostnames: [`${path.slice(1)}.test`] }).service({ url: 'http://127.0.0.1:9' }).route({ paths: [path] }).build();

describe('snapshot cache written behind', () => {
  const tempDir = (t: { after(fn: () => void): void }) => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cache-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('keeps only the latest snapshot of each gateway, and a removal cancels a pending write', async (t) => {
    const cache = createSnapshotCache(tempDir(t));
    const writes: string[] = [];
    const writer = createCacheWriter({ write: (s) => (writes.push(s.hash), cache.write(s)), remove: cache.remove }, (id, err) => assert.fail(`${id}: ${err.message}`));
    const first = build(A, '/one');
    const second = build(A, '/two');
    const third = build(B, '/three');
    writer.write(first);
    writer.write(second);
    writer.write(third);
    writer.remove(B);
    await writer.flush();
    const entries = await cache.readAll();
    assert.deepEqual(entries.map((e) => (e.ok ? [e.snapshot.gatewayId, e.snapshot.hash] : e.reason)), [[A, second.hash]]);
    // The first write had started when the second came; the third was cancelled before it ran.
    assert.deepEqual(writes, [first.hash, second.hash]);
    assert.deepEqual((await readdir(cache.dir)).filter((n) => n.endsWith('.tmp')), []);
  });

  it('reports a failed write and goes on with the next gateway', async (t) => {
    const cache = createSnapshotCache(tempDir(t));
    const failures: string[] = [];
    const writer = createCacheWriter({ write: (s) => (s.gatewayId === A ? Promise.reject(new Error('disk full')) : cache.write(s)), remove: cache.remove }, (id, err) => failures.push(`${id}: ${err.message}`));
    writer.write(build(A, '/one'));
    writer.write(build(B, '/two'));
    await writer.flush();
    assert.deepEqual(failures, [`${A}: disk full`]);
    assert.deepEqual((await cache.readAll()).map((e) => (e.ok ? e.snapshot.gatewayId : e.reason)), [B]);
  });
});
