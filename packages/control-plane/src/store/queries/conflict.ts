import { StoreConflictError } from '../types.ts';
import type { WriteResult } from '../sql.ts';

/**
 * Throws StoreConflictError for a write that ran into a unique constraint. The constraint is named
 * as types.ts documents: the column ('name', 'dns_prefix', 'hostname'), prefixed for entities.
 */
export function throwOnConflict(result: WriteResult, prefix?: string): number {
  if (result.conflict === null) return result.changes;
  const column = result.conflict.slice(result.conflict.indexOf('.') + 1);
  throw new StoreConflictError(prefix === undefined ? column : `${prefix}.${column}`);
}
