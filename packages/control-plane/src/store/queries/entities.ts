import type { EntityType } from '@gatehouse/schema';
import type { EntityListQuery, EntityRow, StoreTx } from '../types.ts';
import { STORE_ERRORS, storeError } from '../errors.ts';
import { num, params, type Executor, type SqlRow } from '../sql.ts';
import { throwOnConflict } from './conflict.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

const SELECT = 'SELECT seq, id, control_plane_id, type, name, body, created_at, updated_at FROM entities';
const REF_KEYS: ReadonlySet<string> = new Set(['service', 'route', 'consumer', 'consumer_group', 'upstream', 'certificate']);

function toRow(db: Executor, r: SqlRow): EntityRow {
  return {
    id: r.id as string,
    control_plane_id: r.control_plane_id as string,
    type: r.type as EntityType,
    name: (r.name as string | null) ?? null,
    body: db.dialect.fromJson(r.body) as Record<string, unknown>,
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  };
}

/** WHERE clause of a list or count: scope, then refs, tags and name filters. */
function where(db: Executor, p: ReturnType<typeof params>, cp: string, type: EntityType, q: Omit<EntityListQuery, 'limit' | 'after'>): string {
  const d = db.dialect;
  const clauses = [`control_plane_id = ${p.add(cp)}`, `type = ${p.add(type)}`];
  for (const [key, id] of Object.entries(q.refs ?? {})) {
    if (id === undefined) continue;
    if (!REF_KEYS.has(key)) throw storeError(STORE_ERRORS.BAD_QUERY, `unknown ref: ${key}`);
    clauses.push(`${d.refId(p.add(d.refPath(key)))} = ${p.add(id)}`);
  }
  // An empty tag list means no tag filter, like an absent one.
  if (q.tags?.all?.length) clauses.push(d.tagsAll(p.add(d.toList(q.tags.all))));
  if (q.tags?.any?.length) clauses.push(d.tagsAny(p.add(d.toList(q.tags.any))));
  if (q.nameEq !== undefined) clauses.push(`name = ${p.add(q.nameEq)}`);
  if (q.nameContains !== undefined) clauses.push(d.contains('name', p.add(q.nameContains)));
  return clauses.join(' AND ');
}

export function entityQueries(db: Executor): StoreTx['entities'] {
  const d = db.dialect;
  const one = async (cp: string, type: EntityType, column: 'id' | 'name', value: string) => {
    const rows = await db.all(`${SELECT} WHERE control_plane_id = ${d.placeholder(1)} AND type = ${d.placeholder(2)} AND ${column} = ${d.placeholder(3)}`, [cp, type, value]);
    return rows.length === 0 ? undefined : toRow(db, rows[0]);
  };
  return {
    async insert(row) {
      const values = [row.control_plane_id, row.type, row.id, row.name, d.toJson(row.body), row.created_at, row.updated_at];
      const sql = `INSERT INTO entities (control_plane_id, type, id, name, body, created_at, updated_at) VALUES (${values.map((_, i) => d.placeholder(i + 1)).join(', ')})`;
      throwOnConflict(await db.tryWrite(sql, values), row.type);
    },
    get: (cp, type, id) => one(cp, type, 'id', id),
    getByName: (cp, type, name) => one(cp, type, 'name', name),
    async list(cp, type, query) {
      if (!Number.isSafeInteger(query.limit) || query.limit < 1) throw storeError(STORE_ERRORS.BAD_QUERY, `invalid limit: ${query.limit}`);
      const p = params(d);
      let clause = where(db, p, cp, type, query);
      if (query.after != null) clause += ` AND seq > ${p.add(decodeCursor(query.after))}`;
      // One row more than asked tells whether a next page exists without a count.
      const rows = await db.all(`${SELECT} WHERE ${clause} ORDER BY seq LIMIT ${p.add(query.limit + 1)}`, p.values);
      const page = rows.slice(0, query.limit);
      const next = rows.length > query.limit ? encodeCursor(num(page[page.length - 1].seq)) : null;
      return { rows: page.map((r) => toRow(db, r)), next };
    },
    async all(cp, type) {
      const rows = await db.all(`${SELECT} WHERE control_plane_id = ${d.placeholder(1)} AND type = ${d.placeholder(2)} ORDER BY seq`, [cp, type]);
      return rows.map((r) => toRow(db, r));
    },
    async update(row) {
      // Whole-row replace, but `seq` and so the entity's place in list order stay.
      const sql = `UPDATE entities SET name = ${d.placeholder(1)}, body = ${d.placeholder(2)}, created_at = ${d.placeholder(3)}, updated_at = ${d.placeholder(4)}
        WHERE control_plane_id = ${d.placeholder(5)} AND type = ${d.placeholder(6)} AND id = ${d.placeholder(7)}`;
      const values = [row.name, d.toJson(row.body), row.created_at, row.updated_at, row.control_plane_id, row.type, row.id];
      return throwOnConflict(await db.tryWrite(sql, values), row.type) > 0;
    },
    async delete(cp, type, id) {
      const sql = `DELETE FROM entities WHERE control_plane_id = ${d.placeholder(1)} AND type = ${d.placeholder(2)} AND id = ${d.placeholder(3)}`;
      return (await db.run(sql, [cp, type, id])) > 0;
    },
    async count(cp, type, refs) {
      const p = params(d);
      const [{ total }] = await db.all(`SELECT count(*) AS total FROM entities WHERE ${where(db, p, cp, type, { refs })}`, p.values);
      return num(total);
    },
  };
}
