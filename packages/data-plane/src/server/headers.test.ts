import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endToEndResponseHeaders, forwardableRequestHeaders } from './headers.ts';

describe('endToEndResponseHeaders', () => {
  it('drops Connection and Keep-Alive of a plain keep-alive answer, and nothing else', () => {
    const headers = { 'content-type': 'text/plain', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'content-length': '13' };
    assert.deepEqual(endToEndResponseHeaders(headers), { 'content-type': 'text/plain', 'content-length': '13' });
  });

  it('drops every RFC 9110 hop-by-hop header', () => {
    const headers: Record<string, string> = { etag: '"1"' };
    for (const name of ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate']) headers[name] = 'x';
    assert.deepEqual(endToEndResponseHeaders(headers), { etag: '"1"' });
  });

  it('drops the headers Connection names, whatever its case and spacing', () => {
    const headers = { connection: 'Keep-Alive, X-Internal ,x-trace', 'x-internal': 'secret', 'x-trace': '1', 'x-kept': 'yes' };
    assert.deepEqual(endToEndResponseHeaders(headers), { 'x-kept': 'yes' });
  });

  it('reads a repeated Connection header', () => {
    const headers = { connection: ['close', 'x-a'], 'x-a': '1', 'x-b': '2' };
    assert.deepEqual(endToEndResponseHeaders(headers), { 'x-b': '2' });
  });
});

describe('forwardableRequestHeaders', () => {
  it('keeps end-to-end headers, drops hop-by-hop ones and those Connection names, keeps TE: trailers only', () => {
    const out = forwardableRequestHeaders({ host: 'a', connection: 'keep-alive, x-hop', 'x-hop': '1', te: 'trailers', 'proxy-authorization': 'p', accept: '*/*' });
    assert.deepEqual(out, { host: 'a', accept: '*/*', te: 'trailers' });
  });
});
