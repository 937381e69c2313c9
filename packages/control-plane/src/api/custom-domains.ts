import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { createAcmeIssuer } from '../domains/acme.ts';
import { loadDomainConfig } from '../domains/config.ts';
import { createDnsChecker } from '../domains/dns-checks.ts';
import { createDomainService, type DomainService } from '../domains/domain-service.ts';
import { customDomainListSchema, customDomainOnlineStatusSchema, customDomainSchema } from './schemas/custom-domain.ts';
import { requireJsonBody, type Query } from './schemas/request.ts';

// Digest §6.1: the spec publishes /v2, the docs and Konnect's UI use /v3; both get the same handlers.
const VERSIONS = ['v2', 'v3'] as const;

/**
 * The service the routes use when the platform did not build one (ctx.domains): configured from the
 * environment, with no data plane to answer HTTP-01 and no worker, so domains stay `created`.
 */
function standaloneService(ctx: AppContext): DomainService {
  const config = loadDomainConfig();
  return createDomainService(ctx.store, createAcmeIssuer(ctx.store, config), createDnsChecker({ servers: config.dnsServers }), {
    events: ctx.events,
    logger: ctx.logger,
    baseDomain: ctx.config.baseDomain,
    challenges: { setAcmeChallenge: () => undefined },
    caaIdentities: config.caaIdentities,
  });
}

/** Custom domains (reference/konnect-api.md §6.5), plus Gatehouse's read-only `cname_target`. */
export function registerCustomDomainRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = ctx.domains ?? standaloneService(ctx);
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
