import { connect } from 'node:net';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** Whether something accepts TCP connections at host:port within a second. */
function isReachable(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * Redis at 127.0.0.1:6379: required in CI (the test fails), skipped with a message elsewhere when it
 * is not running. Resolves whether the test may go on.
 * @example if (!(await redisOrSkip(t))) return;
 */
export async function redisOrSkip(t: TestContext): Promise<boolean> {
  if (await isReachable('127.0.0.1', 6379)) return true;
  if (process.env.CI) assert.fail('Redis is not reachable at 127.0.0.1:6379 (required in CI)');
  t.skip('Redis is not reachable at 127.0.0.1:6379');
  return false;
}
