import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { createControlPlaneService } from '../services/control-planes.ts';
import { controlPlaneListSchema, controlPlaneSchema } from './schemas/control-plane.ts';
import { requireJsonBody, type Query } from './schemas/request.ts';

type IdParams = { Params: { controlPlaneId: string } };

/** Control Planes API v2 (reference/konnect-api.md §2): `/v2/control-planes`. */
export function registerControlPlaneRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = createControlPlaneService(ctx);

  app.get('/v2/control-planes', { schema: { response: { 200: controlPlaneListSchema } } }, (request) => service.list(request.query as Query));

  app.post('/v2/control-planes', { preValidation: requireJsonBody, schema: { response: { 201: controlPlaneSchema } } }, async (request, reply) =>
    reply.code(201).send(await service.create(request.body)),
  );

  app.get<IdParams>('/v2/control-planes/:controlPlaneId', { schema: { response: { 200: controlPlaneSchema } } }, (request) => service.get(request.params.controlPlaneId));

  app.patch<IdParams>('/v2/control-planes/:controlPlaneId', { preValidation: requireJsonBody, schema: { response: { 200: controlPlaneSchema } } }, (request) =>
    service.update(request.params.controlPlaneId, request.body),
  );

  app.delete<IdParams>('/v2/control-planes/:controlPlaneId', async (request, reply) => {
    await service.remove(request.params.controlPlaneId);
    return reply.code(204).send();
  });
}
