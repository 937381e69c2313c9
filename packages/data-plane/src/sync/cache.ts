import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Snapshot } from '@gatehouse/schema';

// The data plane's disk cache of the snapshots it serves, so that a restart while the control plane is
// away still serves (Kong keeps its config in LMDB for the same reason, reference §6.6). One file per
// gateway: a first line `gatehouse-snapshot sha256=<hex>` and then the snapshot's JSON; written to a
// temporary file, flushed, and renamed over the old one, so a crash leaves the old file or the new
// one, never half of either. A file whose checksum does not match is refused, never served.

const HEADER = /^gatehouse-snapshot sha256=([0-9a-f]{64})\n/;
const SUFFIX = '.snapshot';

export type CacheEntry = { ok: true; snapshot: Snapshot } | { ok: false; file: string; reason: string };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
// Gateway ids are UUIDs; anything else is encoded so that a file name can never escape the directory.
const fileOf = (dir: string, gatewayId: string): string => join(dir, `${encodeURIComponent(gatewayId)}${SUFFIX}`);

export function createSnapshotCache(dir: string) {
  const snapshots = join(dir, 'snapshots');
  let isReady: Promise<unknown> | null = null;
  const ensureDir = () => (isReady ??= mkdir(snapshots, { recursive: true }));

  return {
    dir: snapshots,
    /** Writes a gateway's snapshot atomically (temp file, fsync, rename). */
    async write(snapshot: Snapshot): Promise<void> {
      await ensureDir();
      const body = JSON.stringify(snapshot);
      const target = fileOf(snapshots, snapshot.gatewayId);
      const tmp = `${target}.${process.pid}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(`gatehouse-snapshot sha256=${sha256(body)}\n${body}`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
    },
    async remove(gatewayId: string): Promise<void> {
      await rm(fileOf(snapshots, gatewayId), { force: true });
    },
    /** Every cached snapshot, each either checked and parsed or refused with the reason. */
    async readAll(): Promise<CacheEntry[]> {
      let names: string[];
      try {
        names = await readdir(snapshots);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const entries: CacheEntry[] = [];
      for (const name of names.filter((n) => n.endsWith(SUFFIX)).sort()) {
        const file = join(snapshots, name);
        const text = await readFile(file, 'utf8');
        const header = HEADER.exec(text);
        if (!header) {
          entries.push({ ok: false, file, reason: 'no checksum header' });
          continue;
        }
        const body = text.slice(header[0].length);
        if (sha256(body) !== header[1]) {
          entries.push({ ok: false, file, reason: 'checksum mismatch (the file is corrupt or truncated)' });
          continue;
        }
        try {
          entries.push({ ok: true, snapshot: JSON.parse(body) as Snapshot });
        } catch {
          entries.push({ ok: false, file, reason: 'not JSON' });
        }
      }
      return entries;
    },
  };
}
export type SnapshotCache = ReturnType<typeof createSnapshotCache>;

/**
 * Keeps the disk cache in step in the background, so that applying a snapshot (and reporting it)
 * never waits for the disk: one file operation at a time, and only the latest state of each gateway
 * (a snapshot applied while an older one of the same gateway waits replaces it; a removal cancels it).
 * A flood of snapshots at connect is served at once and written behind.
 * @example
 * const writer = createCacheWriter(cache, (id, err) => log.error({ id, err }, 'cache write failed'));
 * writer.write(snapshot); writer.remove(oldId); await writer.flush();
 */
export function createCacheWriter(cache: Pick<SnapshotCache, 'write' | 'remove'>, onError: (gatewayId: string, err: Error) => void) {
  /** gatewayId -> the snapshot to write, or null to remove the file. */
  const pending = new Map<string, Snapshot | null>();
  let draining: Promise<void> | null = null;

  async function drain(): Promise<void> {
    for (let next = pending.entries().next(); !next.done; next = pending.entries().next()) {
      const [gatewayId, snapshot] = next.value;
      pending.delete(gatewayId);
      try {
        if (snapshot === null) await cache.remove(gatewayId);
        else await cache.write(snapshot);
      } catch (err) {
        onError(gatewayId, err as Error);
      }
    }
  }
  function kick(): void {
    draining ??= drain().finally(() => {
      draining = null;
      if (pending.size > 0) kick();
    });
  }

  return {
    write(snapshot: Snapshot): void {
      pending.set(snapshot.gatewayId, snapshot);
      kick();
    },
    remove(gatewayId: string): void {
      pending.set(gatewayId, null);
      kick();
    },
    /** Resolves once everything asked for so far is on disk (shutdown, tests). */
    async flush(): Promise<void> {
      while (draining !== null) await draining;
    },
  };
}
