import type pg from 'pg';
import type { PoolClient } from 'pg';
import type { Dialect, Executor } from './sql.ts';

export const pgDialect: Dialect = {
  kind: 'postgres',
  placeholder: (n) => `$${n}`,
  toJson: (value) => JSON.stringify(value),
  // pg parses JSONB itself.
  fromJson: (value) => value,
  toList: (values) => [...values],
  inList: (column, p) => `${column} = ANY(${p}::text[])`,
  refPath: (key) => key,
  refId: (p) => `(body -> ${p}::text ->> 'id')`,
  // jsonb ?& / ?| test top-level array elements; a missing or null tags field yields NULL, no match.
  tagsAll: (p) => `(body -> 'tags' ?& ${p}::text[])`,
  tagsAny: (p) => `(body -> 'tags' ?| ${p}::text[])`,
  contains: (column, p) => `strpos(lower(${column}), lower(${p}::text)) > 0`,
};

/** What went wrong in a transaction so far; see withClient in postgres.ts. */
export interface TxState {
  failure: unknown;
}

/** `table.column` of a unique violation: constraints are named uq__<table>__<column> (migrations). */
function conflictOf(err: unknown): string | null {
  const e = err as { code?: string; constraint?: string };
  if (e?.code !== '23505') return null;
  const m = /^uq__(\w+?)__(\w+)$/.exec(e.constraint ?? '');
  return m ? `${m[1]}.${m[2]}` : `unknown.${e.constraint ?? 'unknown'}`;
}

type Atomic = <T>(fn: (client: PoolClient, state: TxState) => Promise<T>) => Promise<T>;

/**
 * An Executor over the pool (single store calls, autocommit) or over a transaction's client (pass
 * `state`). In a transaction a failed statement aborts everything after it, so writes that may
 * conflict and atomic blocks run inside a savepoint, which is rolled back to on failure.
 */
export function createPgExecutor(db: pg.Pool | PoolClient, atomic: Atomic, state?: TxState): Executor {
  let savepoints = 0;
  const query = async (sql: string, values: readonly unknown[]) => {
    try {
      return await db.query(sql, values as unknown[]);
    } catch (err) {
      if (state && state.failure === undefined) state.failure = err;
      throw err;
    }
  };
  /** Runs `fn` in a savepoint; `recover` decides whether an error is absorbed (returns a value). */
  const inSavepoint = async <T>(fn: () => Promise<T>, recover: (err: unknown) => { value: T } | null): Promise<T> => {
    const name = `sp_${++savepoints}`;
    const before = state!.failure;
    await query(`SAVEPOINT ${name}`, []);
    try {
      const result = await fn();
      await query(`RELEASE SAVEPOINT ${name}`, []);
      return result;
    } catch (err) {
      const isRestored = await query(`ROLLBACK TO SAVEPOINT ${name}`, []).then(() => true, () => false);
      // Undone work no longer fails the transaction, unless PostgreSQL doomed all of it (40001).
      const code = (state!.failure as { code?: string } | undefined)?.code;
      if (isRestored && code !== '40001' && code !== '40P01') state!.failure = before;
      const recovered = isRestored ? recover(err) : null;
      if (recovered) return recovered.value;
      throw err;
    }
  };
  const executor: Executor = {
    dialect: pgDialect,
    all: async (sql, values) => (await query(sql, values)).rows,
    run: async (sql, values) => (await query(sql, values)).rowCount ?? 0,
    async tryWrite(sql, values) {
      const write = async () => ({ changes: await executor.run(sql, values), conflict: null });
      const recover = (err: unknown) => {
        const conflict = conflictOf(err);
        return conflict === null ? null : { value: { changes: 0, conflict } };
      };
      if (!state) {
        try {
          return await write();
        } catch (err) {
          const recovered = recover(err);
          if (recovered) return recovered.value;
          throw err;
        }
      }
      return inSavepoint<{ changes: number; conflict: string | null }>(write, recover);
    },
    atomic(fn) {
      if (!state) return atomic((client, txState) => fn(createPgExecutor(client, atomic, txState)));
      return inSavepoint(() => fn(executor), () => null);
    },
  };
  return executor;
}
