import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, sendRaw, setup, type Harness } from './harness.ts';

// Malformed and hostile HTTP on raw sockets: each gets Kong's status and error body (nginx's error
// page rendered by Kong, `error_default_type` text/plain), the connection is closed, nothing reaches
// the upstream, and the data plane keeps serving.

const build = (url: string) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] });

async function assertStillServes(h: Harness): Promise<void> {
  const before = h.upstream.requests.length;
  const r = await h.send('/after');
  assert.equal(r.status, 200);
  assert.equal(h.upstream.requests.length, before + 1);
}

interface Case {
  name: string;
  chunks: string[];
  status: number;
  message: string;
}

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: proxy.test\r\n\r\n';
const CASES: Case[] = [
  { name: 'Content-Length with Transfer-Encoding (CL.TE smuggling)', chunks: [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`], status: 400, message: 'Bad request' },
  { name: 'Transfer-Encoding before Content-Length (TE.CL smuggling)', chunks: [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\nContent-Length: 48\r\n\r\n0\r\n\r\n${SMUGGLED}`], status: 400, message: 'Bad request' },
  { name: 'an obfuscated Transfer-Encoding', chunks: [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`], status: 400, message: 'Bad request' },
  { name: 'duplicate Content-Length', chunks: [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`], status: 400, message: 'Bad request' },
  { name: 'duplicate equal Content-Length', chunks: [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello`], status: 400, message: 'Bad request' },
  { name: 'a space in a header name', chunks: [`GET / HTTP/1.1\r\nHost: ${HOST}\r\nBad Header: x\r\n\r\n`], status: 400, message: 'Bad request' },
  { name: 'a control character in a header value', chunks: [`GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-A: a\x01b\r\n\r\n`], status: 400, message: 'Bad request' },
  { name: 'a garbage request line', chunks: ['HELLO WORLD\r\n\r\n'], status: 400, message: 'Bad request' },
  { name: 'an HTTP/0.9 request', chunks: ['GET /\r\n\r\n'], status: 400, message: 'Bad request' },
  { name: 'HTTP/1.1 without Host', chunks: ['GET / HTTP/1.1\r\n\r\n'], status: 400, message: 'Bad request' },
  { name: 'headers over 32 KiB', chunks: [`GET / HTTP/1.1\r\nHost: ${HOST}\r\nCookie: ${'a'.repeat(33 * 1024)}\r\n\r\n`], status: 400, message: 'Request header or cookie too large' },
  { name: 'a request target over 8 KiB', chunks: [`GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`], status: 414, message: 'URI too long' },
];

describe('malformed and hostile requests', () => {
  for (const c of CASES) {
    it(`answers ${c.status} to ${c.name}, closes the connection and keeps serving`, { timeout: 20_000 }, async (t) => {
      const h = await setup(t, build);
      const r = await sendRaw(h.port, c.chunks);
      assert.equal(r.status, c.status, r.text.slice(0, 200));
      assert.equal(r.headers['connection'], 'close');
      assert.equal(r.headers['server'], 'gatehouse/9.9.9');
      assert.match(r.headers['content-type'], /^text\/plain; charset=utf-8$/);
      assert.equal(r.body, `${c.message}\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
      // One answer only: a smuggled second request is never read, let alone forwarded.
      assert.equal(r.text.split('HTTP/1.1 ').length - 1, 1);
      assert.equal(h.upstream.requests.length, 0);
      await assertStillServes(h);
    });
  }

  it('accepts 20 KiB of headers (the limit is 32 KiB, as nginx\'s 4 x 8k buffers)', async (t) => {
    // The echo upstream has node's 16 KiB limit: this one takes more.
    const upstream = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => res.end(String(req.headers.cookie?.length)));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const h = await setup(t, () => build(url));
    const r = await h.send('/', { headers: { cookie: 'a'.repeat(20 * 1024) } });
    assert.equal(r.status, 200);
    assert.equal(r.body, String(20 * 1024));
  });

  it('answers 400 to a bad chunk size after the request went upstream, and the upstream never gets the body', { timeout: 20_000 }, async (t) => {
    const h = await setup(t, build);
    const r = await sendRaw(h.port, [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n`, '5\r\nhello\r\n', 'zz\r\nworld\r\n0\r\n\r\n'], 20);
    assert.equal(r.status, 400, r.text.slice(0, 200));
    assert.equal(r.headers['connection'], 'close');
    assert.equal(h.upstream.requests.length, 0);
    await assertStillServes(h);
  });

  it('answers 408 to a client that trickles its headers past client_header_timeout', { timeout: 20_000 }, async (t) => {
    const h = await setup(t, build, { clientHeaderTimeoutMs: 300 });
    const chunks = ['GET / HTTP/1.1\r\n', `Host: ${HOST}\r\n`, ...Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: 1\r\n`), '\r\n'];
    const r = await sendRaw(h.port, chunks, 50);
    assert.equal(r.status, 408, r.text.slice(0, 200));
    assert.equal(r.body, `Request timeout\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
    assert.equal(h.upstream.requests.length, 0);
    await assertStillServes(h);
  });

  it('answers 408 to a client that stops sending its body past client_body_timeout, and the upstream request is abandoned', { timeout: 20_000 }, async (t) => {
    const h = await setup(t, build, { clientBodyTimeoutMs: 300 });
    // The body announces 100 bytes, sends 5, then nothing: the connection is held open by the client.
    const r = await sendRaw(h.port, [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 100\r\n\r\nhello`]);
    assert.equal(r.status, 408, r.text.slice(0, 200));
    assert.equal(r.headers['connection'], 'close');
    assert.equal(r.body, `Request timeout\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
    assert.equal(h.upstream.requests.length, 0);
    await assertStillServes(h);
  });

  it('keeps a body that arrives slowly but within client_body_timeout between chunks', { timeout: 20_000 }, async (t) => {
    const h = await setup(t, build, { clientBodyTimeoutMs: 2_000 });
    const parts = Array.from({ length: 5 }, () => 'ab');
    const r = await sendRaw(h.port, [`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 10\r\nConnection: close\r\n\r\n`, ...parts], 30);
    assert.equal(r.status, 200, r.text.slice(0, 200));
    assert.equal(h.upstream.requests[0].body, 'ababababab');
  });
});
