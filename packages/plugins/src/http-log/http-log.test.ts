import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validatePluginConfig } from '../schemas.ts';
import { PluginContext, type LogFacts } from '../kit.ts';
import handler, { logTarget, postJson } from './handler.ts';
import { LogQueue, QUEUE_CHANNEL, type QueueConfig, type QueueEvent } from './queue.ts';
import { serializeLog } from './serializer.ts';
import { applyCustomFields, parseCustomFields } from './custom-fields.ts';

describe('http-log schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('http-log', { http_endpoint: 'http://127.0.0.1:9/logs' });
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      http_endpoint: 'http://127.0.0.1:9/logs',
      method: 'POST',
      content_type: 'application/json',
      timeout: 10000,
      keepalive: 60000,
      ssl_verify: true,
      queue: { max_batch_size: 1, max_coalescing_delay: 1, max_entries: 10000, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1 },
    });
  });

  const rejects: Array<[string, unknown, string, string]> = [
    ['no endpoint', {}, 'http_endpoint', 'required'],
    ['a non-http endpoint', { http_endpoint: 'ftp://x/y' }, 'http_endpoint', 'invalid'],
    ['an unknown method', { http_endpoint: 'http://x', method: 'GET' }, 'method', 'enum'],
    ['a Content-Type header', { http_endpoint: 'http://x', headers: { 'Content-Type': 'text/plain' } }, 'headers.Content-Type', 'invalid'],
    ['Lua code', { http_endpoint: 'http://x', custom_fields_by_lua: { a: 'return kong.request.get_header("x")' } }, 'custom_fields_by_lua.a', 'invalid'],
    ['a client certificate', { http_endpoint: 'https://x', client_certificate: { id: 'c' } }, 'client_certificate', 'invalid'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('http-log', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [[field, rule]]);
    });
  }
});

describe('custom_fields_by_lua subset', () => {
  it('compiles literals and nil, and sets dotted paths', () => {
    const { fields, errors } = parseCustomFields({ 'route.env': 'return "prod"', n: 'return 42', b: 'return true', s: "return 'a\\'b'", 'request.headers': 'return nil' });
    assert.deepEqual(errors, []);
    const entry: Record<string, unknown> = { request: { headers: { a: '1' }, id: 'x' }, route: { id: 'r' } };
    applyCustomFields(entry, fields);
    assert.deepEqual(entry, { request: { id: 'x' }, route: { id: 'r', env: 'prod' }, n: 42, b: true, s: "a'b" });
  });
});

const QUEUE: QueueConfig = { max_batch_size: 2, max_coalescing_delay: 0.01, max_entries: 3, max_retry_time: 60, initial_retry_delay: 0.001, max_retry_delay: 0.01, concurrency_limit: 1 };

describe('LogQueue', () => {
  it('sends full batches at once and partial ones after the coalescing delay', async () => {
    const batches: number[][] = [];
    const q = new LogQueue<number>('t1', { ...QUEUE, max_coalescing_delay: 3600 }, async (b) => void batches.push(b));
    q.add(1);
    q.add(2);
    q.add(3);
    await q.flush();
    assert.deepEqual(batches, [[1, 2], [3]]);
  });

  it('retries a failing batch, then gives up after max_retry_time', async (t) => {
    const events: QueueEvent[] = [];
    const onEvent = (e: unknown) => events.push(e as QueueEvent);
    QUEUE_CHANNEL.subscribe(onEvent);
    t.after(() => QUEUE_CHANNEL.unsubscribe(onEvent));
    let calls = 0;
    const q = new LogQueue<number>('t2', { ...QUEUE, max_batch_size: 1 }, async () => {
      if (++calls < 3) throw new Error('down');
    });
    q.add(1);
    await q.flush();
    assert.equal(calls, 3);
    assert.deepEqual(events.filter((e) => e.queue === 't2').map((e) => e.event), ['retry', 'retry']);
    const failing = new LogQueue<number>('t3', { ...QUEUE, max_batch_size: 1, max_retry_time: 0.005 }, async () => {
      throw new Error('down');
    });
    failing.add(1);
    await failing.flush();
    assert.equal(events.filter((e) => e.queue === 't3').at(-1)?.event, 'failed');
  });

  it('drops the oldest entry when full', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new LogQueue<number>('t4', { ...QUEUE, max_batch_size: 1 }, async (b) => {
      await gate;
      batches.push(b);
    });
    for (let i = 1; i <= 5; i++) q.add(i); // 1 is in flight; 2..5 wait in a queue of 3.
    release();
    await q.flush();
    assert.deepEqual(batches, [[1], [3], [4], [5]]);
  });
});

