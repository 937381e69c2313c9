import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EC_PUBLIC_KEY, RSA_PUBLIC_KEY } from './core-entities-certs.fixtures.ts';
import { setupCoreEntities, spec } from './core-entities-harness.ts';

// Consumers, their credentials (key-auth, basic-auth, jwt, hmac-auth, acls), consumer groups and
// membership, consumer- and group-scoped plugins, and the consumer cascade.

test('consumers: by id or username, custom_id filter, one of username/custom_id required, both unique', async (t) => {
  const { base, ok, refused } = await setupCoreEntities(t);
  const alice = await ok('POST', `${base}/consumers`, { username: 'alice', custom_id: 'c-1', tags: ['t'] }, 201);
  spec('post', '/consumers', 201, alice);
  assert.deepEqual(await ok('GET', `${base}/consumers/alice`, undefined, 200), alice);
  spec('get', '/consumers/{ConsumerId}', 200, alice);
  await ok('POST', `${base}/consumers`, { custom_id: 'c-2' }, 201);
  const filtered = await ok('GET', `${base}/consumers?custom_id=c-1`, undefined, 200);
  spec('get', '/consumers', 200, filtered);
  assert.deepEqual(filtered.data.map((c: any) => c.id), [alice.id]);
  assert.deepEqual((await ok('GET', `${base}/consumers?custom_id=nobody`, undefined, 200)).data, []);

  const missing = await refused('POST', `${base}/consumers`, { tags: ['x'] }, 400);
  assert.match(JSON.stringify(missing), /custom_id.*username/);
  await refused('POST', `${base}/consumers`, { username: 'alice' }, 400, 'username');
  await refused('POST', `${base}/consumers`, { username: 'bob', custom_id: 'c-1' }, 400, 'custom_id');
  await refused('POST', `${base}/consumers`, { username: 'bob', extra: 1 }, 400, 'extra');
});

test('key-auth: key generated when absent, unique, ttl counts down, expired keys are gone', async (t) => {
  const { api, cp, base, ok, refused } = await setupCoreEntities(t);
  await ok('POST', `${base}/consumers`, { username: 'alice' }, 201);
  const generated = await ok('POST', `${base}/consumers/alice/key-auth`, {}, 201);
  spec('post', '/consumers/{ConsumerIdForNestedEntities}/key-auth', 201, generated);
  assert.match(generated.key, /^[A-Za-z0-9]{32}$/);
  const other = await ok('POST', `${base}/consumers/alice/key-auth`, {}, 201);
  assert.notEqual(other.key, generated.key);
  assert.deepEqual(await ok('GET', `${base}/consumers/alice/key-auth/${generated.key}`, undefined, 200), generated);

  const timed = await ok('POST', `${base}/consumers/alice/key-auth`, { key: 'short-lived', ttl: 100 }, 201);
  assert.ok(timed.ttl <= 100 && timed.ttl >= 99);
  await refused('POST', `${base}/consumers/alice/key-auth`, { key: 'short-lived' }, 400, 'key');
  await refused('POST', `${base}/consumers/alice/key-auth`, { ttl: -1 }, 400, 'ttl');

  const list = await ok('GET', `${base}/key-auths`, undefined, 200);
  spec('get', '/key-auths', 200, list);
  assert.equal(list.data.length, 3);

  // Expire the key in the store: the API no longer serves it, the snapshot leaves it out, and its key can be reused.
  const row = (await api.ctx.store.entities.get(cp, 'keyauth_credentials', timed.id))!;
  await api.ctx.store.entities.update({ ...row, body: { ...row.body, expires_at: 1 } });
  await ok('GET', `${base}/key-auths/${timed.id}`, undefined, 404);
  assert.equal((await ok('GET', `${base}/key-auths`, undefined, 200)).data.length, 2);
  await ok('POST', `${base}/consumers/alice/key-auth`, { key: 'short-lived' }, 201);
});

test('basic-auth: password stored as Kong\'s salted SHA-1 and never answered in plain text', async (t) => {
  const { api, cp, base, ok, refused } = await setupCoreEntities(t);
  const alice = await ok('POST', `${base}/consumers`, { username: 'alice' }, 201);
  const created = await ok('POST', `${base}/consumers/alice/basic-auth`, { username: 'alice-basic', password: 'hunter2' }, 201);
  spec('post', '/consumers/{ConsumerIdForNestedEntities}/basic-auth', 201, created);
  const expected = createHash('sha1').update(`hunter2${alice.id}`).digest('hex');
  assert.equal(created.password, expected);
  const stored = await api.ctx.store.entities.all(cp, 'basicauth_credentials');
  assert.equal(stored[0].body.password, expected);
  const listed = await ok('GET', `${base}/basic-auths`, undefined, 200);
  assert.ok(!JSON.stringify(listed).includes('hunter2'));
  // A PATCH without a password keeps the hash; one with a password hashes the new one.
  assert.equal((await ok('PATCH', `${base}/consumers/alice/basic-auth/alice-basic`, { tags: ['x'] }, 200)).password, expected);
  const changed = await ok('PATCH', `${base}/consumers/alice/basic-auth/alice-basic`, { password: 'new' }, 200);
  assert.equal(changed.password, createHash('sha1').update(`new${alice.id}`).digest('hex'));
  await refused('POST', `${base}/consumers/alice/basic-auth`, { username: 'x' }, 400, 'password');
  await refused('POST', `${base}/consumers/alice/basic-auth`, { username: 'alice-basic', password: 'p' }, 400, 'username');
});

