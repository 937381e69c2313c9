import type { ConfigurationRow, StoreTx } from '../types.ts';
import { num, params, type Executor, type SqlRow } from '../sql.ts';
import { throwOnConflict } from './conflict.ts';

const COLUMNS = ['id', 'control_plane_id', 'control_plane_geo', 'kind', 'dataplane_group_config', 'dataplane_groups', 'entity_version', 'created_at', 'updated_at'];
const SELECT = `SELECT ${COLUMNS.join(', ')} FROM configurations`;

function toRow(db: Executor, r: SqlRow): ConfigurationRow {
  return {
    id: r.id as string,
    control_plane_id: r.control_plane_id as string,
    control_plane_geo: r.control_plane_geo as string,
    kind: r.kind as string,
    dataplane_group_config: db.dialect.fromJson(r.dataplane_group_config) as ConfigurationRow['dataplane_group_config'],
    dataplane_groups: db.dialect.fromJson(r.dataplane_groups) as ConfigurationRow['dataplane_groups'],
    entity_version: num(r.entity_version),
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  };
}

export function configurationQueries(db: Executor): StoreTx['configurations'] {
  const d = db.dialect;
  return {
    async put(row) {
      const values = [
        row.id, row.control_plane_id, row.control_plane_geo, row.kind, d.toJson(row.dataplane_group_config),
        d.toJson(row.dataplane_groups), row.entity_version, row.created_at, row.updated_at,
      ];
      // One configuration per (control plane, geo): a second put replaces the whole row, id included.
      const updates = COLUMNS.filter((c) => c !== 'control_plane_id' && c !== 'control_plane_geo').map((c) => `${c} = excluded.${c}`);
      const sql = `INSERT INTO configurations (${COLUMNS.join(', ')}) VALUES (${values.map((_, i) => d.placeholder(i + 1)).join(', ')})
        ON CONFLICT (control_plane_id, control_plane_geo) DO UPDATE SET ${updates.join(', ')}`;
      throwOnConflict(await db.tryWrite(sql, values));
    },
    async get(id) {
      const rows = await db.all(`${SELECT} WHERE id = ${d.placeholder(1)}`, [id]);
      return rows.length === 0 ? undefined : toRow(db, rows[0]);
    },
    async getByControlPlane(controlPlaneId) {
      const rows = await db.all(`${SELECT} WHERE control_plane_id = ${d.placeholder(1)} ORDER BY created_at, id`, [controlPlaneId]);
      return rows.map((r) => toRow(db, r));
    },
    async list(filter, page) {
      const p = params(d);
      const clauses: string[] = [];
      if (filter.controlPlaneIds) clauses.push(d.inList('control_plane_id', p.add(d.toList(filter.controlPlaneIds))));
      if (filter.geos) clauses.push(d.inList('control_plane_geo', p.add(d.toList(filter.geos))));
      const clause = clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`;
      const [{ total }] = await db.all(`SELECT count(*) AS total FROM configurations ${clause}`, p.values);
      const limit = p.add(page.limit);
      const offset = p.add(page.offset);
      const rows = await db.all(`${SELECT} ${clause} ORDER BY created_at, id LIMIT ${limit} OFFSET ${offset}`, p.values);
      return { rows: rows.map((r) => toRow(db, r)), total: num(total) };
    },
    async delete(id) {
      return (await db.run(`DELETE FROM configurations WHERE id = ${d.placeholder(1)}`, [id])) > 0;
    },
  };
}
