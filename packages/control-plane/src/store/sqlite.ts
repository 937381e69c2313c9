import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { createMutex, createTxScope, guardTx, wrapTx } from './concurrency.ts';
import { migrate } from './migrations/index.ts';
import { createQueries } from './queries/index.ts';
import type { Dialect, Executor, SqlRow } from './sql.ts';
import type { Store } from './types.ts';

// The embedded store: node:sqlite on one connection. node:sqlite is synchronous while the Store API is
// async, so one mutex orders every store call and every transaction: a transaction's awaits never let
// another caller's statements join it, and calls made meanwhile wait until it commits.

const BUSY_TIMEOUT_MS = 5000;
const STATEMENT_CACHE_SIZE = 500;

export const sqliteDialect: Dialect = {
  kind: 'sqlite',
  // Numbered placeholders bind by index, so SQL may use parameters in any order, like PostgreSQL.
  placeholder: (n) => `?${n}`,
  toJson: (value) => JSON.stringify(value),
  fromJson: (value) => JSON.parse(value as string),
  toList: (values) => JSON.stringify(values),
  inList: (column, p) => `${column} IN (SELECT value FROM json_each(${p}))`,
  refPath: (key) => `$.${key}.id`,
  refId: (p) => `json_extract(body, ${p})`,
  // json_each over a JSON null yields one null row, hence the array check first.
  tagsAll: (p) => `(json_type(body, '$.tags') = 'array' AND NOT EXISTS (SELECT 1 FROM json_each(${p}) AS wanted
    WHERE wanted.value NOT IN (SELECT tag.value FROM json_each(body, '$.tags') AS tag)))`,
  tagsAny: (p) => `(json_type(body, '$.tags') = 'array' AND EXISTS (SELECT 1 FROM json_each(body, '$.tags') AS tag
    WHERE tag.value IN (SELECT wanted.value FROM json_each(${p}) AS wanted)))`,
  contains: (column, p) => `instr(lower(${column}), lower(${p})) > 0`,
};

/** `table.column` of a UNIQUE/PRIMARY KEY violation: SQLite lists the index columns, the last one tells. */
function conflictOf(err: unknown): string | null {
  const e = err as { code?: string; errcode?: number; message?: string };
  // 2067 SQLITE_CONSTRAINT_UNIQUE, 1555 SQLITE_CONSTRAINT_PRIMARYKEY.
  if (e?.code !== 'ERR_SQLITE_ERROR' || (e.errcode !== 2067 && e.errcode !== 1555)) return null;
  const columns = /constraint failed: (.+)$/.exec(e.message ?? '')?.[1].split(', ') ?? ['unknown'];
  return columns[columns.length - 1];
}

function createExecutor(db: DatabaseSync): Executor {
  const cache = new Map<string, StatementSync>();
  const prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  // node:sqlite refuses undefined; an optional field absent from a row is stored as NULL.
  const bind = (values: readonly unknown[]) => values.map((v) => (v === undefined ? null : v)) as SQLInputValue[];
  let savepoints = 0;
  const executor: Executor = {
    dialect: sqliteDialect,
    all: async (sql, values) => prepare(sql).all(...bind(values)) as SqlRow[],
    run: async (sql, values) => Number(prepare(sql).run(...bind(values)).changes),
    async tryWrite(sql, values) {
      try {
        return { changes: await executor.run(sql, values), conflict: null };
      } catch (err) {
        // SQLite undoes only the failed statement; an enclosing transaction goes on.
        const conflict = conflictOf(err);
        if (conflict === null) throw err;
        return { changes: 0, conflict };
      }
    },
    async atomic(fn) {
      // Inside a transaction, a savepoint; outside (a single store call), a transaction of its own.
      const isNested = db.isTransaction;
      const name = `sp_${++savepoints}`;
      db.exec(isNested ? `SAVEPOINT ${name}` : 'BEGIN IMMEDIATE');
      try {
        const result = await fn(executor);
        db.exec(isNested ? `RELEASE ${name}` : 'COMMIT');
        return result;
      } catch (err) {
        db.exec(isNested ? `ROLLBACK TO ${name}; RELEASE ${name}` : 'ROLLBACK');
        throw err;
      }
    },
  };
  return executor;
}

/**
 * Opens (creating and migrating as needed) a SQLite store; `':memory:'` gives a private in-memory one.
 * @example const store = await openSqliteStore('.gatehouse/gatehouse.db');
 */
export async function openSqliteStore(file: string): Promise<Store> {
  const db = new DatabaseSync(file);
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL lets readers in other processes (backups, the CLI) read while we write; ':memory:' ignores it.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  const executor = createExecutor(db);
  try {
    await migrate({
      dialect: 'sqlite',
      exclusive: (fn) => executor.atomic(() => fn(async (sql, values) => {
        if (values) return executor.all(sql, values);
        db.exec(sql);
        return [];
      })),
    });
  } catch (err) {
    db.close();
    throw err;
  }

  const lock = createMutex();
  const scope = createTxScope();
  const queries = wrapTx(createQueries(executor), async (call) => {
    scope.assertOutside();
    return lock(call);
  });
  return {
    kind: 'sqlite',
    ...queries,
    async transaction(fn) {
      scope.assertOutside();
      return lock(() => scope.run(async () => {
        db.exec('BEGIN IMMEDIATE');
        const guard = guardTx(createQueries(executor));
        try {
          const result = await fn(guard.tx);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.isTransaction) db.exec('ROLLBACK');
          throw err;
        } finally {
          guard.end();
        }
      }));
    },
    async close() {
      await lock(async () => db.close());
    },
  };
}