test('jwt: key and secret generated; RS and ES algorithms need a matching public key', async (t) => {
  const { base, ok, refused } = await setupCoreEntities(t);
  await ok('POST', `${base}/consumers`, { username: 'alice' }, 201);
  const hs = await ok('POST', `${base}/consumers/alice/jwt`, {}, 201);
  spec('post', '/consumers/{ConsumerIdForNestedEntities}/jwt', 201, hs);
  assert.equal(hs.algorithm, 'HS256');
  assert.match(hs.key, /^[A-Za-z0-9]{32}$/);
  assert.match(hs.secret, /^[A-Za-z0-9]{32}$/);
  const rs = await ok('POST', `${base}/consumers/alice/jwt`, { key: 'rs-issuer', algorithm: 'RS256', rsa_public_key: RSA_PUBLIC_KEY }, 201);
  assert.equal(rs.rsa_public_key, RSA_PUBLIC_KEY);
  await ok('POST', `${base}/consumers/alice/jwt`, { algorithm: 'ES256', rsa_public_key: EC_PUBLIC_KEY }, 201);
  await refused('POST', `${base}/consumers/alice/jwt`, { algorithm: 'RS256' }, 400, 'rsa_public_key');
  await refused('POST', `${base}/consumers/alice/jwt`, { algorithm: 'RS256', rsa_public_key: 'not a key' }, 400, 'rsa_public_key');
  await refused('POST', `${base}/consumers/alice/jwt`, { algorithm: 'ES256', rsa_public_key: RSA_PUBLIC_KEY }, 400, 'rsa_public_key');
  await refused('POST', `${base}/consumers/alice/jwt`, { algorithm: 'HS1' }, 400, 'algorithm');
  await refused('POST', `${base}/consumers/alice/jwt`, { key: 'rs-issuer' }, 400, 'key');
  spec('get', '/jwts', 200, await ok('GET', `${base}/jwts`, undefined, 200));
});

test('hmac-auth and acls: secret generated; acl groups unique per consumer and found by group', async (t) => {
  const { base, ok, refused } = await setupCoreEntities(t);
  await ok('POST', `${base}/consumers`, { username: 'alice' }, 201);
  await ok('POST', `${base}/consumers`, { username: 'bob' }, 201);
  const hmac = await ok('POST', `${base}/consumers/alice/hmac-auth`, { username: 'alice-hmac' }, 201);
  spec('post', '/consumers/{ConsumerIdForNestedEntities}/hmac-auth', 201, hmac);
  assert.match(hmac.secret, /^[A-Za-z0-9]{32}$/);
  await refused('POST', `${base}/consumers/alice/hmac-auth`, {}, 400, 'username');
  spec('get', '/hmac-auths', 200, await ok('GET', `${base}/hmac-auths`, undefined, 200));

  const acl = await ok('POST', `${base}/consumers/alice/acls`, { group: 'admins' }, 201);
  spec('post', '/consumers/{ConsumerIdForNestedEntities}/acls', 201, acl);
  await ok('POST', `${base}/consumers/bob/acls`, { group: 'admins' }, 201);
  await refused('POST', `${base}/consumers/alice/acls`, { group: 'admins' }, 400, 'group');
  await refused('POST', `${base}/consumers/alice/acls`, {}, 400, 'group');
  assert.equal((await ok('GET', `${base}/consumers/alice/acls/admins`, undefined, 200)).id, acl.id);
  await ok('GET', `${base}/consumers/nobody/acls`, undefined, 404);
  // Read-only collections take no writes.
  await ok('POST', `${base}/acls`, { group: 'x' }, 404);
  spec('get', '/acls', 200, await ok('GET', `${base}/acls`, undefined, 200));
});

