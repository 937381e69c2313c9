import type { AppContext } from '../context.ts';
import { createAcmeIssuer, type AcmeChallengeSink } from './acme.ts';
import { loadDomainConfig } from './config.ts';
import { createDnsChecker } from './dns-checks.ts';
import { createDomainService, type DomainService } from './domain-service.ts';

/**
 * The platform's custom-domain service configured from the environment (GATEHOUSE_DNS_SERVERS,
 * GATEHOUSE_ACME_*), publishing HTTP-01 answers to `challenges` (the data plane, or the clustering hub
 * that forwards them). Call `start()` for the background worker and `stop()` on shutdown.
 * @example
 * ctx.domains = createPlatformDomains(ctx, dataPlane);
 * ctx.domains.start();
 */
export function createPlatformDomains(ctx: Pick<AppContext, 'store' | 'events' | 'logger' | 'config'>, challenges: AcmeChallengeSink, env: NodeJS.ProcessEnv = process.env): DomainService {
  const config = loadDomainConfig(env);
  const acme = createAcmeIssuer(ctx.store, { directoryUrl: config.directoryUrl, directoryCa: config.directoryCa, email: config.email });
  return createDomainService(ctx.store, acme, createDnsChecker({ servers: config.dnsServers }), {
    events: ctx.events,
    logger: ctx.logger.child({ part: 'domains' }),
    baseDomain: ctx.config.baseDomain,
    challenges,
    caaIdentities: config.caaIdentities,
  });
}
