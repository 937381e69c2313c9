import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { snapshot } from '@gatehouse/test-kit';
import { createSelfSigned } from '../../packages/control-plane/src/clustering/certs.ts';
import { HOST, echoed, setup, type Reply } from './harness.ts';

// A plugin instance runs only on the request protocols in its `protocols` (Kong): the same route on
// the data plane's HTTP and HTTPS listeners runs different chains.

function sendTls(port: number, ca: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: HOST, ca, agent: false, headers: { host: HOST } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('plugin protocols through the data plane', () => {
  it('runs a plugin on the protocols it lists only', async (t) => {
    const pair = await createSelfSigned({ commonName: HOST, dnsNames: [HOST], isServer: true });
    const h = await setup(
      t,
      (url) =>
        snapshot({ hostnames: [HOST] })
          .service({ url })
          .route({ paths: ['/closed'] })
          .plugin('request-termination', { status_code: 403, message: 'https closed' }, 'route', { protocols: ['https'] })
          .route({ paths: ['/tagged'] })
          .plugin('request-transformer', { add: { headers: ['x-plain:yes'] } }, 'route', { protocols: ['http'] })
          .plugin('correlation-id', { header_name: 'x-both', generator: 'uuid' }, 'route'),
      { tlsPort: 0 },
    );
    h.dp.setPlatformCertificates([pair]);
    const { tlsPort } = await h.dp.listen();
    assert.ok(tlsPort);

    const plainClosed = await h.send('/closed');
    assert.equal(plainClosed.status, 200, 'an https-only plugin does not run on http');
    const tlsClosed = await sendTls(tlsPort, pair.cert, '/closed');
    assert.equal(tlsClosed.status, 403);
    assert.deepEqual(JSON.parse(tlsClosed.body), { message: 'https closed' });
    assert.equal(h.upstream.requests.length, 1, 'the terminated request never reached the upstream');

    const plain = echoed(await h.send('/tagged'));
    assert.equal(plain.headers['x-plain'], 'yes');
    assert.ok(plain.headers['x-both'], 'a plugin on both protocols runs on http');
    const tls = await sendTls(tlsPort, pair.cert, '/tagged');
    assert.equal(tls.status, 200);
    assert.equal(echoed(tls).headers['x-plain'], undefined, 'an http-only plugin does not run on https');
    assert.ok(echoed(tls).headers['x-both'], 'a plugin on both protocols runs on https');
  });
});
