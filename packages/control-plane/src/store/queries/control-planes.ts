import type { ControlPlaneFilter, ControlPlaneRow, StoreTx } from '../types.ts';
import { num, params, type Executor, type SqlRow } from '../sql.ts';
import { throwOnConflict } from './conflict.ts';
import { hostnameQueries } from './small-tables.ts';

const COLUMNS = 'id, name, description, labels, cluster_type, auth_type, cloud_gateway, proxy_urls, dns_prefix, created_at, updated_at';

function toRow(db: Executor, r: SqlRow): ControlPlaneRow {
  return {
    id: r.id as string,
    name: r.name as string,
    description: r.description as string,
    labels: db.dialect.fromJson(r.labels) as ControlPlaneRow['labels'],
    cluster_type: r.cluster_type as string,
    auth_type: r.auth_type as string,
    // SQLite has no boolean type: it stores 0/1.
    cloud_gateway: Boolean(r.cloud_gateway),
    proxy_urls: db.dialect.fromJson(r.proxy_urls) as ControlPlaneRow['proxy_urls'],
    dns_prefix: r.dns_prefix as string,
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  };
}

function where(db: Executor, filter: ControlPlaneFilter, p: ReturnType<typeof params>): string {
  const d = db.dialect;
  const clauses: string[] = [];
  if (filter.ids) clauses.push(d.inList('id', p.add(d.toList(filter.ids))));
  if (filter.nameEq !== undefined) clauses.push(`name = ${p.add(filter.nameEq)}`);
  if (filter.nameNeq !== undefined) clauses.push(`name <> ${p.add(filter.nameNeq)}`);
  if (filter.nameContains !== undefined) clauses.push(d.contains('name', p.add(filter.nameContains)));
  if (filter.clusterTypes) clauses.push(d.inList('cluster_type', p.add(d.toList(filter.clusterTypes))));
  if (filter.clusterTypesNot) clauses.push(`NOT ${d.inList('cluster_type', p.add(d.toList(filter.clusterTypesNot)))}`);
  if (filter.cloudGateway !== undefined) clauses.push(`cloud_gateway = ${p.add(filter.cloudGateway)}`);
  return clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`;
}

export function controlPlaneQueries(db: Executor): StoreTx['controlPlanes'] {
  const d = db.dialect;
  const values = (row: ControlPlaneRow) => [
    row.id, row.name, row.description, d.toJson(row.labels), row.cluster_type, row.auth_type,
    row.cloud_gateway, d.toJson(row.proxy_urls), row.dns_prefix, row.created_at, row.updated_at,
  ];
  const one = async (column: 'id' | 'name', value: string) => {
    const rows = await db.all(`SELECT ${COLUMNS} FROM control_planes WHERE ${column} = ${d.placeholder(1)}`, [value]);
    return rows.length === 0 ? undefined : toRow(db, rows[0]);
  };
  return {
    async insert(row) {
      const p = values(row).map((_, i) => d.placeholder(i + 1)).join(', ');
      const result = await db.tryWrite(`INSERT INTO control_planes (${COLUMNS}) VALUES (${p})`, values(row));
      // When both name and prefix collide, SQLite and PostgreSQL report different ones: name wins.
      if (result.conflict !== null && (await one('name', row.name))) result.conflict = 'control_planes.name';
      throwOnConflict(result);
    },
    get: (id) => one('id', id),
    getByName: (name) => one('name', name),
    async list(filter, page) {
      const p = params(d);
      const clause = where(db, filter, p);
      const [{ total }] = await db.all(`SELECT count(*) AS total FROM control_planes ${clause}`, p.values);
      const limit = p.add(page.limit);
      const offset = p.add(page.offset);
      const rows = await db.all(`SELECT ${COLUMNS} FROM control_planes ${clause} ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`, p.values);
      return { rows: rows.map((r) => toRow(db, r)), total: num(total) };
    },
    async update(row) {
      // Whole-row replace; the id (first value) selects the row and is not rewritten.
      const [id, ...rest] = values(row);
      const sets = COLUMNS.split(', ').slice(1).map((c, i) => `${c} = ${d.placeholder(i + 1)}`).join(', ');
      const sql = `UPDATE control_planes SET ${sets} WHERE id = ${d.placeholder(rest.length + 1)}`;
      return throwOnConflict(await db.tryWrite(sql, [...rest, id])) > 0;
    },
    delete(id) {
      // One unit: hostnames are released (kept, never reused) and the rows go; configurations and
      // entities follow through ON DELETE CASCADE.
      return db.atomic(async (tx) => {
        await hostnameQueries(tx).release(id);
        return (await tx.run(`DELETE FROM control_planes WHERE id = ${tx.dialect.placeholder(1)}`, [id])) > 0;
      });
    },
  };
}
