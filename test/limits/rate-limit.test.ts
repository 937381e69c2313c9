import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { redisOrSkip, startUpstream, snapshot } from '@gatehouse/test-kit';
import { createLimitsPrimary } from '@gatehouse/data-plane/limits/index.ts';

// Issue 7: the platform rate limit holds across two data-plane processes, counted through the
// primary (IPC) or through Redis, and a second gateway is unaffected. The window is longer than 1 s
// (the same code, windowMs is a parameter) so that a bounded burst fits in one window on a busy
// machine; the burst starts early in a window.

const LIMIT = 100;
const WINDOW_MS = 4000;
const BURST = 200;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(agent: Agent, port: number, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/limited', agent, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function startWorkers(t: TestContext, store: 'ipc' | 'redis'): Promise<{ workers: ChildProcess[]; ports: number[] }> {
  const primary = createLimitsPrimary();
  const workers: ChildProcess[] = [];
  const ports: number[] = [];
  // One key prefix for both workers (they share the count), new for each run.
  const prefix = `gatehouse:test:${process.pid}:${Date.now()}:`;
  for (let i = 0; i < 2; i++) {
    const child = fork(new URL('./worker-fixture.ts', import.meta.url), [], {
      env: { ...process.env, LIMITS_STORE: store, LIMITS_LIMIT: String(LIMIT), LIMITS_WINDOW_MS: String(WINDOW_MS), LIMITS_PREFIX: prefix, REDIS_URL: 'redis://127.0.0.1:6379' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    t.after(() => {
      if (child.connected) child.disconnect();
    });
    if (store === 'ipc') primary.attach(child);
    const [message] = (await once(child, 'message')) as [{ port: number }];
    workers.push(child);
    ports.push(message.port);
  }
  return { workers, ports };
}

async function apply(workers: ChildProcess[], snap: unknown): Promise<void> {
  await Promise.all(
    workers.map(async (w) => {
      const applied = once(w, 'message');
      w.send({ type: 'apply', snapshot: snap });
      await applied;
    }),
  );
}

for (const store of ['ipc', 'redis'] as const) {
  describe(`platform rate limit across two workers (${store})`, () => {
    it('admits the limit within 10% in a burst, answers 429 with Kong\'s body and RateLimit headers, and leaves a second gateway alone', async (t) => {
      if (store === 'redis' && !(await redisOrSkip(t))) return;
      const upstream = await startUpstream();
      t.after(() => upstream.close());
      const { workers, ports } = await startWorkers(t, store);
      const a = snapshot({ hostnames: ['a.limits.test'] }).service({ url: upstream.url }).route({ paths: ['/'] }).build();
      const b = snapshot({ hostnames: ['b.limits.test'] }).service({ url: upstream.url }).route({ paths: ['/'] }).build();
      await apply(workers, a);
      await apply(workers, b);
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      t.after(() => agent.destroy());

      // Start early in a window, so the bounded burst stays inside it.
      while (Date.now() % WINDOW_MS > WINDOW_MS / 4) await new Promise((r) => setTimeout(r, 20));
      const window = Math.floor(Date.now() / WINDOW_MS);
      const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => get(agent, ports[i % 2]!, 'a.limits.test')));
      assert.equal(Math.floor(Date.now() / WINDOW_MS), window, 'the burst must fit in one window');
      const admitted = answers.filter((r) => r.status === 200);
      const refused = answers.filter((r) => r.status === 429);
      assert.equal(admitted.length + refused.length, BURST);
      assert.ok(admitted.length <= LIMIT && admitted.length >= LIMIT * 0.9, `admitted ${admitted.length} of a limit of ${LIMIT}`);
      // Both workers served part of the window: the count is shared.
      const perWorker = [0, 1].map((w) => answers.filter((r, i) => i % 2 === w && r.status === 200).length);
      assert.ok(perWorker.every((n) => n > 0 && n < LIMIT), `per worker ${perWorker.join('/')}`);

      const r = refused[0]!;
      assert.equal(JSON.parse(r.body).message, 'API rate limit exceeded');
      assert.match(JSON.parse(r.body).request_id, /\w+/);
      assert.equal(r.headers['ratelimit-limit'], String(LIMIT));
      assert.equal(r.headers['ratelimit-remaining'], '0');
      assert.ok(Number(r.headers['ratelimit-reset']) >= 1);
      assert.equal(r.headers['retry-after'], r.headers['ratelimit-reset']);

      // The other gateway is not limited by the first one's window.
      for (const port of ports) assert.equal((await get(agent, port, 'b.limits.test')).status, 200);
    });
  });
}
