import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { createPlatformDomains } from '../domains/platform.ts';
import { customDomainListSchema, customDomainOnlineStatusSchema, customDomainSchema } from './schemas/custom-domain.ts';
import { requireJsonBody, type Query } from './schemas/request.ts';

// Digest §6.1: the spec publishes /v2, the docs and Konnect's UI use /v3; both get the same handlers.
const VERSIONS = ['v2', 'v3'] as const;

// Without ctx.domains (built by main.ts with the data plane as HTTP-01 sink) the routes still work, but
// no worker runs and nothing answers HTTP-01, so domains stay `created`.
const noChallengeSink = { setAcmeChallenge: () => undefined };

/** Custom domains (reference/konnect-api.md §6.5), plus Gatehouse's read-only `cname_target`. */
export function registerCustomDomainRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = ctx.domains ?? createPlatformDomains(ctx, noChallengeSink);
  for (const version of VERSIONS) {
    const base = `/${version}/cloud-gateways/custom-domains`;

    app.get(base, { schema: { response: { 200: customDomainListSchema } } }, (request) => service.list(request.query as Query));

    app.post(base, { preValidation: requireJsonBody, schema: { response: { 201: customDomainSchema } } }, async (request, reply) => reply.code(201).send(await service.create(request.body)));

    app.get<{ Params: { id: string } }>(`${base}/:id`, { schema: { response: { 200: customDomainSchema } } }, (request) => service.get(request.params.id));

    app.delete<{ Params: { id: string } }>(`${base}/:id`, async (request, reply) => {
      await service.delete(request.params.id);
      return reply.code(204).send();
    });

    app.get<{ Params: { id: string } }>(`${base}/:id/online-status`, { schema: { response: { 200: customDomainOnlineStatusSchema } } }, (request) => service.onlineStatus(request.params.id));
  }
}
