// Reference: Fastify with @fastify/http-proxy (undici underneath), the common Node gateway stack.
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const app = Fastify({ logger: false });
await app.register(proxy, { upstream: `http://127.0.0.1:${process.argv[2]}`, prefix: '/' });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`PORT ${new URL(address).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
