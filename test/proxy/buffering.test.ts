import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup } from './harness.ts';

// Route request_buffering and response_buffering (reference §1.7, nginx proxy_request_buffering and
// proxy_buffering). request_buffering (default true): the body is read whole before the upstream is
// asked and arrives with Content-Length; false: it streams as the client sends it.

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the client had finished sending when the upstream saw the connection. */
  wasClientDone: boolean;
}

/** A node:http upstream that records each request (and the client's state when it connected); `respond` answers. */
async function startUpstream(t: TestContext, respond: (res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = [];
  let connections = 0;
  let isClientDone = false;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push({ headers: req.headers, body, wasClientDone: isClientDone });
      respond(res);
    });
  });
  server.on('connection', () => {
    connections++;
    isClientDone = clientDone.value;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, connections: () => connections };
}

/** Set by the slow client just before it ends its body (read by the upstream at connection time). */
const clientDone = { value: false };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * POSTs a chunked body in two parts; between them waits until `isReady()` (bounded: 100 x 10 ms).
 * Resolves with the status and body of the answer.
 */
function sendSlowChunked(port: number, isReady: () => boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    clientDone.value = false;
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', method: 'POST', agent: false, headers: { host: HOST, 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.write('first-');
    (async () => {
      for (let i = 0; i < 100 && !isReady(); i++) await sleep(10);
      clientDone.value = true;
      req.end('second');
    })().catch(reject);
  });
}

const okResponse = (res: ServerResponse): void => {
  res.end('ok');
};

describe('request_buffering', () => {
  it('sends a chunked client body upstream with Content-Length on a default route', async (t) => {
    const up = await startUpstream(t, okResponse);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: up.url }).route({ paths: ['/'] }));
    const r = await h.send('/', { method: 'POST', body: async function* () { yield Buffer.from('hello '); yield Buffer.from('world'); } });
    assert.equal(r.status, 200);
    assert.equal(up.seen.length, 1);
    assert.equal(up.seen[0]!.body, 'hello world');
    assert.equal(up.seen[0]!.headers['content-length'], '11');
    assert.equal(up.seen[0]!.headers['transfer-encoding'], undefined);
  });

  it('streams a chunked client body upstream chunked with request_buffering false', async (t) => {
    const up = await startUpstream(t, okResponse);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: up.url }).route({ paths: ['/'], request_buffering: false }));
    const r = await h.send('/', { method: 'POST', body: async function* () { yield Buffer.from('hello '); yield Buffer.from('world'); } });
    assert.equal(r.status, 200);
    assert.equal(up.seen[0]!.body, 'hello world');
    assert.equal(up.seen[0]!.headers['transfer-encoding'], 'chunked');
    assert.equal(up.seen[0]!.headers['content-length'], undefined);
  });

  it('takes no upstream connection until a slow client has sent its whole body (default)', async (t) => {
    const up = await startUpstream(t, okResponse);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: up.url }).route({ paths: ['/'] }));
    // A streaming gateway would connect while the client waits: give it a second to do so.
    const r = await sendSlowChunked(h.port, () => up.connections() > 0);
    assert.equal(r.status, 200);
    assert.equal(up.connections(), 1);
    assert.equal(up.seen[0]!.wasClientDone, true);
    assert.equal(up.seen[0]!.body, 'first-second');
    assert.equal(up.seen[0]!.headers['content-length'], '12');
  });

  it('connects upstream while a slow client is still sending with request_buffering false', async (t) => {
    const up = await startUpstream(t, okResponse);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: up.url }).route({ paths: ['/'], request_buffering: false }));
    const r = await sendSlowChunked(h.port, () => up.connections() > 0);
    assert.equal(r.status, 200);
    assert.equal(up.seen[0]!.wasClientDone, false);
    assert.equal(up.seen[0]!.body, 'first-second');
  });

  it('answers 413 past the body limit on a buffered route without asking the upstream', async (t) => {
    const up = await startUpstream(t, okResponse);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: up.url }).route({ paths: ['/'] }), { maxBodyBytes: 1024 });
    const chunk = Buffer.alloc(512, 'x');
    const r = await h.send('/', { method: 'POST', headers: { accept: 'application/json' }, body: async function* () { for (let i = 0; i < 4; i++) yield chunk; } });
    assert.equal(r.status, 413);
    assert.equal(up.connections(), 0);
  });
});

describe('response_buffering', () => {
  for (const responseBuffering of [false, true]) {
    it(`gives the client the first upstream chunk before the upstream ends (response_buffering ${responseBuffering})`, async (t) => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const up = await startUpstream(t, (res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        // Bounded: a gateway that holds the chunk back still ends the exchange, and the test fails.
        const timer = setTimeout(release, 5_000);
        void released.then(() => {
          clearTimeout(timer);
          res.end('rest');
        });
      });
      const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: up.url }).route({ paths: ['/'], response_buffering: responseBuffering }));
      const r = await new Promise<{ first: string; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: h.port, path: '/', agent: false, headers: { host: HOST } }, (res) => {
          let body = '';
          let first: string | null = null;
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
            if (first === null) {
              first = body;
              release();
            }
          });
          res.on('end', () => resolve({ first: first ?? '', body }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(r.first, 'first;');
      assert.equal(r.body, 'first;rest');
    });
  }
});
