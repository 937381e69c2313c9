import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { createMigrationService } from '../services/migration.ts';
import { controlPlaneSchema } from './schemas/control-plane.ts';

type IdParams = { Params: { controlPlaneId: string } };

/**
 * V0 -> V1 migration (docs/migration.md): `POST /v2/control-planes/{id}/migrate` answers 201 with the
 * new CLUSTER_TYPE_SERVERLESS_V1 control plane; the old one is left as it is.
 */
export function registerMigrateRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = createMigrationService(ctx);
  app.post<IdParams>('/v2/control-planes/:controlPlaneId/migrate', { schema: { response: { 201: controlPlaneSchema } } }, async (request, reply) =>
    reply.code(201).send(await service.migrate(request.params.controlPlaneId, request.body)),
  );
}
