import { ENTITY_TYPES, StringEnum, Type, newDnsPrefix, newId } from '@gatehouse/schema';
import type { AppContext } from '../context.ts';
import { ProblemError, invalidParameters } from '../api/errors.ts';
import { canonicalClusterType, type ControlPlane } from '../api/schemas/control-plane.ts';
import { readBody } from '../api/schemas/request.ts';
import { StoreConflictError, type ControlPlaneRow, type EntityRow } from '../store/types.ts';
import { controlPlaneNotFound, controlPlaneView } from './control-planes.ts';
import { createConfigurationService } from './configurations.ts';

// V0 -> V1 in one step (issue 7): a new CLUSTER_TYPE_SERVERLESS_V1 control plane with a copy of every
// core entity of a CLUSTER_TYPE_SERVERLESS one, and a serverless.v1 configuration per geo of the old
// one; the old control plane is not touched (the user deletes it when the new one serves).
//
// Entity ids are regenerated: ids stay unique across the platform, and the old and new gateways can
// be told apart in logs and analytics. Every reference (service.id, route.id, consumer.id,
// upstream.id, certificate ids, ca_certificates, consumer groups...) is rewritten through one map of
// old to new ids, applied to every string of every entity body that is an old id (ids are UUIDs, so
// no other value can be mistaken for one).

export const migrateBodySchema = Type.Object(
  {
    /** Name of the new control plane; default `<old name>-v1`. */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** V1 region of the new gateway; default `us` (V0's `na`). */
    region: Type.Optional(StringEnum(['us', 'eu'] as const)),
  },
  { additionalProperties: false },
);

const NAME_TAKEN = 'Control Plane with provided name already exists.';

type Deps = Pick<AppContext, 'store' | 'config' | 'events'>;

/** Replaces every string found in `ids` by its new id, deeply; everything else is copied as is. */
function rewrite(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => rewrite(v, ids));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewrite(v, ids);
    return out;
  }
  return value;
}

export function createMigrationService(deps: Deps) {
  const { store, config, events } = deps;
  const configurations = createConfigurationService(deps);
  return {
    /** Copies a V0 control plane into a new V1 one; returns the new control plane (201). */
    async migrate(controlPlaneId: string, body: unknown): Promise<ControlPlane> {
      const input = readBody(migrateBodySchema, body ?? {});
      const sourceId = controlPlaneId.toLowerCase();
      const { row, geos } = await store.transaction(async (tx) => {
        const source = await tx.controlPlanes.get(sourceId);
        if (!source) throw controlPlaneNotFound();
        const clusterType = canonicalClusterType(source.cluster_type);
        if (clusterType !== 'CLUSTER_TYPE_SERVERLESS') {
          throw invalidParameters(
            [{ field: 'control_plane_id', rule: 'invalid', reason: `only a CLUSTER_TYPE_SERVERLESS (V0) control plane can be migrated; ${sourceId} is ${clusterType}` }],
            'Control plane cannot be migrated',
          );
        }
        const name = input.name ?? `${source.name}-v1`;
        if (await tx.controlPlanes.getByName(name)) throw new ProblemError(409, NAME_TAKEN);
        const now = Date.now();
        const target: ControlPlaneRow = {
          ...source,
          id: newId(),
          name,
          cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1',
          cloud_gateway: true,
          proxy_urls: [],
          dns_prefix: newDnsPrefix(),
          created_at: now,
          updated_at: now,
        };
        try {
          await tx.controlPlanes.insert(target);
        } catch (err) {
          if (err instanceof StoreConflictError && err.constraint === 'name') throw new ProblemError(409, NAME_TAKEN);
          throw err;
        }
        const rows: EntityRow[] = [];
        for (const type of ENTITY_TYPES) rows.push(...(await tx.entities.all(sourceId, type)));
        const ids = new Map(rows.map((r) => [r.id, newId()]));
        for (const r of rows) {
          const id = ids.get(r.id)!;
          await tx.entities.insert({ ...r, id, control_plane_id: target.id, body: { ...(rewrite(r.body, ids) as Record<string, unknown>), id } });
        }
        const geos = (await tx.configurations.getByControlPlane(sourceId)).map((c) => c.control_plane_geo);
        return { row: target, geos };
      });
      // The new gateway's hostnames: one serverless.v1 configuration per geo the old one had.
      try {
        for (const geo of geos) {
          await configurations.put({ control_plane_id: row.id, control_plane_geo: geo, kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: input.region ?? 'us' }] });
        }
      } catch (err) {
        await store.transaction((tx) => tx.controlPlanes.delete(row.id));
        throw err;
      }
      events.gatewayChanged(row.id);
      return store.transaction(async (tx) => controlPlaneView(tx, config, (await tx.controlPlanes.get(row.id))!));
    },
  };
}

export type MigrationService = ReturnType<typeof createMigrationService>;
