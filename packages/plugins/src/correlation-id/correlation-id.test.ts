import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import handler from './handler.ts';

describe('correlation-id schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('correlation-id', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false });
  });

  it('rejects an unknown generator', () => {
    const r = validatePluginConfig('correlation-id', { generator: 'ulid' });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [['generator', 'enum']]);
  });
});

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('correlation-id handler', () => {
  it('generates uuid#counter ids that count up', async () => {
    const a = String((await runPlugin(handler, {})).ctx.headers['kong-request-id']);
    const b = String((await runPlugin(handler, {})).ctx.headers['kong-request-id']);
    assert.match(a, new RegExp(`^${UUID}#\\d+$`));
    assert.equal(a.split('#')[0], b.split('#')[0]);
    assert.equal(Number(b.split('#')[1]), Number(a.split('#')[1]) + 1);
  });

  it('generates uuids and tracker ids', async () => {
    assert.match(String((await runPlugin(handler, { generator: 'uuid', header_name: 'X-Id' })).ctx.headers['x-id']), new RegExp(`^${UUID}$`));
    assert.match(String((await runPlugin(handler, { generator: 'tracker' })).ctx.headers['kong-request-id']), /^example\.test-\d+-\d+-\d+\.\d{3}$/);
  });

  it('keeps an id the client sent, and replaces an empty one', async () => {
    assert.equal((await runPlugin(handler, {}, { headers: { 'kong-request-id': 'mine' } })).ctx.headers['kong-request-id'], 'mine');
    assert.notEqual((await runPlugin(handler, {}, { headers: { 'kong-request-id': '' } })).ctx.headers['kong-request-id'], '');
  });

  it('echoes the id downstream only when configured', async () => {
    const echoed = await runPlugin(handler, { echo_downstream: true }, { headers: { 'kong-request-id': 'abc' }, response: { status: 200 } });
    assert.equal(echoed.ctx.responseHeaders!['kong-request-id'], 'abc');
    const silent = await runPlugin(handler, {}, { headers: { 'kong-request-id': 'abc' }, response: { status: 200 } });
    assert.equal(silent.ctx.responseHeaders!['kong-request-id'], undefined);
  });
});