const FACTS: LogFacts = {
  startedAt: 1700000000000,
  kongLatencyMs: 2,
  upstreamLatencyMs: 5,
  requestLatencyMs: 9,
  source: 'upstream',
  upstreamUri: '/up?a=1',
  tries: 1,
  route: null,
  service: null,
  requestSize: 80,
  requestUri: '/x?a=1&b',
  serverPort: 8000,
  workspace: 'gw-1',
};

function finished(facts: LogFacts = FACTS): PluginContext {
  const ctx = new PluginContext({ requestId: 'rid', clientIp: '10.0.0.1', scheme: 'http', host: 'a.test', method: 'GET', rawPath: '/x', path: '/up', query: 'a=1', headers: { authorization: 'Basic x', 'x-a': '1' } });
  ctx.status = 201;
  ctx.responseHeaders = { 'content-type': 'text/plain' };
  ctx.responseSize = 12;
  ctx.logFacts = facts;
  return ctx;
}

describe('http-log serializer', () => {
  it("builds Kong's entry and redacts credentials", () => {
    // JSON, as the log server receives it (querystring is a null-prototype object).
    const entry = JSON.parse(JSON.stringify(serializeLog(finished())));
    assert.deepEqual(entry, {
      request: { id: 'rid', uri: '/x?a=1&b', url: 'http://a.test:8000/x?a=1&b', querystring: { a: '1', b: true }, method: 'GET', headers: { authorization: 'REDACTED', 'x-a': '1' }, size: 80 },
      upstream_uri: '/up?a=1',
      upstream_status: '201',
      response: { status: 201, headers: { 'content-type': 'text/plain' }, size: 12 },
      tries: [],
      latencies: { kong: 2, proxy: 5, request: 9, receive: 0 },
      client_ip: '10.0.0.1',
      started_at: 1700000000000,
      source: 'upstream',
      workspace: 'gw-1',
      workspace_name: 'default',
    });
  });
});

async function sink(t: TestContext, status: () => number): Promise<{ url: string; received: Array<{ req: IncomingMessage; body: string }> }> {
  const received: Array<{ req: IncomingMessage; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ req, body });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://user:p%40ss@127.0.0.1:${(server.address() as AddressInfo).port}/logs`, received };
}

describe('http-log handler', () => {
  it('posts entries with Basic auth from the URL and the configured headers', async (t) => {
    const s = await sink(t, () => 200);
    const r = validatePluginConfig('http-log', { http_endpoint: s.url, method: 'PUT', headers: { 'x-token': 't' }, custom_fields_by_lua: { env: 'return "test"' } });
    assert.ok(r.ok);
    const state = handler.compile!(r.value as never, { gatewayId: 'g', instance: { id: 'unit-1', routeId: null, serviceId: null } });
    handler.log!(finished(), state);
    await state.queue.flush();
    assert.equal(s.received.length, 1);
    const { req, body } = s.received[0];
    assert.equal(req.method, 'PUT');
    assert.equal(req.url, '/logs');
    assert.equal(req.headers.authorization, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    assert.equal(req.headers['x-token'], 't');
    assert.equal(req.headers['content-type'], 'application/json');
    const entry = JSON.parse(body);
    assert.equal(entry.request.id, 'rid');
    assert.equal(entry.env, 'test');
  });

  it('rejects on a non-2xx answer', async (t) => {
    const s = await sink(t, () => 500);
    await assert.rejects(postJson(logTarget(s.url, 'POST', {}, 1000, 1000, true), '{}'), /status code 500/);
  });
});
