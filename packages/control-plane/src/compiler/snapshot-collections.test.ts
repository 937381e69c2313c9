import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setupCoreEntities } from '../api/core-entities-harness.ts';
import { RSA_CERT, RSA_KEY } from '../api/core-entities-certs.fixtures.ts';
import { compileSnapshot } from './snapshot-compiler.ts';

// The snapshot's upstreams, targets, consumers, groups, credentials and certificates, compiled from
// entities written through the API.

test('the snapshot carries every new collection, hashed basic-auth passwords, live keys only, and a stable hash', async (t) => {
  const { api, cp, base, ok } = await setupCoreEntities(t);
  const empty = await compileSnapshot(api.ctx.store, cp, []);
  assert.deepEqual(
    { upstreams: empty.upstreams, targets: empty.targets, consumers: empty.consumers, consumerGroups: empty.consumerGroups, certificates: empty.certificates, snis: empty.snis, caCertificates: empty.caCertificates },
    { upstreams: [], targets: [], consumers: [], consumerGroups: [], certificates: [], snis: [], caCertificates: [] },
  );
  assert.deepEqual(empty.credentials, { keyAuth: [], basicAuth: [], jwt: [], hmacAuth: [], acls: [] });

  const up = await ok('POST', `${base}/upstreams`, { name: 'orders.internal' }, 201);
  await ok('POST', `${base}/upstreams/${up.id}/targets`, { target: '10.0.0.1:80' }, 201);
  const alice = await ok('POST', `${base}/consumers`, { username: 'alice' }, 201);
  const gold = await ok('POST', `${base}/consumer_groups`, { name: 'gold' }, 201);
  await ok('POST', `${base}/consumer_groups/gold/consumers`, { consumer: 'alice' }, 201);
  const key = await ok('POST', `${base}/consumers/alice/key-auth`, { key: 'k1', ttl: 3600 }, 201);
  const expiring = await ok('POST', `${base}/consumers/alice/key-auth`, { key: 'k2', ttl: 10 }, 201);
  await ok('POST', `${base}/consumers/alice/basic-auth`, { username: 'alice', password: 'hunter2' }, 201);
  await ok('POST', `${base}/consumers/alice/jwt`, {}, 201);
  await ok('POST', `${base}/consumers/alice/hmac-auth`, { username: 'alice' }, 201);
  await ok('POST', `${base}/consumers/alice/acls`, { group: 'admins' }, 201);
  const cert = await ok('POST', `${base}/certificates`, { cert: RSA_CERT, key: RSA_KEY, snis: ['a.test'] }, 201);

  const snapshot = await compileSnapshot(api.ctx.store, cp, ['x.localhost']);
  assert.deepEqual(snapshot.upstreams.map((u) => u.name), ['orders.internal']);
  assert.deepEqual(snapshot.targets.map((x) => x.target), ['10.0.0.1:80']);
  assert.deepEqual(snapshot.consumers.map((c) => c.id), [alice.id]);
  assert.deepEqual(snapshot.consumerGroups, [{ ...gold, members: [alice.id] }]);
  const k1 = snapshot.credentials.keyAuth.find((k) => k.id === key.id)!;
  assert.equal(k1.key, 'k1');
  assert.ok(k1.expires_at !== null && k1.expires_at >= k1.created_at + 3600 - 1);
  assert.equal(snapshot.credentials.basicAuth[0].password, createHash('sha1').update(`hunter2${alice.id}`).digest('hex'));
  assert.ok(!JSON.stringify(snapshot).includes('hunter2'), 'no plain-text password anywhere');
  assert.equal(snapshot.credentials.jwt.length, 1);
  assert.equal(snapshot.credentials.hmacAuth.length, 1);
  assert.deepEqual(snapshot.credentials.acls.map((a) => a.group), ['admins']);
  assert.deepEqual(snapshot.certificates.map((c) => [c.id, c.snis]), [[cert.id, ['a.test']]]);
  assert.deepEqual(snapshot.snis.map((s) => s.name), ['a.test']);

  // Same entities, same hash; a key past its expiry at compile time is left out (and the hash moves).
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await compileSnapshot(api.ctx.store, cp, ['x.localhost'], now)).hash, (await compileSnapshot(api.ctx.store, cp, ['x.localhost'], now)).hash);
  const later = await compileSnapshot(api.ctx.store, cp, ['x.localhost'], now + 60);
  assert.ok(!later.credentials.keyAuth.some((k) => k.id === expiring.id));
  assert.ok(later.credentials.keyAuth.some((k) => k.id === key.id));
  assert.notEqual(later.hash, snapshot.hash);
  const before = (await compileSnapshot(api.ctx.store, cp, ['x.localhost'], now)).hash;
  await ok('PATCH', `${base}/consumers/alice/acls/admins`, { group: 'ops' }, 200);
  assert.notEqual((await compileSnapshot(api.ctx.store, cp, ['x.localhost'], now)).hash, before, 'a credential change changes the hash');
});
