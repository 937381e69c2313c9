import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redisOrSkip } from '@gatehouse/test-kit';
import { pino } from 'pino';
import { createLocalCounterStore, createRedisCounterStore, type CounterStore } from './counter-store.ts';
import { createIpcCounterStore, createLimitsPrimary, type IpcChannel } from './ipc-store.ts';
import { createPlatformLimiter } from './limiter.ts';
import { rateLimitFromEnv } from './config.ts';

const quiet = pino({ enabled: false });
// Long windows: a test's requests all fall in one window however slow the machine is.
const WINDOW_MS = 60 * 60 * 1000;

/** A shared store answering asynchronously, as IPC and Redis do. */
function asyncStore(backing: CounterStore = createLocalCounterStore()): CounterStore {
  return {
    kind: 'ipc',
    take: (...args) => new Promise((resolve) => setImmediate(() => resolve(backing.take(...args) as number))),
    close: () => backing.close(),
  };
}

/** Two ends of an IPC channel, as a worker's `process` and the primary's `worker` see them. */
function channelPair(): [worker: IpcChannel, primary: IpcChannel] {
  const toWorker = new EventEmitter();
  const toPrimary = new EventEmitter();
  const worker = { send: (m: unknown) => toPrimary.emit('message', structuredClone(m)), on: toWorker.on.bind(toWorker), off: toWorker.off.bind(toWorker) };
  const primary = { send: (m: unknown) => toWorker.emit('message', structuredClone(m)), on: toPrimary.on.bind(toPrimary), off: toPrimary.off.bind(toPrimary) };
  return [worker, primary];
}

const admitAll = (results: Array<boolean | Promise<boolean>>): Promise<boolean[]> => Promise.all(results.map((r) => Promise.resolve(r)));
const count = (verdicts: boolean[]): number => verdicts.filter(Boolean).length;

describe('platform limiter', () => {
  it('local: admits the limit synchronously, then refuses; another gateway is unaffected', () => {
    const limiter = createPlatformLimiter({ limit: 5, windowMs: WINDOW_MS }, quiet);
    const verdicts = Array.from({ length: 8 }, () => limiter.admit('a'));
    assert.deepEqual(verdicts, [true, true, true, true, true, false, false, false]);
    assert.equal(limiter.admit('b'), true);
  });

  it('shared stores: concurrent requests of two processes never pass the limit together', async () => {
    const backing = createLocalCounterStore();
    const one = createPlatformLimiter({ limit: 10, windowMs: WINDOW_MS, store: asyncStore(backing) }, quiet);
    const two = createPlatformLimiter({ limit: 10, windowMs: WINDOW_MS, store: asyncStore(backing) }, quiet);
    const verdicts = await admitAll(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? one : two).admit('a')));
    assert.equal(count(verdicts), 10);
    // Used up: refused at once, without asking the store.
    assert.equal(one.admit('a'), false);
    assert.equal(await one.admit('b'), true);
  });

  it('fails open and logs once when the store is unreachable', async () => {
    const lines: unknown[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const broken: CounterStore = { kind: 'redis', take: () => Promise.reject(new Error('down')), close: () => Promise.resolve() };
    const limiter = createPlatformLimiter({ limit: 1, windowMs: WINDOW_MS, store: broken }, logger);
    assert.deepEqual(await admitAll([limiter.admit('a'), limiter.admit('a'), limiter.admit('a')]), [true, true, true]);
    assert.equal(await limiter.admit('a'), true);
    assert.equal(lines.filter((l) => (l as { msg: string }).msg.includes('fail open')).length, 1);
  });

  it('ipc: workers count through the primary', async (t) => {
    const primary = createLimitsPrimary();
    const stores = [channelPair(), channelPair()].map(([worker, end]) => {
      const detach = primary.attach(end);
      t.after(detach);
      return createIpcCounterStore(worker);
    });
    const limiters = stores.map((store) => createPlatformLimiter({ limit: 20, windowMs: WINDOW_MS, store }, quiet));
    t.after(() => Promise.all(limiters.map((l) => l.close())));
    const verdicts = await admitAll(Array.from({ length: 60 }, (_, i) => limiters[i % 2]!.admit('gw')));
    assert.equal(count(verdicts), 20);
    assert.equal(await limiters[0]!.admit('other'), true);
  });

  it('ipc: a primary that does not answer fails open after the timeout', async () => {
    const [worker] = channelPair();
    const limiter = createPlatformLimiter({ limit: 1, windowMs: WINDOW_MS, store: createIpcCounterStore(worker, 50) }, quiet);
    assert.equal(await limiter.admit('a'), true);
    await limiter.close();
  });

  it('redis: two stores share the window and never grant past the limit', async (t) => {
    if (!(await redisOrSkip(t))) return;
    const url = 'redis://127.0.0.1:6379';
    const prefix = `gatehouse:test:${process.pid}:${Date.now()}:`;
    const stores = [createRedisCounterStore({ url, prefix, windowMs: WINDOW_MS }), createRedisCounterStore({ url, prefix, windowMs: WINDOW_MS })];
    const limiters = stores.map((store) => createPlatformLimiter({ limit: 15, windowMs: WINDOW_MS, store }, quiet));
    t.after(() => Promise.all(limiters.map((l) => l.close())));
    const verdicts = await admitAll(Array.from({ length: 40 }, (_, i) => limiters[i % 2]!.admit('gw')));
    assert.equal(count(verdicts), 15);
  });
});

describe('rateLimitFromEnv', () => {
  it('defaults to 100 per second, takes GATEHOUSE_RATE_LIMIT_RPS, 0 turns it off, refuses garbage', () => {
    assert.deepEqual(rateLimitFromEnv({}), { limit: 100, windowMs: 1000, store: undefined });
    assert.equal(rateLimitFromEnv({ GATEHOUSE_RATE_LIMIT_RPS: '250' })?.limit, 250);
    assert.equal(rateLimitFromEnv({ GATEHOUSE_RATE_LIMIT_RPS: '0' }), undefined);
    assert.throws(() => rateLimitFromEnv({ GATEHOUSE_RATE_LIMIT_RPS: 'fast' }), /GATEHOUSE_RATE_LIMIT_RPS/);
  });
});

