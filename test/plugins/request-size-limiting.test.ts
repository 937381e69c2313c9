import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup, type Reply } from './harness.ts';

/** A chunked POST (no Content-Length). */
function sendChunked(port: number, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/x', method: 'POST', agent: false, headers: { host: HOST, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 2));
    req.end(body.slice(2));
  });
}

describe('request-size-limiting through the data plane', () => {
  it('refuses a body over the limit with 413 and passes one under it', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('request-size-limiting', { allowed_payload_size: 1, size_unit: 'kilobytes' }));
    const over = await h.send('/x', { method: 'POST', body: 'a'.repeat(1025) });
    assert.equal(over.status, 413);
    assert.equal(JSON.parse(over.body).message, 'Request size limit exceeded');
    const under = await h.send('/x', { method: 'POST', body: 'a'.repeat(1024) });
    assert.equal(under.status, 200);
    assert.equal(h.upstream.requests.length, 1);
    assert.equal(h.upstream.requests[0].bodyBytes, 1024);
  });

  it('measures chunked bodies and forwards them whole', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('request-size-limiting', { allowed_payload_size: 4, size_unit: 'bytes' }));
    assert.equal((await sendChunked(h.port, 'abcde')).status, 413);
    assert.equal((await sendChunked(h.port, 'abcd')).status, 200);
    assert.equal(h.upstream.requests.at(-1)?.body, 'abcd');
  });

  it('answers 411 without Content-Length when required', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('request-size-limiting', { require_content_length: true }));
    const reply = await h.send('/x');
    assert.equal(reply.status, 411);
    assert.equal(JSON.parse(reply.body).message, 'A valid Content-Length header is required');
  });
});
