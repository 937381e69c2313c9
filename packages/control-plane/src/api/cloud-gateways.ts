import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { AVAILABILITY, createConfigurationService } from '../services/configurations.ts';
import { availabilitySchema, configurationListSchema, configurationSchema } from './schemas/cloud-gateway.ts';
import { requireJsonBody, type Query } from './schemas/request.ts';

// Digest §6.1: the spec publishes /v2, the docs and Konnect's UI use /v3; both get the same handlers.
const VERSIONS = ['v2', 'v3'] as const;

/** Cloud Gateways API (reference/konnect-api.md §6): configurations and the availability document. */
export function registerCloudGatewayRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = createConfigurationService(ctx);

  for (const version of VERSIONS) {
    const base = `/${version}/cloud-gateways`;

    // Public (`security: []`); app.ts lets it through without a token.
    app.get(`${base}/availability.json`, { schema: { response: { 200: availabilitySchema } } }, async () => AVAILABILITY);

    app.get(`${base}/configurations`, { schema: { response: { 200: configurationListSchema } } }, (request) => service.list(request.query as Query));

    app.put(`${base}/configurations`, { preValidation: requireJsonBody, schema: { response: { 200: configurationSchema, 201: configurationSchema } } }, async (request, reply) => {
      const { status, configuration } = await service.put(request.body);
      return reply.code(status).send(configuration);
    });

    app.get<{ Params: { configurationId: string } }>(`${base}/configurations/:configurationId`, { schema: { response: { 200: configurationSchema } } }, (request) =>
      service.get(request.params.configurationId),
    );
  }
}
