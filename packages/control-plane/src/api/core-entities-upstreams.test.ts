import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { CA_CERT, EC_CERT, EC_KEY, LEAF_CERT, RSA_CERT, RSA_KEY } from './core-entities-certs.fixtures.ts';
import { setupCoreEntities, spec } from './core-entities-harness.ts';

// Upstreams and targets, certificates with SNIs, CA certificates: Kong's rules and cascades.

test('upstreams: Kong defaults incl. the full healthchecks object, hash rules, targets with default port', async (t) => {
  const { base, ok, refused } = await setupCoreEntities(t);
  const up = await ok('POST', `${base}/upstreams`, { name: 'orders.internal' }, 201);
  spec('post', '/upstreams', 201, up);
  assert.equal(up.algorithm, 'round-robin');
  assert.equal(up.slots, 10000);
  assert.deepEqual(up.healthchecks.active.unhealthy.http_statuses, [429, 404, 500, 501, 502, 503, 504, 505]);
  assert.deepEqual(up.healthchecks.passive.unhealthy, { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 });
  const patched = await ok('PATCH', `${base}/upstreams/orders.internal`, { hash_on: 'header', hash_on_header: 'x-user' }, 200);
  assert.equal(patched.hash_on, 'header');

  await refused('POST', `${base}/upstreams`, { name: 'orders.internal' }, 400, 'name');
  await refused('POST', `${base}/upstreams`, { name: 'not a host' }, 400, 'name');
  await refused('POST', `${base}/upstreams`, { name: 'b.internal', hash_on: 'header' }, 400, 'hash_on_header');
  await refused('POST', `${base}/upstreams`, { name: 'b.internal', hash_fallback: 'ip' }, 400, 'hash_fallback');
  await refused('POST', `${base}/upstreams`, { name: 'b.internal', slots: 5 }, 400, 'slots');
  await refused('POST', `${base}/upstreams`, { name: 'b.internal', healthchecks: { active: { concurrency: 0 } } }, 400, 'healthchecks.active.concurrency');

  const target = await ok('POST', `${base}/upstreams/orders.internal/targets`, { target: '10.0.0.1' }, 201);
  spec('post', '/upstreams/{UpstreamIdForTarget}/targets', 201, target);
  assert.equal(target.target, '10.0.0.1:8000');
  assert.equal(target.weight, 100);
  await ok('POST', `${base}/upstreams/${up.id}/targets`, { target: 'b.internal:81', weight: 0 }, 201);
  await refused('POST', `${base}/upstreams/orders.internal/targets`, { target: '10.0.0.1:8000' }, 400, 'target');
  await refused('POST', `${base}/upstreams/orders.internal/targets`, { target: 'bad host:1' }, 400, 'target');
  await refused('POST', `${base}/upstreams/orders.internal/targets`, { target: 'a.internal', weight: 70000 }, 400, 'weight');
  await refused('POST', `${base}/upstreams/nothing/targets`, { target: 'a.internal' }, 404);
  assert.equal((await ok('GET', `${base}/upstreams/orders.internal/targets/10.0.0.1:8000`, undefined, 200)).id, target.id);

  const all = await ok('GET', `${base}/targets`, undefined, 200);
  spec('get', '/targets', 200, all);
  assert.equal(all.data.length, 2);
  // Deleting the upstream deletes its targets.
  await ok('DELETE', `${base}/upstreams/orders.internal`, undefined, 204);
  assert.deepEqual((await ok('GET', `${base}/targets`, undefined, 200)).data, []);
});

test('certificates: cert and key parsed and matched, snis shorthand creates SNI entities, deletes cascade', async (t) => {
  const { api, cp, base, ok, refused } = await setupCoreEntities(t);
  const cert = await ok('POST', `${base}/certificates`, { cert: RSA_CERT, key: RSA_KEY, cert_alt: EC_CERT, key_alt: EC_KEY, snis: ['b.test', 'a.test'] }, 201);
  spec('post', '/certificates', 201, cert);
  assert.deepEqual(cert.snis, ['a.test', 'b.test']);
  const snis = await ok('GET', `${base}/snis`, undefined, 200);
  spec('get', '/snis', 200, snis);
  assert.deepEqual(snis.data.map((s: any) => s.name).sort(), ['a.test', 'b.test']);
  const sni = await ok('POST', `${base}/certificates/${cert.id}/snis`, { name: '*.c.test' }, 201);
  spec('post', '/certificates/{CertificateId}/snis', 201, sni);
  assert.deepEqual((await ok('GET', `${base}/certificates/${cert.id}`, undefined, 200)).snis, ['*.c.test', 'a.test', 'b.test']);

  await refused('POST', `${base}/certificates`, { cert: RSA_CERT, key: EC_KEY }, 400, 'key');
  await refused('POST', `${base}/certificates`, { cert: 'nope', key: RSA_KEY }, 400, 'cert');
  await refused('POST', `${base}/certificates`, { cert: RSA_CERT, key: RSA_KEY, cert_alt: EC_CERT }, 400, 'key_alt');
  await refused('POST', `${base}/certificates`, { cert: RSA_CERT, key: RSA_KEY, snis: ['a.test'] }, 400, 'snis');
  await refused('POST', `${base}/certificates`, { cert: RSA_CERT }, 400, 'key');
  await refused('POST', `${base}/snis`, { name: 'a.test', certificate: { id: cert.id } }, 400, 'name');
  await refused('POST', `${base}/snis`, { name: 'a.*.test', certificate: { id: cert.id } }, 400, 'name');

  // A certificate used by a service is kept; unused, it goes with its SNIs.
  const svc = await ok('POST', `${base}/services`, { url: 'https://orders.internal', client_certificate: { id: cert.id } }, 201);
  await refused('DELETE', `${base}/certificates/${cert.id}`, undefined, 400, 'services');
  await ok('DELETE', `${base}/services/${svc.id}`, undefined, 204);
  await ok('DELETE', `${base}/certificates/${cert.id}`, undefined, 204);
  assert.deepEqual(await api.ctx.store.entities.all(cp, 'snis'), []);
});

test('ca_certificates: cert_digest computed, only CA certificates, digest unique', async (t) => {
  const { base, ok, refused } = await setupCoreEntities(t);
  const ca = await ok('POST', `${base}/ca_certificates`, { cert: CA_CERT, tags: ['ca'] }, 201);
  spec('post', '/ca_certificates', 201, ca);
  assert.equal(ca.cert_digest, new X509Certificate(CA_CERT).fingerprint256.replaceAll(':', '').toLowerCase());
  await refused('POST', `${base}/ca_certificates`, { cert: CA_CERT }, 400, 'cert');
  await refused('POST', `${base}/ca_certificates`, { cert: LEAF_CERT }, 400, 'cert');
  await refused('POST', `${base}/ca_certificates`, { cert: 'x' }, 400, 'cert');
  // decK sends the digest it read back; it is recomputed, not trusted.
  const put = await ok('PUT', `${base}/ca_certificates/${ca.id}`, { cert: CA_CERT, cert_digest: 'f'.repeat(64) }, 200);
  assert.equal(put.cert_digest, ca.cert_digest);
  const svc = await ok('POST', `${base}/services`, { url: 'https://orders.internal', ca_certificates: [ca.id] }, 201);
  await refused('DELETE', `${base}/ca_certificates/${ca.id}`, undefined, 400, 'services');
  await ok('DELETE', `${base}/services/${svc.id}`, undefined, 204);
  await ok('DELETE', `${base}/ca_certificates/${ca.id}`, undefined, 204);
});
