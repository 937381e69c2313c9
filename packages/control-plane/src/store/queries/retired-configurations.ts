import type { ConfigurationRow, StoreTx } from '../types.ts';
import type { Executor, SqlRow } from '../sql.ts';

const SELECT = 'SELECT body FROM retired_configurations';

export function retiredConfigurationQueries(db: Executor): StoreTx['retiredConfigurations'] {
  const d = db.dialect;
  const toRow = (r: SqlRow): ConfigurationRow => d.fromJson(r.body) as ConfigurationRow;
  return {
    async put(row, retiredAt) {
      await db.run(
        `INSERT INTO retired_configurations (id, control_plane_id, body, retired_at) VALUES (${d.placeholder(1)}, ${d.placeholder(2)}, ${d.placeholder(3)}, ${d.placeholder(4)})
          ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
        [row.id, row.control_plane_id, d.toJson(row), retiredAt],
      );
    },
    async get(id) {
      const rows = await db.all(`${SELECT} WHERE id = ${d.placeholder(1)}`, [id]);
      return rows.length === 0 ? undefined : toRow(rows[0]);
    },
    async getByControlPlane(controlPlaneId) {
      const rows = await db.all(`${SELECT} WHERE control_plane_id = ${d.placeholder(1)} ORDER BY retired_at, id`, [controlPlaneId]);
      return rows.map(toRow);
    },
    async list(page) {
      const rows = await db.all(`${SELECT} ORDER BY retired_at, id LIMIT ${d.placeholder(1)} OFFSET ${d.placeholder(2)}`, [page.limit, page.offset]);
      return rows.map(toRow);
    },
    async prune(before) {
      return db.run(`DELETE FROM retired_configurations WHERE retired_at < ${d.placeholder(1)}`, [before]);
    },
  };
}
