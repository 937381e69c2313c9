import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createApp } from './app.ts';
import { ensureAdminToken } from './auth.ts';
import { loadConfig } from './config.ts';
import { createEvents } from './events.ts';
import type { AppContext } from './context.ts';
import { createProvisioner } from './provisioner.ts';
import { openStore } from './store/index.ts';
import { VERSION } from './version.ts';
import { prepareClusterCredentials } from './clustering/cluster-ca.ts';
import { createDpCertificateService } from './clustering/dp-certificates.ts';
import { createClusterHub, type ClusterHub } from './clustering/hub.ts';
import type { ClusterAppContext } from './clustering/context.ts';
import { runSupervisor, type ControlPlaneReady } from './clustering/supervisor.ts';
import { createProxyTls } from './clustering/proxy-tls.ts';
import { createTelemetryListener } from './clustering/telemetry-listener.ts';
import { createPlatformDomains } from './domains/index.ts';
import { createTelemetryServer } from './analytics/telemetry-server.ts';
import { SERVERLESS_REGIONS } from './api/schemas/cloud-gateway.ts';

// `npm start` runs the supervisor: it starts the control plane and the data-plane workers as sibling
// processes (so that a control-plane restart drops no proxied request), and the workers take their
// configuration from the control plane over the clustering protocol like any other data plane.
// With GATEHOUSE_ROLE=control-plane this file is the control plane alone: API, store, provisioner and
// the clustering hub on the cluster port. Listeners bind GATEHOUSE_LISTEN (127.0.0.1).

