import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { snapshot } from '@gatehouse/test-kit';
import { createDataPlane } from '@gatehouse/data-plane';
import { HOST, send, setup } from './harness.ts';

// Kong's errors (reference §3.3-3.4): status, body negotiated from Accept with the request id, for
// the router (404), the upstream (502 refused or reset, 503, 504) and the platform limit (413); and a
// hanging upstream of one gateway does not hold up another gateway.

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const closeServer = (server: Server) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('Kong error bodies by Accept', () => {
  const CASES: Array<{ accept: string | undefined; type: string; body: (id: string) => string }> = [
    { accept: undefined, type: 'application/json', body: (id) => `{\n  "message":"no Route matched with those values",\n  "request_id":"${id}"\n}` },
    { accept: 'application/json', type: 'application/json', body: (id) => `{\n  "message":"no Route matched with those values",\n  "request_id":"${id}"\n}` },
    { accept: 'text/plain', type: 'text/plain', body: (id) => `no Route matched with those values\nrequest_id: ${id}\n` },
    { accept: 'text/html;q=0.5, application/xml;q=0.9', type: 'application/xml', body: (id) => `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>no Route matched with those values</message>\n  <requestid>${id}</requestid>\n</error>\n` },
    { accept: 'text/html', type: 'text/html', body: (id) => `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>no Route matched with those values.</p>\n    <p>request_id: ${id}</p>\n  </body>\n</html>\n` },
  ];
  for (const c of CASES) {
    it(`answers 404 in ${c.type} for Accept ${c.accept ?? '(none)'}`, async (t) => {
      const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/only'] }));
      const r = await h.send('/elsewhere', { headers: c.accept === undefined ? {} : { accept: c.accept } });
      assert.equal(r.status, 404);
      assert.equal(r.headers['content-type'], `${c.type}; charset=utf-8`);
      const id = String(r.headers['x-kong-request-id']);
      assert.equal(r.body, c.body(id));
      assert.equal(r.headers['server'], 'gatehouse/9.9.9');
      assert.match(String(r.headers['x-kong-response-latency']), /^\d+$/);
    });
  }
});

describe('upstream errors', () => {
  it('answers 502 when the upstream resets the connection', async (t) => {
    const server = createServer((req) => req.socket.destroy());
    const url = await listen(server);
    t.after(closeServer(server));
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url, retries: 0 }).route({ paths: ['/'] }));
    const r = await h.send('/', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 502);
    assert.deepEqual(JSON.parse(r.body), { message: 'An invalid response was received from the upstream server', request_id: r.headers['x-kong-request-id'] });
  });

  it('answers 502 in text/plain (error_default_type) when the upstream refuses and the client sent no Accept', async (t) => {
    const server = createServer();
    const url = await listen(server);
    await closeServer(server)();
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url, retries: 0 }).route({ paths: ['/'] }));
    const r = await h.send('/');
    assert.equal(r.status, 502);
    assert.equal(r.body, `An invalid response was received from the upstream server\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
  });

  it('answers 504 when the upstream sends no headers within read_timeout', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url, read_timeout: 200, retries: 0 }).route({ paths: ['/'] }));
    const r = await h.send('/', { headers: { 'x-echo-delay-ms': '3000', accept: 'text/plain' } });
    assert.equal(r.status, 504);
    assert.equal(r.body, `The upstream server is timing out\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
  });

  it('answers 503 for a route whose service is gone', async (t) => {
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).route({ paths: ['/'], service: null }));
    const r = await h.send('/', { headers: { accept: 'application/json' } });
    assert.equal(r.status, 503);
    assert.equal(JSON.parse(r.body).message, 'no Service found with those values');
  });

  it('answers 413 past the platform body limit, before the upstream is contacted', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }), { maxBodyBytes: 16 });
    const r = await h.send('/', { method: 'POST', body: 'x'.repeat(17), headers: { accept: 'application/json' } });
    assert.equal(r.status, 413);
    assert.equal(JSON.parse(r.body).message, 'Request size limit exceeded');
    assert.equal(h.upstream.requests.length, 0);
  });
});

describe('isolation', () => {
  it('keeps answering for one gateway while another gateway\'s upstream hangs', { timeout: 20_000 }, async (t) => {
    const held: Array<() => void> = [];
    const hanging = createServer((_req, res) => held.push(() => res.end()));
    const hangingUrl = await listen(hanging);
    t.after(() => {
      for (const release of held) release();
      return closeServer(hanging)();
    });
    const healthy = createServer((_req, res) => res.end('ok'));
    const healthyUrl = await listen(healthy);
    t.after(closeServer(healthy));
    const dp = createDataPlane({ port: 0 });
    const { port } = await dp.listen();
    t.after(() => dp.close());
    dp.applySnapshot(snapshot({ hostnames: ['slow.test'] }).service({ url: hangingUrl, read_timeout: 60_000 }).route({ paths: ['/'] }).build());
    dp.applySnapshot(snapshot({ hostnames: ['fast.test'] }).service({ url: healthyUrl }).route({ paths: ['/'] }).build());

    // Many requests held by the slow gateway's upstream, then the other gateway is asked.
    const stuck = Array.from({ length: 20 }, () => send(port, 'slow.test', '/').catch(() => null));
    while (held.length < 20) await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 5; i++) {
      const r = await send(port, 'fast.test', '/');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'ok');
    }
    for (const release of held) release();
    assert.ok((await Promise.all(stuck)).every((r) => r?.status === 200));
  });
});
