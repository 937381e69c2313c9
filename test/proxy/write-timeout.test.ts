import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, send, setup, type SendOptions } from './harness.ts';

// Kong's write_timeout (nginx's proxy_send_timeout): an upstream that stops taking the request body
// for that long fails the request with 504; one that takes it answers as usual; and a stalled
// upstream of one gateway does not hold up another gateway.

const BODY_BYTES = 8 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

async function* bigBody(): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < BODY_BYTES; sent += CHUNK.length) yield CHUNK;
}

/** The two framings: chunked (the gateway streams a generator) and Content-Length (it streams the request). */
const FRAMINGS: Array<[string, SendOptions]> = [
  ['chunked', { method: 'POST', body: bigBody, headers: { accept: 'text/plain' } }],
  ['content-length', { method: 'POST', body: bigBody, headers: { accept: 'text/plain', 'content-length': BODY_BYTES } }],
];

/** An upstream (node:net) that reads a request's headers, then stops reading, so the kernel's buffers fill. */
async function startStalledUpstream(t: TestContext): Promise<{ url: string; stalled: () => number; release: () => void }> {
  const sockets: Socket[] = [];
  let stalled = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    let head = '';
    socket.setEncoding('latin1');
    const onData = (d: string): void => {
      head += d;
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      stalled++;
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const release = (): void => {
    for (const s of sockets) s.destroy();
  };
  t.after(() => {
    release();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stalled: () => stalled, release };
}

describe('write_timeout', () => {
  for (const [framing, opts] of FRAMINGS) {
    it(`answers 504 when the upstream stops taking a ${framing} body`, { timeout: 30_000 }, async (t) => {
      const stalled = await startStalledUpstream(t);
      const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: stalled.url, write_timeout: 300, read_timeout: 60_000, retries: 0 }).route({ paths: ['/'], request_buffering: false }));
      const r = await h.send('/', opts);
      assert.equal(r.status, 504);
      assert.equal(r.body, `The upstream server is timing out\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
      assert.equal(r.headers.connection, 'close');
      assert.equal(stalled.stalled(), 1);
    });

    it(`sends a ${framing} body to an upstream that takes it`, { timeout: 30_000 }, async (t) => {
      const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url, write_timeout: 300 }).route({ paths: ['/'], request_buffering: false }));
      const r = await h.send('/', opts);
      assert.equal(r.status, 200);
      assert.equal(h.upstream.requests[0]?.bodyBytes, BODY_BYTES);
    });
  }

  it('keeps answering for another gateway while an upstream is not taking a body', { timeout: 30_000 }, async (t) => {
    const stalled = await startStalledUpstream(t);
    const h = await setup(t, (url) => snapshot({ hostnames: ['fast.test'] }).service({ url }).route({ paths: ['/'] }));
    h.dp.applySnapshot(snapshot({ hostnames: [HOST] }).service({ url: stalled.url, write_timeout: 60_000, read_timeout: 60_000 }).route({ paths: ['/'], request_buffering: false }).build());
    const stuck = h.send('/', FRAMINGS[0]![1]).catch(() => null);
    for (let i = 0; i < 500 && stalled.stalled() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(stalled.stalled(), 1);
    for (let i = 0; i < 5; i++) {
      const r = await send(h.port, 'fast.test', '/', { method: 'POST', body: 'ok' });
      assert.equal(r.status, 200);
      assert.equal(h.upstream.requests[i]?.body, 'ok');
    }
    stalled.release(); // The stalled exchange ends with 502.
    assert.equal((await stuck)?.status, 502);
  });
});
