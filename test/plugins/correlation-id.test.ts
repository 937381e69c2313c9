import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { echoed, HOST, setup } from './harness.ts';

describe('correlation-id through the data plane', () => {
  it('sends a generated id upstream and echoes it downstream', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('correlation-id', { header_name: 'X-Correlation-ID', generator: 'uuid', echo_downstream: true }));
    const reply = await h.send('/x');
    assert.equal(reply.status, 200);
    const id = echoed(reply).headers['x-correlation-id'];
    assert.match(String(id), /^[0-9a-f-]{36}$/);
    assert.equal(reply.headers['x-correlation-id'], id);
  });

  it('keeps the client id and does not echo by default', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('correlation-id'));
    const reply = await h.send('/x', { headers: { 'kong-request-id': 'client-1' } });
    assert.equal(echoed(reply).headers['kong-request-id'], 'client-1');
    assert.equal(reply.headers['kong-request-id'], undefined);
  });
});
