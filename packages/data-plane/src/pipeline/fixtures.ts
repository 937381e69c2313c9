import { validate } from '@gatehouse/schema';

// Test fixtures shared by the pipeline's tests: fixed route and service ids, and stored entities with
// Kong's defaults filled by the same schemas the control plane uses.

export const ROUTE = '00000000-0000-4000-8000-000000000001';
export const SERVICE = '00000000-0000-4000-8000-000000000002';

let seq = 100;

/** A stored entity of `schema` with a fresh id (unless `fields.id` is given) and Kong's defaults. */
export function entity<T>(schema: Parameters<typeof validate>[0], fields: Record<string, unknown>): T {
  seq++;
  const r = validate(schema, { id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, created_at: 1, updated_at: 1, ...fields });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value as T;
}