test('consumer groups: read by name with members, list_consumers=false, membership from both sides, group plugins', async (t) => {
  const { base, ok, refused } = await setupCoreEntities(t);
  const alice = await ok('POST', `${base}/consumers`, { username: 'alice' }, 201);
  await ok('POST', `${base}/consumers`, { username: 'bob' }, 201);
  const gold = await ok('POST', `${base}/consumer_groups`, { name: 'gold' }, 201);
  spec('post', '/consumer_groups', 201, gold);
  await ok('POST', `${base}/consumer_groups`, { name: 'silver' }, 201);

  const added = await ok('POST', `${base}/consumer_groups/gold/consumers`, { consumer: 'alice' }, 201);
  spec('post', '/consumer_groups/{ConsumerGroupId}/consumers', 201, added);
  assert.deepEqual(added.consumers.map((c: any) => c.id), [alice.id]);
  const joined = await ok('POST', `${base}/consumers/bob/consumer_groups`, { group: ['gold', 'silver'] }, 201);
  spec('post', '/consumers/{ConsumerId}/consumer_groups', 201, joined);
  await refused('POST', `${base}/consumer_groups/gold/consumers`, { consumer: 'alice' }, 400, 'consumer');
  await refused('POST', `${base}/consumer_groups/gold/consumers`, {}, 400, 'consumer');
  await refused('POST', `${base}/consumer_groups/gold/consumers`, { consumer: 'nobody' }, 404);

  const read = await ok('GET', `${base}/consumer_groups/gold`, undefined, 200);
  spec('get', '/consumer_groups/{ConsumerGroupId}', 200, read);
  assert.equal(read.consumer_group.id, gold.id);
  assert.deepEqual(read.consumers.map((c: any) => c.username).sort(), ['alice', 'bob']);
  assert.deepEqual(await ok('GET', `${base}/consumer_groups/${gold.id}?list_consumers=false`, undefined, 200), { consumer_group: gold });
  spec('get', '/consumer_groups/{ConsumerGroupId}/consumers', 200, await ok('GET', `${base}/consumer_groups/gold/consumers`, undefined, 200));
  const groupsOfBob = await ok('GET', `${base}/consumers/bob/consumer_groups`, undefined, 200);
  spec('get', '/consumers/{ConsumerId}/consumer_groups', 200, groupsOfBob);
  assert.deepEqual(groupsOfBob.data.map((g: any) => g.name).sort(), ['gold', 'silver']);

  await ok('DELETE', `${base}/consumer_groups/gold/consumers/alice`, undefined, 204);
  await ok('DELETE', `${base}/consumers/bob/consumer_groups`, undefined, 204);
  assert.deepEqual((await ok('GET', `${base}/consumer_groups/gold`, undefined, 200)).consumers, []);

  const plugin = await ok('POST', `${base}/consumer_groups/gold/plugins`, { name: 'request-transformer' }, 201);
  spec('post', '/consumer_groups/{ConsumerGroupId}/plugins', 201, plugin);
  assert.deepEqual(plugin.consumer_group, { id: gold.id });
  await ok('DELETE', `${base}/consumer_groups/gold`, undefined, 204);
  await ok('GET', `${base}/plugins/${plugin.id}`, undefined, 404);
});

test('deleting a consumer deletes its credentials, memberships and consumer-scoped plugins', async (t) => {
  const { api, cp, base, ok } = await setupCoreEntities(t);
  const alice = await ok('POST', `${base}/consumers`, { username: 'alice' }, 201);
  await ok('POST', `${base}/consumers`, { username: 'bob' }, 201);
  for (const [path, body] of [['key-auth', {}], ['basic-auth', { username: 'a', password: 'p' }], ['jwt', {}], ['hmac-auth', { username: 'h' }], ['acls', { group: 'g' }]] as const) {
    await ok('POST', `${base}/consumers/alice/${path}`, body, 201);
  }
  await ok('POST', `${base}/consumers/bob/key-auth`, {}, 201);
  await ok('POST', `${base}/consumer_groups`, { name: 'gold' }, 201);
  await ok('POST', `${base}/consumer_groups/gold/consumers`, { consumer: ['alice', 'bob'] }, 201);
  const plugin = await ok('POST', `${base}/consumers/alice/plugins`, { name: 'request-transformer' }, 201);
  spec('post', '/consumers/{ConsumerIdForNestedEntities}/plugins', 201, plugin);
  assert.deepEqual(plugin.consumer, { id: alice.id });

  await ok('DELETE', `${base}/consumers/alice`, undefined, 204);
  for (const type of ['keyauth_credentials', 'basicauth_credentials', 'jwt_secrets', 'hmacauth_credentials', 'acls', 'plugins'] as const) {
    const left = await api.ctx.store.entities.all(cp, type);
    assert.ok(left.every((r) => (r.body.consumer as { id: string } | null)?.id !== alice.id), `${type} of alice deleted`);
  }
  assert.equal((await api.ctx.store.entities.all(cp, 'keyauth_credentials')).length, 1, "bob's key stays");
  assert.deepEqual((await ok('GET', `${base}/consumer_groups/gold`, undefined, 200)).consumers.map((c: any) => c.username), ['bob']);
  await ok('DELETE', `${base}/consumers/alice`, undefined, 204);
});
