import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consumerSchema, pluginSchema, routeSchema, Type, type Consumer, type Plugin, type Route } from '@gatehouse/schema';
import { definePlugin, PluginContext, type AnyPlugin } from '@gatehouse/plugins';
import { buildConsumerIndex } from '@gatehouse/plugins/consumers.ts';
import { buildChain, chainFor, type Chain } from './chain.ts';
import { runAccess } from './runner.ts';
import { entity, ROUTE, SERVICE } from './fixtures.ts';

// A plugin instance runs only on the request protocols in its `protocols` (Kong): a route whose
// instances differ between its cleartext and TLS protocol gets a TLS chain, picked per request.

const ALICE = '00000000-0000-4000-8000-0000000000a1';
const httpRoute = entity<Route>(routeSchema, { id: ROUTE, paths: ['/'], service: { id: SERVICE } });
const grpcRoute = entity<Route>(routeSchema, { id: ROUTE, protocols: ['grpc', 'grpcs'], paths: ['/'], service: { id: SERVICE } });
const alice = entity<Consumer>(consumerSchema, { id: ALICE, username: 'alice' });
const index = buildConsumerIndex({ consumers: [alice], consumerGroups: [] });

const auth: AnyPlugin = definePlugin({
  name: 'auth',
  priority: 1000,
  setsConsumer: true,
  schema: Type.Object({}),
  access: (ctx) => void (ctx.consumer = ctx.headers.who === 'alice' ? alice : null),
});
const seen = (name: string, priority: number): AnyPlugin =>
  definePlugin({ name, priority, schema: Type.Object({}), access: (ctx, state) => void (ctx.headers[name] = String(state)) });
const after = seen('after', 10);
const other = seen('other', 20);

const instance = (plugin: AnyPlugin, protocols: string[], tag: string, consumer: string | null = null) => ({
  entity: entity<Plugin>(pluginSchema, { name: plugin.name, protocols, consumer: consumer === null ? null : { id: consumer } }),
  entry: { plugin, state: tag, instanceId: tag },
  needsBody: false,
});

function run(chain: Chain, isTls: boolean, who = '') {
  const ctx = new PluginContext({ requestId: 'r', clientIp: '', scheme: isTls ? 'https' : 'http', host: 'h', method: 'GET', rawPath: '/', path: '/', query: null, headers: { who } });
  assert.equal(runAccess({ activeChain: null }, chainFor(chain, isTls), ctx), null);
  return ctx.headers;
}

describe('plugin protocols', () => {
  it('runs an https-only instance on https requests alone', () => {
    const chain = buildChain([instance(after, ['https'], 'tls'), instance(other, ['http', 'https'], 'both')], httpRoute);
    assert.deepEqual([run(chain, false).after, run(chain, false).other], [undefined, 'both']);
    assert.deepEqual([run(chain, true).after, run(chain, true).other], ['tls', 'both']);
  });

  it('runs an http-only instance on http requests alone', () => {
    const chain = buildChain([instance(after, ['http'], 'plain')], httpRoute);
    assert.equal(run(chain, false).after, 'plain');
    assert.equal(run(chain, true).after, undefined);
  });

  it('picks per protocol among configs of the same plugin', () => {
    const chain = buildChain([instance(after, ['http'], 'plain'), { ...instance(after, ['https'], 'tls'), entity: entity<Plugin>(pluginSchema, { name: 'after', protocols: ['https'], route: { id: ROUTE } }) }], httpRoute);
    assert.equal(run(chain, false).after, 'plain');
    assert.equal(run(chain, true).after, 'tls');
  });

  it('builds one chain when every instance serves both protocols', () => {
    const chain = buildChain([instance(after, ['http', 'https'], 'both'), instance(other, ['grpc', 'grpcs', 'http', 'https'], 'all')], httpRoute);
    assert.equal(chain.tls, null);
    assert.equal(chainFor(chain, true), chain);
  });

  it('uses grpc and grpcs on gRPC routes, http and https elsewhere', () => {
    const instances = [instance(after, ['grpcs'], 'grpcs'), instance(other, ['http', 'https'], 'http')];
    const grpc = buildChain(instances, grpcRoute);
    assert.deepEqual([run(grpc, false).after, run(grpc, false).other], [undefined, undefined]);
    assert.deepEqual([run(grpc, true).after, run(grpc, true).other], ['grpcs', undefined]);
    const http = buildChain(instances, httpRoute);
    assert.deepEqual([run(http, true).after, run(http, true).other], [undefined, 'http']);
  });

  it('keeps consumer-scoped configs on each protocol chain', () => {
    const chain = buildChain([instance(auth, ['http', 'https'], 'auth'), instance(after, ['http', 'https'], 'global'), instance(after, ['https'], 'alice-tls', ALICE), instance(other, ['https'], 'tls')], httpRoute, index);
    assert.equal(run(chain, false, 'alice').after, 'global');
    assert.equal(run(chain, true, 'alice').after, 'alice-tls');
    assert.equal(run(chain, true, 'alice').other, 'tls');
    assert.equal(run(chain, true, 'bob').after, 'global');
  });

  it('gives the pre-routing chain a TLS variant too', () => {
    const chain = buildChain([instance(after, ['https'], 'tls')], null);
    assert.equal(run(chain, false).after, undefined);
    assert.equal(run(chain, true).after, 'tls');
  });
});
