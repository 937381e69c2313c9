// Gatehouse's data plane for the plugin-chain benchmark: one route (`/r0`) with the plugin set named
// by argv[3]: none, key-auth, or key-auth + rate-limiting (local) + cors + request-transformer.
import pino from 'pino';
import { createDataPlane } from '@gatehouse/data-plane';
import { snapshot } from '@gatehouse/test-kit';

const upstreamPort = Number(process.argv[2]);
const chain = process.argv[3] ?? 'none';
const builder = snapshot({ gatewayId: '00000000-0000-4000-8000-000000000001', hostnames: ['bench.localhost'] })
  .consumer({ username: 'bench' })
  .credential('keyAuth', { key: 'bench-key' })
  .service({ url: `http://127.0.0.1:${upstreamPort}` })
  .route({ paths: ['/r0'], strip_path: false });
if (chain !== 'none') builder.plugin('key-auth');
if (chain === 'four') {
  // A limit the run never reaches: every request is counted and allowed.
  builder.plugin('rate-limiting', { second: 1_000_000_000 });
  builder.plugin('cors', { origins: ['https://app.bench'] });
  builder.plugin('request-transformer', { add: { headers: ['x-bench:1'] } });
}
const dataPlane = createDataPlane({ port: 0, logger: pino({ level: 'silent' }), version: 'bench' });
const { port } = await dataPlane.listen();
dataPlane.applySnapshot(builder.build());
process.stdout.write(`PORT ${port}\n`);
process.on('SIGTERM', () => void dataPlane.close().then(() => process.exit(0)));
