// Stable error codes of the store, besides StoreConflictError ('ERR_STORE_CONFLICT', types.ts). The API
// maps ERR_STORE_BAD_CURSOR and ERR_STORE_BAD_QUERY to 400; the others are bugs in the caller (500).

export const STORE_ERRORS = {
  /** An `after` cursor that this store did not hand out (tampered, truncated or from elsewhere). */
  BAD_CURSOR: 'ERR_STORE_BAD_CURSOR',
  /** A list query the store cannot run: limit below 1, an unknown ref key. */
  BAD_QUERY: 'ERR_STORE_BAD_QUERY',
  /** `store.*` or `store.transaction` called inside a transaction: use the `tx` handed to `fn`. */
  REENTRANT: 'ERR_STORE_REENTRANT',
  /** The `tx` of a transaction used after that transaction ended. */
  TX_CLOSED: 'ERR_STORE_TX_CLOSED',
  /** The database was migrated by a newer Gatehouse than this one. */
  SCHEMA_TOO_NEW: 'ERR_STORE_SCHEMA_TOO_NEW',
} as const;

export type StoreErrorCode = (typeof STORE_ERRORS)[keyof typeof STORE_ERRORS];

/** An Error with a stable `code`, so that callers and tests never match on messages. */
export function storeError(code: StoreErrorCode, message: string): Error & { code: StoreErrorCode } {
  return Object.assign(new Error(message), { code });
}
