import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, type ApiError } from './index.ts';

// A fetch that answers from a table and records what it was asked.
function fakeFetch(answer: (url: URL, init: RequestInit) => { status: number; body?: unknown }) {
  const calls: { method: string; url: string; headers: Record<string, string>; body?: string }[] = [];
  const fn = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    calls.push({ method: init.method ?? 'GET', url: url.pathname + url.search, headers: init.headers as Record<string, string>, body: init.body as string | undefined });
    const { status, body } = answer(url, init);
    return new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { fn, calls };
}

describe('api-client', () => {
  it('walks Kong offset paging until there is no offset', async () => {
    const { fn, calls } = fakeFetch((url) =>
      url.searchParams.get('offset') === 'p2' ? { status: 200, body: { data: [{ id: 'b' }], next: null } } : { status: 200, body: { data: [{ id: 'a' }], next: '/x?offset=p2', offset: 'p2' } },
    );
    const client = createClient({ url: 'http://api.test/', token: 'kpat_x', fetch: fn });
    const all = await client.entities('cp1').all('services', { tags: ['a', 'b'] });
    assert.deepEqual(all.map((s) => s.id), ['a', 'b']);
    assert.deepEqual(calls.map((c) => c.url), ['/v2/control-planes/cp1/core-entities/services?size=1000&tags=a%2Cb', '/v2/control-planes/cp1/core-entities/services?size=1000&offset=p2&tags=a%2Cb']);
    assert.equal(calls[0].headers.authorization, 'Bearer kpat_x');
  });

  it('throws ApiError with the status and parsed body', async () => {
    const body = { code: 3, message: 'validation error', details: [{ field: 'port', messages: ['port must be less than or equal to 65535'] }] };
    const { fn } = fakeFetch(() => ({ status: 400, body }));
    const client = createClient({ url: 'http://api.test', token: 't', fetch: fn });
    await assert.rejects(client.entities('cp').create('services', { port: 99999 }), (error: ApiError) => {
      assert.equal(error.code, 'ERR_API_CLIENT_HTTP');
      assert.equal(error.status, 400);
      assert.deepEqual(error.body, body);
      assert.match(error.message, /port: port must be less than or equal to 65535/);
      return true;
    });
  });

  it('reports an unreachable API with status 0', async () => {
    const client = createClient({ url: 'http://api.test', token: 't', fetch: (async () => { throw new TypeError('fetch failed'); }) as typeof fetch });
    await assert.rejects(client.controlPlanes.get('x'), (error: ApiError) => error.code === 'ERR_API_CLIENT_UNREACHABLE' && error.status === 0);
  });

  it('nests collections under a parent and encodes names', async () => {
    const { fn, calls } = fakeFetch(() => ({ status: 201, body: { id: 'r' } }));
    const client = createClient({ url: 'http://api.test', token: 't', fetch: fn });
    await client.entities('cp').create('routes', { paths: ['/'] }, { type: 'services', idOrName: 'a b' });
    assert.equal(calls[0].url, '/v2/control-planes/cp/core-entities/services/a%20b/routes');
    assert.equal(calls[0].body, '{"paths":["/"]}');
  });
});
