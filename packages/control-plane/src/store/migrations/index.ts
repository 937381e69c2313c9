import { STORE_ERRORS, storeError } from '../errors.ts';
import { initial } from './001-initial.ts';
import { analytics } from './003-analytics.ts';
import { customDomains } from './002-custom-domains.ts';
import { retiredConfigurations } from './004-retired-configurations.ts';

/** One schema step, spelled for each dialect. Never edit a released one: append the next version. */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [initial, customDomains, analytics, retiredConfigurations];

/** What the runner needs from a driver: a query function inside one exclusive transaction. */
export interface MigrationTarget {
  dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction that no other migrator runs beside (SQLite: BEGIN IMMEDIATE;
   * PostgreSQL: an advisory lock), so that replicas starting together migrate once. `query` runs
   * a multi-statement script when given no params.
   */
  exclusive(fn: (query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>) => Promise<void>): Promise<void>;
}

/** Brings the schema up to the newest migration; returns the versions it applied. */
export async function migrate(target: MigrationTarget, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  const bigint = target.dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const placeholder = (n: number) => (target.dialect === 'sqlite' ? `?${n}` : `$${n}`);
  await target.exclusive(async (query) => {
    await query(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${bigint} NOT NULL)`);
    const done = new Set((await query('SELECT version FROM schema_migrations', [])).map((r) => Number(r.version)));
    const newest = Math.max(0, ...migrations.map((m) => m.version));
    const ahead = [...done].filter((v) => v > newest);
    if (ahead.length > 0) {
      // An older binary on a newer schema could write rows the newer code cannot read: refuse.
      throw storeError(STORE_ERRORS.SCHEMA_TOO_NEW, `database schema version ${Math.max(...ahead)} is newer than this Gatehouse (${newest})`);
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await query(m[target.dialect]);
      await query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${placeholder(1)}, ${placeholder(2)}, ${placeholder(3)})`, [m.version, m.name, Date.now()]);
      applied.push(m.version);
    }
  });
  return applied;
}
