import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { createPoolRegistry } from '../upstream/pools.ts';
import { compileGateway, releaseGateway, retireGateway } from './gateway.ts';

describe('compiled gateways and pools', () => {
  const build = (path: string) =>
    snapshot({ gatewayId: '22222222-2222-4222-8222-222222222222', hostnames: ['A.test'] })
      .service({ url: 'http://127.0.0.1:9/one' })
      .route({ paths: [path] })
      .service({ url: 'http://127.0.0.1:9/two' })
      .route({ paths: [`${path}2`] })
      .service({ url: 'http://127.0.0.1:10', enabled: false })
      .route({ paths: ['/disabled'] })
      .build();

  it('shares one pool per origin and leaves out routes of disabled services', () => {
    const pools = createPoolRegistry();
    const gw = compileGateway(build('/a'), pools);
    assert.equal(pools.size, 1);
    assert.equal(gw.router.size, 2);
    assert.deepEqual(gw.hostnames, ['a.test']);
  });

  it('keeps pools across a swap and closes them after the last in-flight request', async () => {
    const pools = createPoolRegistry();
    const old = compileGateway(build('/a'), pools);
    old.inflight = 1;
    const next = compileGateway(build('/b'), pools);
    retireGateway(old, pools);
    assert.equal(pools.size, 1, 'the new snapshot still holds the pool');
    retireGateway(next, pools);
    assert.equal(pools.size, 1, 'the old snapshot has a request in flight');
    old.inflight = 0;
    releaseGateway(old, pools);
    assert.equal(pools.size, 0);
    await pools.closeAll();
  });
});
