import { createConnection } from 'node:net';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** Redis at 127.0.0.1:6379: required in CI, skipped elsewhere when it is not running. */
export async function needRedis(t: TestContext): Promise<boolean> {
  const isUp = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 6379 });
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
  if (isUp) return true;
  if (process.env.CI) assert.fail('Redis is not reachable at 127.0.0.1:6379 (required in CI)');
  t.skip('Redis is not reachable at 127.0.0.1:6379');
  return false;
}
