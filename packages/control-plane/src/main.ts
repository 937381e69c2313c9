import pino from 'pino';
import { createDataPlane } from '@gatehouse/data-plane';
import { createApp } from './app.ts';
import { ensureAdminToken } from './auth.ts';
import { loadConfig } from './config.ts';
import { createEvents } from './events.ts';
import type { AppContext } from './context.ts';
import { createProvisioner } from './provisioner.ts';
import { openStore } from './store/index.ts';
import { VERSION } from './version.ts';

// `npm start`: the whole platform in one process tree on the embedded default — control-plane API,
// store, provisioner and the data plane. Listeners bind GATEHOUSE_LISTEN (127.0.0.1).

const config = loadConfig();
const logger = pino({ level: config.logLevel });
const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
const newToken = await ensureAdminToken(store, config.adminToken);
const ctx: AppContext = { store, config, events: createEvents(), logger, version: VERSION };

const dataPlane = createDataPlane({ host: config.listen, port: config.proxyPort, maxBodyBytes: config.maxBodyBytes, logger: logger.child({ part: 'data-plane' }), version: VERSION });
const proxy = await dataPlane.listen();
const provisioner = createProvisioner(ctx, dataPlane);
const gateways = await provisioner.syncAll();

const app = await createApp(ctx);
const apiAddress = await app.listen({ host: config.listen, port: config.apiPort });
const apiUrl = apiAddress.replace(/\/$/, '');
const hostForUrls = config.listen.includes(':') ? `[${config.listen}]` : config.listen;

const lines = [
  `Gatehouse ${VERSION} is running (${store.kind === 'sqlite' ? `embedded SQLite in ${config.dataDir}` : 'PostgreSQL'}).`,
  `  API:    ${apiUrl}`,
  `  Proxy:  http://${hostForUrls}:${proxy.port}  (gateways answer at http://<hostname>:${proxy.port})`,
  `  Gateways loaded: ${gateways}`,
];
if (newToken) {
  lines.push('', `  Admin token (shown once; store it now): ${newToken}`, `  Use it as:  curl -H "Authorization: Bearer ${newToken}" ${apiUrl}/v2/control-planes`);
} else if (config.adminToken) {
  lines.push('  Admin token: from GATEHOUSE_ADMIN_TOKEN');
} else {
  lines.push('  Admin token: created on first start (set GATEHOUSE_ADMIN_TOKEN to use one of your own)');
}
process.stdout.write(lines.join('\n') + '\n');

let isStopping = false;
async function stop(signal: string): Promise<void> {
  if (isStopping) return;
  isStopping = true;
  logger.info({ signal }, 'stopping');
  await app.close();
  await provisioner.idle();
  await dataPlane.close();
  await store.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
