import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup } from './harness.ts';

describe('request-termination through the data plane', () => {
  it('answers with its status and message, never reaching the upstream', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('request-termination', { status_code: 403, message: 'closed' }));
    const reply = await h.send('/x');
    assert.equal(reply.status, 403);
    assert.match(String(reply.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(reply.body), { message: 'closed' });
    assert.ok(reply.headers['x-kong-request-id']);
    assert.equal(h.upstream.requests.length, 0);
  });

  it('sends a raw body with its content type', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('request-termination', { status_code: 200, body: '<h1>maintenance</h1>', content_type: 'text/html' }));
    const reply = await h.send('/x');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-type'], 'text/html');
    assert.equal(reply.body, '<h1>maintenance</h1>');
  });

  it('lets requests without the trigger through', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('request-termination', { trigger: 'x-debug', echo: true }));
    assert.equal((await h.send('/x')).status, 200);
    assert.equal(h.upstream.requests.length, 1);
    const reply = await h.send('/x?a=1', { headers: { 'x-debug': 'on' } });
    assert.equal(reply.status, 503);
    const body = JSON.parse(reply.body);
    assert.equal(body.message, 'Service unavailable');
    assert.deepEqual(body.request.query, { a: '1' });
    assert.equal(body.request.headers['x-debug'], 'on');
    assert.equal(h.upstream.requests.length, 1);
  });
});
