import { pino } from 'pino';
import { createDataPlane } from '@gatehouse/data-plane';
import { createIpcCounterStore, createRedisCounterStore } from '@gatehouse/data-plane/limits/index.ts';
import type { Snapshot } from '@gatehouse/schema';

// One data-plane worker for the limits tests: counts through the parent (IPC) or through Redis, as
// LIMITS_STORE says; takes snapshots from the parent and reports its port.

const windowMs = Number(process.env.LIMITS_WINDOW_MS);
const limit = Number(process.env.LIMITS_LIMIT);
const store =
  process.env.LIMITS_STORE === 'redis'
    ? createRedisCounterStore({ url: process.env.REDIS_URL!, windowMs, prefix: process.env.LIMITS_PREFIX })
    : createIpcCounterStore();
const dp = createDataPlane({ port: 0, logger: pino({ level: 'warn' }), rateLimit: { limit, windowMs, store } });
const { port } = await dp.listen();
process.on('message', (m: { type: string; snapshot?: Snapshot }) => {
  if (m.type === 'apply') {
    dp.applySnapshot(m.snapshot!);
    process.send!({ type: 'applied' });
  }
});
process.on('disconnect', () => void dp.close().then(() => process.exit(0)));
process.send!({ type: 'listening', port });
