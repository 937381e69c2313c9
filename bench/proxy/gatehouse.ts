// Gatehouse's data plane with one gateway of N prefix routes (argv[3], default 1) on one host. The
// load hits the middle route (`/r<N/2>/items`), so neither end of the route list helps it.
import pino from 'pino';
import { createDataPlane } from '@gatehouse/data-plane';
import { snapshot } from '@gatehouse/test-kit';

const upstreamPort = Number(process.argv[2]);
const routeCount = Number(process.argv[3] ?? 1);
const builder = snapshot({ gatewayId: '00000000-0000-4000-8000-000000000001', hostnames: ['bench.localhost'] }).service({ url: `http://127.0.0.1:${upstreamPort}` });
for (let i = 0; i < routeCount; i++) builder.route({ paths: [`/r${i}`], strip_path: false });
const dataPlane = createDataPlane({ port: 0, logger: pino({ level: 'silent' }), version: 'bench' });
const { port } = await dataPlane.listen();
dataPlane.applySnapshot(builder.build());
process.stdout.write(`PORT ${port}\n`);
process.on('SIGTERM', () => void dataPlane.close().then(() => process.exit(0)));
