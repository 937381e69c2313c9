import type { CustomDomainRow, StoreTx } from '../types.ts';
import { num, params, type Executor, type SqlRow } from '../sql.ts';
import { throwOnConflict } from './conflict.ts';

const COLUMNS = [
  'id', 'control_plane_id', 'control_plane_geo', 'domain', 'kind', 'cname_target', 'state', 'state_metadata',
  'certificate_id', 'sni_id', 'not_after', 'attempts', 'next_attempt_at', 'entity_version', 'created_at', 'updated_at',
] as const;
const SELECT = `SELECT ${COLUMNS.join(', ')} FROM custom_domains`;

const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : num(value));

function toRow(db: Executor, r: SqlRow): CustomDomainRow {
  return {
    id: r.id as string,
    control_plane_id: r.control_plane_id as string,
    control_plane_geo: r.control_plane_geo as string,
    domain: r.domain as string,
    kind: r.kind as string,
    cname_target: r.cname_target as string,
    state: r.state as string,
    state_metadata: db.dialect.fromJson(r.state_metadata) as CustomDomainRow['state_metadata'],
    certificate_id: (r.certificate_id as string | null) ?? null,
    sni_id: (r.sni_id as string | null) ?? null,
    not_after: numOrNull(r.not_after),
    attempts: num(r.attempts),
    next_attempt_at: numOrNull(r.next_attempt_at),
    entity_version: num(r.entity_version),
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  };
}

function values(db: Executor, row: CustomDomainRow): unknown[] {
  return COLUMNS.map((c) => (c === 'state_metadata' ? db.dialect.toJson(row.state_metadata) : row[c]));
}

export function customDomainQueries(db: Executor): StoreTx['customDomains'] {
  const d = db.dialect;
  return {
    async insert(row) {
      const sql = `INSERT INTO custom_domains (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => d.placeholder(i + 1)).join(', ')})`;
      throwOnConflict(await db.tryWrite(sql, values(db, row)));
    },
    async get(id) {
      const rows = await db.all(`${SELECT} WHERE id = ${d.placeholder(1)}`, [id]);
      return rows.length === 0 ? undefined : toRow(db, rows[0]);
    },
    async getByDomain(domain) {
      const rows = await db.all(`${SELECT} WHERE domain = ${d.placeholder(1)}`, [domain]);
      return rows.length === 0 ? undefined : toRow(db, rows[0]);
    },
    async list(filter, page) {
      const p = params(d);
      const clauses: string[] = [];
      if (filter.controlPlaneIds) clauses.push(d.inList('control_plane_id', p.add(d.toList(filter.controlPlaneIds))));
      if (filter.geos) clauses.push(d.inList('control_plane_geo', p.add(d.toList(filter.geos))));
      if (filter.domains) clauses.push(d.inList('domain', p.add(d.toList(filter.domains))));
      if (filter.domainContains !== undefined) clauses.push(d.contains('domain', p.add(filter.domainContains)));
      if (filter.states) clauses.push(d.inList('state', p.add(d.toList(filter.states))));
      const clause = clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`;
      const [{ total }] = await db.all(`SELECT count(*) AS total FROM custom_domains ${clause}`, p.values);
      const limit = p.add(page.limit);
      const offset = p.add(page.offset);
      const rows = await db.all(`${SELECT} ${clause} ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`, p.values);
      return { rows: rows.map((r) => toRow(db, r)), total: num(total) };
    },
    async due(now, limit) {
      const sql = `${SELECT} WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ${d.placeholder(1)} ORDER BY next_attempt_at, id LIMIT ${d.placeholder(2)}`;
      return (await db.all(sql, [now, limit])).map((r) => toRow(db, r));
    },
    async update(row) {
      const set = COLUMNS.filter((c) => c !== 'id').map((c, i) => `${c} = ${d.placeholder(i + 2)}`);
      const [id, ...rest] = values(db, row);
      const sql = `UPDATE custom_domains SET ${set.join(', ')} WHERE id = ${d.placeholder(1)}`;
      return throwOnConflict(await db.tryWrite(sql, [id, ...rest])) > 0;
    },
    async delete(id) {
      return (await db.run(`DELETE FROM custom_domains WHERE id = ${d.placeholder(1)}`, [id])) > 0;
    },
  };
}
