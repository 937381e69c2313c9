import pg from 'pg';
import type { PoolClient } from 'pg';
import { createTxScope, guardTx, wrapTx } from './concurrency.ts';
import { migrate } from './migrations/index.ts';
import { createPgExecutor, type TxState } from './postgres-executor.ts';
import { createQueries } from './queries/index.ts';
import type { Store } from './types.ts';

// The scale-out store: a pg Pool, one dedicated client per transaction. Transactions run SERIALIZABLE
// so that they behave as on SQLite (as if one ran after the other); PostgreSQL then aborts one of two
// conflicting transactions (SQLSTATE 40001, or 40P01 on a deadlock) and transaction() runs `fn` again.

const MAX_ATTEMPTS = 10;
const RETRYABLE = new Set(['40001', '40P01']);

const isRetryable = (err: unknown) => RETRYABLE.has((err as { code?: string } | undefined)?.code ?? '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` in BEGIN..COMMIT on its own client; the client is destroyed if ROLLBACK fails. */
async function withClient<T>(pool: pg.Pool, begin: string, fn: (client: PoolClient, state: TxState) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const state: TxState = { failure: undefined };
  let isBroken = false;
  try {
    await client.query(begin);
    const result = await fn(client, state);
    // A statement failed and `fn` swallowed the error: PostgreSQL has aborted the transaction and
    // would turn COMMIT into a silent ROLLBACK, so report the failure instead of "success".
    if (state.failure !== undefined) throw state.failure;
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => { isBroken = true; });
    // A serialization failure dooms the whole attempt, whatever `fn` turned it into.
    throw isRetryable(state.failure) ? state.failure : err;
  } finally {
    client.release(isBroken);
  }
}

/**
 * Opens a PostgreSQL store and migrates its schema (the first schema of the connection's search_path).
 * @example const store = await openPostgresStore('postgres://gatehouse@db:5432/gatehouse');
 */
export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url });
  // An idle client that loses its connection emits 'error' on the pool; the pool drops it and the
  // next query connects afresh, so there is nothing to do but keep the process alive.
  pool.on('error', () => undefined);
  try {
    await migrate({
      dialect: 'postgres',
      exclusive: (fn) => withClient(pool, 'BEGIN', async (client) => {
        // Replicas starting together queue here; keyed by schema so that test schemas do not wait.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('gatehouse:' || coalesce(current_schema(), '')))`);
        await fn(async (sql, values) => (await client.query(sql, values)).rows);
      }),
    });
  } catch (err) {
    await pool.end();
    throw err;
  }

  const scope = createTxScope();
  const atomic = <T>(fn: (client: PoolClient, state: TxState) => Promise<T>) => withClient(pool, 'BEGIN', fn);
  const queries = wrapTx(createQueries(createPgExecutor(pool, atomic)), async (call) => {
    scope.assertOutside();
    return call();
  });
  return {
    kind: 'postgres',
    ...queries,
    async transaction(fn) {
      scope.assertOutside();
      for (let attempt = 1; ; attempt++) {
        try {
          return await scope.run(() => withClient(pool, 'BEGIN ISOLATION LEVEL SERIALIZABLE', async (client, state) => {
            const guard = guardTx(createQueries(createPgExecutor(client, atomic, state)));
            try {
              return await fn(guard.tx);
            } finally {
              guard.end();
            }
          }));
        } catch (err) {
          if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
          // Jittered backoff, so that the transactions that collided do not collide again.
          await sleep(Math.random() * 5 * 2 ** Math.min(attempt, 6));
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
}
