import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

export * from './types.ts';
export { STORE_ERRORS, type StoreErrorCode } from './errors.ts';
export { openPostgresStore } from './postgres.ts';
export { openSqliteStore } from './sqlite.ts';

export interface OpenStoreOptions {
  /** Where the SQLite file `gatehouse.db` lives; created if missing. */
  dataDir: string;
  /** A PostgreSQL URL (DATABASE_URL); when set, the store is PostgreSQL and dataDir holds no database. */
  databaseUrl?: string;
}

/**
 * Opens the configured store, migrated to the current schema.
 * @example const store = await openStore({ dataDir: '.gatehouse', databaseUrl: process.env.DATABASE_URL });
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.databaseUrl) return openPostgresStore(opts.databaseUrl);
  await mkdir(opts.dataDir, { recursive: true });
  return openSqliteStore(join(opts.dataDir, 'gatehouse.db'));
}