async function runControlPlane(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  const newToken = await ensureAdminToken(store, config.adminToken);
  const clusterDomain = `cp.${config.baseDomain}`;
  const telemetryDomain = `tp.${config.baseDomain}`;
  const credentials = await prepareClusterCredentials(store, { dataDir: config.dataDir, clusterDomain, telemetryDomain, listen: config.listen });

  const hubRef: { current?: ClusterHub } = {};
  const certificates = createDpCertificateService(store, (id) => void hubRef.current?.recheck(id));
  const base: AppContext = { store, config, events: createEvents(), logger, version: VERSION };
  const hub = createClusterHub({
    store,
    logger: logger.child({ part: 'cluster' }),
    version: VERSION,
    ca: credentials.ca,
    server: credentials.server,
    clusterDomain,
    certificates,
    heartbeatMs: process.env.GATEHOUSE_CLUSTER_HEARTBEAT_MS ? Number(process.env.GATEHOUSE_CLUSTER_HEARTBEAT_MS) : undefined,
    nodeExpiryMs: process.env.GATEHOUSE_NODE_EXPIRY_MS ? Number(process.env.GATEHOUSE_NODE_EXPIRY_MS) : undefined,
    requestSync: (id) => void provisioner.sync(id),
  });
  hubRef.current = hub;
  const ctx: ClusterAppContext = { ...base, cluster: { hub, certificates } };
  // HTTPS for the generated hostnames: the certificate travels to the fleet with the snapshots.
  const proxyTls = await createProxyTls(store, {
    dataDir: config.dataDir,
    baseDomain: config.baseDomain,
    regions: [...new Set(Object.values(SERVERLESS_REGIONS).flatMap((k) => k.regions))],
    certFile: process.env.GATEHOUSE_TLS_CERT || undefined,
    keyFile: process.env.GATEHOUSE_TLS_KEY || undefined,
    publish: (certs) => hub.setPlatformCertificates(certs),
  });
  const provisioner = createProvisioner(ctx, {
    ...hub,
    async publish(snapshot, audience, regions) {
      if (audience === 'fleet') await proxyTls.track(snapshot.hostnames);
      return hub.publish(snapshot, audience, regions);
    },
  });
  // Custom domains: the worker validates and orders; HTTP-01 answers go to every fleet node through the hub.
  ctx.domains = createPlatformDomains(ctx, hub);
  const cluster = await hub.listen(config.clusterPort, config.listen);
  // Konnect's config.control_plane_endpoint shows the port actually bound (GATEHOUSE_CLUSTER_PORT=0 picks one).
  config.clusterPort = cluster.port;
  proxyTls.hold();
  const gateways = await provisioner.syncAll();
  await proxyTls.release();
  ctx.domains.start();

  // Telemetry from data planes, behind the cluster's mTLS rules.
  const telemetry = createTelemetryServer(ctx);
  const telemetryListener = createTelemetryListener({ store, logger: logger.child({ part: 'telemetry' }), ca: credentials.ca, server: credentials.server, telemetryDomain, certificates, handler: telemetry.handler });
  const telemetryBound = await telemetryListener.listen(config.telemetryPort, config.listen);
  config.telemetryPort = telemetryBound.port;
  telemetry.analytics.startRetention();

  const app = await createApp(ctx);
  const apiAddress = await app.listen({ host: config.listen, port: config.apiPort });
  const apiUrl = apiAddress.replace(/\/$/, '');
  const hostForUrls = config.listen.includes(':') ? `[${config.listen}]` : config.listen;
  const clusterUrl = `https://${hostForUrls}:${cluster.port}`;
  const telemetryUrl = `https://${hostForUrls}:${telemetryBound.port}`;

  const tokenLines: string[] = [];
  if (newToken) {
    tokenLines.push('', `  Admin token (shown once; store it now): ${newToken}`, `  Use it as:  curl -H "Authorization: Bearer ${newToken}" ${apiUrl}/v2/control-planes`);
  } else if (config.adminToken) {
    tokenLines.push('  Admin token: from GATEHOUSE_ADMIN_TOKEN');
  } else {
    tokenLines.push('  Admin token: created on first start (set GATEHOUSE_ADMIN_TOKEN to use one of your own)');
  }
  const ready: ControlPlaneReady = {
    type: 'ready',
    pid: process.pid,
    apiUrl,
    apiPort: Number(new URL(apiUrl).port),
    clusterUrl,
    clusterPort: cluster.port,
    telemetryUrl,
    telemetryPort: telemetryBound.port,
    files: credentials.files,
    tlsCaFile: proxyTls.caFile,
    summary: `Gatehouse ${VERSION} is running (${store.kind === 'sqlite' ? `embedded SQLite in ${config.dataDir}` : 'PostgreSQL'}).`,
    gateways,
    tokenLines,
  };
  if (process.send) {
    process.send(ready);
    // The supervisor tells us where its data planes listen, for the proxy_urls we show.
    process.on('message', (message: { type?: string; port?: number; tlsPort?: number }) => {
      if (message?.type !== 'proxy-port') return;
      if (typeof message.port === 'number') config.proxyPort = message.port;
      if (typeof message.tlsPort === 'number') config.proxyTlsPort = message.tlsPort;
    });
  } else {
    const lines = [ready.summary, `  API:    ${apiUrl}`, `  Cluster: ${clusterUrl}  (CA: ${credentials.files.ca})`, `  Telemetry: ${telemetryUrl}`, `  Fleet certificate: ${credentials.files.fleetCert}`, ...(proxyTls.caFile ? [`  Local CA for the gateways' HTTPS: ${proxyTls.caFile}`] : []), `  Gateways loaded: ${gateways}`, ...tokenLines];
    process.stdout.write(lines.join('\n') + '\n');
  }

  let isStopping = false;
  async function stop(signal: string): Promise<void> {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'stopping');
    await app.close();
    await ctx.domains?.stop();
    await telemetryListener.close();
    await telemetry.close();
    await provisioner.idle();
    await hub.close();
    await store.close();
    process.exit(0);
  }
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('disconnect', () => void stop('disconnect'));
}

if (process.env.GATEHOUSE_ROLE === 'control-plane') await runControlPlane();
else await runSupervisor({ main: fileURLToPath(import.meta.url), config: loadConfig(), version: VERSION });
