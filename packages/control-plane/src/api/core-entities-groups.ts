import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EntityService } from '../services/entities.ts';
import { createConsumerGroupService } from '../services/entity-groups.ts';

// Consumer-group membership endpoints (konnect-api.md §4.1, Kong EE's shape) and the group read that
// decK calls by name: GET /consumer_groups/{idOrName}[?list_consumers=false]. Registered inside each
// core-entity base by core-entities.ts.

type Req = FastifyRequest<{ Params: { controlPlaneId: string; group: string; consumer: string }; Querystring: Record<string, unknown>; Body: unknown }>;

// Membership lists are small and answered whole: one page, no offset.
const page = (data: unknown[]) => ({ data, next: null });

/** Registers the consumer-group item read and the membership endpoints on a core-entity base. */
export function registerConsumerGroupRoutes(app: FastifyInstance, entities: EntityService): void {
  const groups = createConsumerGroupService(entities);
  app.get('/consumer_groups/:group', async (request: Req) => groups.get(request.params.controlPlaneId, request.params.group, request.query.list_consumers !== 'false'));

  app.get('/consumer_groups/:group/consumers', async (request: Req) => page(await groups.listConsumers(request.params.controlPlaneId, request.params.group)));
  app.post('/consumer_groups/:group/consumers', async (request: Req, reply) => reply.code(201).send(await groups.addConsumers(request.params.controlPlaneId, request.params.group, request.body)));
  app.delete('/consumer_groups/:group/consumers', async (request: Req, reply) => {
    await groups.removeConsumers(request.params.controlPlaneId, request.params.group, null);
    return reply.code(204).send();
  });
  app.delete('/consumer_groups/:group/consumers/:consumer', async (request: Req, reply) => {
    await groups.removeConsumers(request.params.controlPlaneId, request.params.group, request.params.consumer);
    return reply.code(204).send();
  });

  app.get('/consumers/:consumer/consumer_groups', async (request: Req) => page(await groups.listGroups(request.params.controlPlaneId, request.params.consumer)));
  app.post('/consumers/:consumer/consumer_groups', async (request: Req, reply) => reply.code(201).send(await groups.addGroups(request.params.controlPlaneId, request.params.consumer, request.body)));
  app.delete('/consumers/:consumer/consumer_groups', async (request: Req, reply) => {
    await groups.removeGroups(request.params.controlPlaneId, request.params.consumer, null);
    return reply.code(204).send();
  });
  app.delete('/consumers/:consumer/consumer_groups/:group', async (request: Req, reply) => {
    await groups.removeGroups(request.params.controlPlaneId, request.params.consumer, request.params.group);
    return reply.code(204).send();
  });
}
