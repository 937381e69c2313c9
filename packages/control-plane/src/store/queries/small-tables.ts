import type { StoreTx, TokenRow } from '../types.ts';
import { num, type Executor } from '../sql.ts';
import { throwOnConflict } from './conflict.ts';

export function hostnameQueries(db: Executor): StoreTx['hostnames'] {
  const d = db.dialect;
  return {
    async claim(hostname, controlPlaneId) {
      // The primary key alone refuses a hostname ever claimed: released rows stay for that reason.
      const sql = `INSERT INTO hostnames (hostname, control_plane_id, claimed_at) VALUES (${d.placeholder(1)}, ${d.placeholder(2)}, ${d.placeholder(3)})`;
      throwOnConflict(await db.tryWrite(sql, [hostname, controlPlaneId, Date.now()]));
    },
    async release(controlPlaneId) {
      await db.run(`UPDATE hostnames SET released_at = ${d.placeholder(1)} WHERE control_plane_id = ${d.placeholder(2)} AND released_at IS NULL`, [Date.now(), controlPlaneId]);
    },
  };
}

export function tokenQueries(db: Executor): StoreTx['tokens'] {
  const d = db.dialect;
  return {
    async insert(row) {
      const sql = `INSERT INTO tokens (id, name, hash, created_at) VALUES (${d.placeholder(1)}, ${d.placeholder(2)}, ${d.placeholder(3)}, ${d.placeholder(4)})`;
      throwOnConflict(await db.tryWrite(sql, [row.id, row.name, row.hash, row.created_at]));
    },
    async findByHash(hash) {
      const rows = await db.all(`SELECT id, name, hash, created_at FROM tokens WHERE hash = ${d.placeholder(1)}`, [hash]);
      if (rows.length === 0) return undefined;
      const r = rows[0];
      return { id: r.id, name: r.name, hash: r.hash, created_at: num(r.created_at) } as TokenRow;
    },
    async count() {
      const [{ total }] = await db.all('SELECT count(*) AS total FROM tokens', []);
      return num(total);
    },
  };
}

export function settingQueries(db: Executor): StoreTx['settings'] {
  const d = db.dialect;
  return {
    async get(key) {
      const rows = await db.all(`SELECT value FROM settings WHERE key = ${d.placeholder(1)}`, [key]);
      return rows.length === 0 ? undefined : (rows[0].value as string);
    },
    async set(key, value) {
      await db.run(`INSERT INTO settings (key, value) VALUES (${d.placeholder(1)}, ${d.placeholder(2)}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, value]);
    },
  };
}
