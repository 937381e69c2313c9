import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildConsumerIndex } from '../consumers.ts';
import { validatePluginConfig } from '../schemas.ts';
import { consumer, credentials, runAuth } from '../consumers.fixtures.ts';
import { authenticate } from '../consumers.ts';
import { PluginContext } from '../kit.ts';
import acl from './handler.ts';

const admin = consumer('admin');
const user = consumer('user');
const loner = consumer('loner');
const merged = [credentials(admin, { acls: ['admins', 'staff'] }), credentials(user, { acls: ['users'] })];
const consumers = buildConsumerIndex({
  consumers: [admin, user, loner],
  consumerGroups: [{ id: '00000000-0000-4000-8000-0000000000f1', name: 'gold', created_at: 1, updated_at: 1, tags: null, members: [loner.id] }],
  credentials: { keyAuth: [], basicAuth: [], jwt: [], hmacAuth: [], acls: merged.flatMap((m) => m.acls) },
});

function as(c: typeof admin | null, withCredential = true): PluginContext {
  const ctx = new PluginContext({ requestId: 'r', clientIp: '', scheme: 'http', host: 'h', method: 'GET', rawPath: '/', path: '/', query: null, headers: {} });
  if (c !== null) authenticate(ctx, c, withCredential ? { id: 'cred', consumerId: c.id, identifier: 'cred' } : null);
  return ctx;
}
const run = (config: object, c: typeof admin | null, withCredential = true) => runAuth(acl, config, consumers, { ctx: as(c, withCredential) });

describe('acl', () => {
  it('needs exactly one of allow and deny', () => {
    assert.equal(validatePluginConfig('acl', { allow: ['a'] }).ok, true);
    for (const config of [{}, { allow: ['a'], deny: ['b'] }]) {
      const r = validatePluginConfig('acl', config);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.errors[0].field, 'allow');
    }
  });

  it('has Kong priority 950', () => assert.equal(acl.priority, 950));

  it('allows a listed group and sends the groups upstream', async () => {
    const { response, ctx } = await run({ allow: ['staff'] }, admin);
    assert.equal(response, null);
    assert.equal(ctx.headers['x-consumer-groups'], 'admins, staff');
    assert.equal((await run({ allow: ['staff'], hide_groups_header: true }, admin)).ctx.headers['x-consumer-groups'], undefined);
  });

  it('blocks unlisted and denied groups with 403', async () => {
    for (const [config, who] of [[{ allow: ['admins'] }, user], [{ deny: ['users'] }, user]] as const) {
      const { response } = await run(config, who);
      assert.deepEqual([response?.status, response?.body], [403, 'You cannot consume this service']);
    }
    assert.equal((await run({ deny: ['users'] }, admin)).response, null);
  });

  it('treats a consumer without groups by list kind and credential', async () => {
    assert.equal((await run({ allow: ['x'] }, loner)).response?.status, 403);
    assert.equal((await run({ allow: ['x'] }, loner, false)).response?.status, 401);
    const deny = await run({ deny: ['x'] }, loner);
    assert.equal(deny.response, null);
    assert.equal(deny.ctx.headers['x-consumer-groups'], '');
  });

  it('answers 401 without a consumer', async () => {
    const { response } = await run({ allow: ['x'] }, null);
    assert.deepEqual([response?.status, response?.body], [401, null]);
  });

  it('matches consumer-group names with include_consumer_groups', async () => {
    assert.equal((await run({ allow: ['gold'], include_consumer_groups: true }, loner)).response, null);
    assert.equal((await run({ allow: ['gold'] }, loner)).response?.status, 403);
  });
});
