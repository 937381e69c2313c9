import { AsyncLocalStorage } from 'node:async_hooks';
import { STORE_ERRORS, storeError } from './errors.ts';
import type { StoreTx } from './types.ts';

/** Runs async functions one at a time, in call order: a promise chain. */
export type Mutex = <T>(fn: () => Promise<T>) => Promise<T>;

export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const result = tail.then(fn);
    // The next caller waits for this one to settle, whether it resolved or threw.
    tail = result.catch(() => undefined);
    return result;
  };
}

/**
 * Knows whether the current async context is inside a running transaction. Calling `store.*` from
 * there would queue behind the transaction itself on SQLite, or wait on its row locks on PostgreSQL:
 * a deadlock either way, so it throws ERR_STORE_REENTRANT instead. The flag is cleared when the
 * transaction ends, so work the transaction started and left running may use the store afterwards.
 */
export function createTxScope() {
  const storage = new AsyncLocalStorage<{ isActive: boolean }>();
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      const state = { isActive: true };
      try {
        return await storage.run(state, fn);
      } finally {
        state.isActive = false;
      }
    },
    assertOutside(): void {
      if (storage.getStore()?.isActive) {
        throw storeError(STORE_ERRORS.REENTRANT, 'store called inside a transaction; use the tx passed to transaction()');
      }
    },
  };
}

/** Returns a StoreTx whose every method runs through `around` (locking, guards). */
export function wrapTx(tx: StoreTx, around: <T>(call: () => Promise<T>) => Promise<T>): StoreTx {
  const wrapped: Record<string, Record<string, unknown>> = {};
  for (const [group, methods] of Object.entries(tx)) {
    const out: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(methods as Record<string, (...args: unknown[]) => Promise<unknown>>)) {
      out[name] = (...args: unknown[]) => around(() => method(...args));
    }
    wrapped[group] = out;
  }
  return wrapped as unknown as StoreTx;
}

/**
 * The `tx` handed to a transaction's `fn`: its calls run one at a time (so that one call's savepoint
 * never encloses another call's statements when `fn` uses Promise.all) and fail once it has ended.
 */
export function guardTx(tx: StoreTx): { tx: StoreTx; end(): void } {
  const lock = createMutex();
  let isOpen = true;
  // Checked when the call's turn comes, so that a call left queued at commit cannot run after it.
  const guarded = wrapTx(tx, (call) => lock(() => {
    if (!isOpen) return Promise.reject(storeError(STORE_ERRORS.TX_CLOSED, 'transaction already ended'));
    return call();
  }));
  return { tx: guarded, end: () => { isOpen = false; } };
}
