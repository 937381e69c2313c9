import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { registerAnalyticsRoutes } from './analytics.ts';
import { registerControlPlaneRoutes } from './control-planes.ts';
import { registerCloudGatewayRoutes } from './cloud-gateways.ts';
import { registerCoreEntityRoutes } from './core-entities.ts';
import { registerUiRoutes } from './ui.ts';
import { registerCustomDomainRoutes } from './custom-domains.ts';
import { registerDpClientCertificateRoutes } from './dp-client-certificates.ts';
import { registerNodeRoutes } from './nodes.ts';
import { registerDeckCompatRoutes } from './deck-compat.ts';
import { registerMigrateRoutes } from './migrate.ts';
import { registerUpstreamHealthRoutes } from './upstream-health.ts';

/** Every API group; each module declares its routes and calls its service. */
export async function registerApiRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/health', async () => ({ status: 'ok' }));
  registerControlPlaneRoutes(app, ctx);
  registerCloudGatewayRoutes(app, ctx);
  registerAnalyticsRoutes(app, ctx);
  registerCustomDomainRoutes(app, ctx);
  await registerCoreEntityRoutes(app, ctx);
  await registerUpstreamHealthRoutes(app, ctx);
  registerDpClientCertificateRoutes(app, ctx);
  registerNodeRoutes(app, ctx);
  registerDeckCompatRoutes(app, ctx);
  registerMigrateRoutes(app, ctx);
  registerUiRoutes(app);
}
