import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { isUiRequest, registerUiRoutes } from './ui.ts';
import { startTestApi } from '../testing.ts';

// The built UI at `/`: files, the SPA fallback, caching, and API paths left to the API.

function fakeDist(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>UI</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

async function uiApp(t: TestContext) {
  const app = Fastify();
  registerUiRoutes(app, { dir: fakeDist(t) });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ fromApi: true }));
  t.after(() => app.close());
  return app;
}

test('isUiRequest: GET and HEAD of non-API paths only', () => {
  const cases: [string, string, boolean][] = [
    ['GET', '/', true],
    ['GET', '/gateways/abc/routes', true],
    ['HEAD', '/assets/index-1.js', true],
    ['POST', '/', false],
    ['GET', '/v2/control-planes', false],
    ['GET', '/v3', false],
    ['GET', '/konnect-api/api/runtime_groups/x/services', false],
    ['GET', '/health', false],
    ['GET', '/v2x', true],
  ];
  for (const [method, path, expected] of cases) assert.equal(isUiRequest(method, path), expected, `${method} ${path}`);
});

test('serves files with their type, hashed assets as immutable, and index.html for UI paths', async (t) => {
  const app = await uiApp(t);
  const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
  assert.equal(asset.statusCode, 200);
  assert.match(String(asset.headers['content-type']), /^text\/javascript/);
  assert.match(String(asset.headers['cache-control']), /immutable/);
  assert.equal(asset.body, 'console.log(1)');

  for (const url of ['/', '/gateways/123/services', '/gateways/new?x=1']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.match(String(res.headers['content-type']), /^text\/html/, url);
    assert.equal(res.headers['cache-control'], 'no-cache', url);
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, url);
    assert.equal(res.body, '<!doctype html><title>UI</title>', url);
  }
});

test('answers 304 to a matching If-None-Match', async (t) => {
  const app = await uiApp(t);
  const first = await app.inject({ method: 'GET', url: '/' });
  const again = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(first.headers.etag) } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.body, '');
});

test('a missing hashed asset is 404, and API paths go to the API not-found handler', async (t) => {
  const app = await uiApp(t);
  const missing = await app.inject({ method: 'GET', url: '/assets/index-old.js' });
  assert.equal(missing.statusCode, 404);
  assert.doesNotMatch(missing.body, /doctype/);
  const api = await app.inject({ method: 'GET', url: '/v2/nothing-here' });
  assert.equal(api.statusCode, 404);
  assert.deepEqual(api.json(), { fromApi: true });
});

test('in the app: the UI needs no token, the API still does', async (t) => {
  const api = await startTestApi();
  t.after(() => api.close());
  const page = await api.app.inject({ method: 'GET', url: '/gateways/abc' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);

  const noToken = await api.app.inject({ method: 'GET', url: '/v2/control-planes' });
  assert.equal(noToken.statusCode, 401);
  const unknownNoToken = await api.app.inject({ method: 'GET', url: '/v2/no-such-endpoint' });
  assert.equal(unknownNoToken.statusCode, 401, 'unknown API paths are not made public by the fallback');
  const unknown = await api.request('GET', '/v2/no-such-endpoint');
  assert.equal(unknown.status, 404);
  assert.match(String(unknown.headers['content-type']), /problem\+json/);
  const post = await api.app.inject({ method: 'POST', url: '/gateways/abc' });
  assert.equal(post.statusCode, 401, 'only GET and HEAD are public');
});
