import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup } from './harness.ts';

// WebSocket upgrades proxied on http routes, as Kong 3.x does: a real `ws` server upstream; the
// route's plugins run before the upgrade (a key-auth route refuses a client without a key).

async function startWsUpstream(t: TestContext) {
  const server = createServer((_req, res) => res.end('plain http'));
  const wss = new WebSocketServer({ server });
  const seen: Array<{ url: string; headers: Record<string, unknown> }> = [];
  wss.on('connection', (socket, req) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    socket.on('message', (data, isBinary) => socket.send(isBinary ? data : `echo:${String(data)}`, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function connect(port: number, path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; upgradeHeaders: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host: HOST, ...headers } });
    ws.once('upgrade', (res) => ws.once('open', () => resolve({ ws, upgradeHeaders: res.headers })));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

const next = (ws: WebSocket): Promise<{ data: string; isBinary: boolean }> => new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: String(data), isBinary })));

describe('WebSocket upgrades', () => {
  it('proxies a WebSocket to a ws upstream on an http route, both ways, with the path built as for HTTP', async (t) => {
    const upstream = await startWsUpstream(t);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: `${upstream.url}/base` }).route({ paths: ['/chat'] }));
    const { ws, upgradeHeaders } = await connect(h.port, '/chat/room?x=1');
    t.after(() => ws.terminate());
    assert.match(String(upgradeHeaders['x-kong-request-id']), /^[0-9a-f]{32}$/);
    assert.match(String(upgradeHeaders['via']), /gatehouse\/9\.9\.9/);
    for (const text of ['hello', 'world']) {
      const reply = next(ws);
      ws.send(text);
      assert.deepEqual(await reply, { data: `echo:${text}`, isBinary: false });
    }
    const binary = next(ws);
    ws.send(Buffer.from([1, 2, 3]));
    assert.equal((await binary).isBinary, true);
    assert.equal(upstream.seen[0].url, '/base/room?x=1');
    assert.equal(upstream.seen[0].headers['x-forwarded-for'], '127.0.0.1');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(1000);
    assert.equal(await closed, 1000);
  });

  it('runs the route\'s plugins first: 401 without a key, the upgrade with one', async (t) => {
    const upstream = await startWsUpstream(t);
    const h = await setup(t, () =>
      snapshot({ hostnames: [HOST] })
        .service({ url: upstream.url })
        .route({ paths: ['/'] })
        .plugin('key-auth', {})
        .consumer({ username: 'ann' })
        .credential('keyAuth', { key: 'k1' }),
    );
    await assert.rejects(connect(h.port, '/'), { status: 401 });
    assert.equal(upstream.seen.length, 0);
    const { ws } = await connect(h.port, '/', { apikey: 'k1' });
    t.after(() => ws.terminate());
    const reply = next(ws);
    ws.send('hi');
    assert.equal((await reply).data, 'echo:hi');
  });

  it('passes an upstream\'s refusal to switch through, and answers 502 when the upstream is down', async (t) => {
    const plain = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('no websockets here');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => plain.close(() => resolve())));
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/refusing'] }).service({ url: 'http://127.0.0.1:1', retries: 0 }).route({ paths: ['/down'] }));
    await assert.rejects(connect(h.port, '/refusing'), { status: 403 });
    await assert.rejects(connect(h.port, '/down'), { status: 502 });
    assert.equal((await h.send('/refusing')).status, 403);
  });
});
