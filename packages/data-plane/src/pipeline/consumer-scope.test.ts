import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consumerSchema, pluginSchema, routeSchema, Type, type Consumer, type Plugin, type Route } from '@gatehouse/schema';
import { definePlugin, PluginContext, type AnyPlugin } from '@gatehouse/plugins';
import { buildConsumerIndex } from '@gatehouse/plugins/consumers.ts';
import { buildChain, type Chain } from './chain.ts';
import { runAccess } from './runner.ts';
import { entity, ROUTE, SERVICE } from './fixtures.ts';

// Consumer and consumer-group scoping (reference §2.3): the config a plugin runs with is resolved
// when it is reached, so consumer scopes apply only to plugins after the auth plugin.

const ALICE = '00000000-0000-4000-8000-0000000000a1';
const BOB = '00000000-0000-4000-8000-0000000000b0';
const GOLD = '00000000-0000-4000-8000-0000000000c1';
const SILVER = '00000000-0000-4000-8000-0000000000c2';
const route = entity<Route>(routeSchema, { id: ROUTE, paths: ['/'], service: { id: SERVICE } });
const alice = entity<Consumer>(consumerSchema, { id: ALICE, username: 'alice' });
const bob = entity<Consumer>(consumerSchema, { id: BOB, username: 'bob' });
const group = (id: string, name: string, members: string[]) => ({ id, name, created_at: 1, updated_at: 1, tags: null, members });
const index = buildConsumerIndex({ consumers: [alice, bob], consumerGroups: [group(GOLD, 'gold', [ALICE, BOB]), group(SILVER, 'silver', [ALICE])] });

// The auth plugin reads the consumer from the request header `who`.
const auth: AnyPlugin = definePlugin({
  name: 'auth',
  priority: 1000,
  setsConsumer: true,
  schema: Type.Object({}),
  access: (ctx) => {
    const who = ctx.headers.who;
    ctx.consumer = who === 'alice' ? alice : who === 'bob' ? bob : null;
  },
});
const seen = (name: string, priority: number): AnyPlugin =>
  definePlugin({ name, priority, schema: Type.Object({}), access: (ctx, state) => void (ctx.headers[name] = String(state)) });
const before = seen('before', 2000);
const after = seen('after', 10);

interface Scope {
  route?: boolean;
  service?: boolean;
  consumer?: string;
  group?: string;
}
const instance = (plugin: AnyPlugin, scope: Scope, tag: string) => ({
  entity: entity<Plugin>(pluginSchema, {
    name: plugin.name,
    route: scope.route ? { id: ROUTE } : null,
    service: scope.service ? { id: SERVICE } : null,
    consumer: scope.consumer ? { id: scope.consumer } : null,
    consumer_group: scope.group ? { id: scope.group } : null,
  }),
  entry: { plugin, state: tag, instanceId: tag },
  needsBody: false,
});

function run(chain: Chain, who: string) {
  const ctx = new PluginContext({ requestId: 'r', clientIp: '', scheme: 'http', host: 'h', method: 'GET', rawPath: '/', path: '/', query: null, headers: { who } });
  const holder = { activeChain: null as Chain | null };
  assert.equal(runAccess(holder, chain, ctx), null);
  return { headers: ctx.headers, active: holder.activeChain ?? chain };
}

describe('consumer-scoped plugin configs', () => {
  it('follows Kong precedence, most specific first', () => {
    const ladder: Array<[Scope, string]> = [
      [{}, 'global'],
      [{ service: true }, 'service'],
      [{ route: true }, 'route'],
      [{ group: GOLD }, 'group'],
      [{ consumer: ALICE }, 'consumer'],
      [{ route: true, service: true }, 'route+service'],
      [{ group: GOLD, service: true }, 'group+service'],
      [{ group: GOLD, route: true }, 'group+route'],
      [{ consumer: ALICE, service: true }, 'consumer+service'],
      [{ consumer: ALICE, route: true }, 'consumer+route'],
      [{ group: GOLD, route: true, service: true }, 'group+route+service'],
      [{ consumer: ALICE, route: true, service: true }, 'consumer+route+service'],
    ];
    const all = ladder.map(([scope, tag]) => instance(after, scope, tag));
    for (let i = 0; i < all.length; i++) {
      // Shuffle the candidates so the order of instances never decides.
      const chain = buildChain([instance(auth, {}, 'auth'), ...all.slice(0, i + 1).reverse()], route, index);
      assert.equal(run(chain, 'alice').headers.after, ladder[i][1], `with ${ladder[i][1]} the most specific`);
    }
  });

  it('applies consumer configs only to plugins after the auth plugin', () => {
    const chain = buildChain([instance(auth, {}, 'auth'), instance(before, {}, 'global'), instance(before, { consumer: ALICE }, 'alice'), instance(after, {}, 'global'), instance(after, { consumer: ALICE }, 'alice')], route, index);
    const alices = run(chain, 'alice');
    assert.equal(alices.headers.before, 'global');
    assert.equal(alices.headers.after, 'alice');
    assert.deepEqual(alices.active.log.length, 0);
    assert.equal(run(chain, 'bob').headers.after, 'global');
    assert.equal(run(chain, 'nobody').headers.after, 'global');
  });

  it('runs consumer-only plugins for that consumer alone', () => {
    const chain = buildChain([instance(auth, {}, 'auth'), instance(after, { consumer: BOB }, 'bob')], route, index);
    assert.equal(run(chain, 'bob').headers.after, 'bob');
    assert.equal(run(chain, 'alice').headers.after, undefined);
  });

  it('picks the group whose name sorts first when several match', () => {
    const chain = buildChain([instance(auth, {}, 'auth'), instance(after, { group: SILVER }, 'silver'), instance(after, { group: GOLD }, 'gold')], route, index);
    assert.equal(run(chain, 'alice').headers.after, 'gold');
    assert.equal(run(chain, 'bob').headers.after, 'gold');
    const silverOnly = buildChain([instance(auth, {}, 'auth'), instance(after, { group: SILVER }, 'silver')], route, index);
    assert.equal(run(silverOnly, 'alice').headers.after, 'silver');
    assert.equal(run(silverOnly, 'bob').headers.after, undefined);
  });

  it('ignores configs scoped to another route', () => {
    const other = '00000000-0000-4000-8000-0000000000ff';
    const chain = buildChain([instance(auth, {}, 'auth'), { ...instance(after, { consumer: ALICE }, 'elsewhere'), entity: { ...instance(after, { consumer: ALICE }, 'x').entity, route: { id: other } } }], route, index);
    assert.equal(chain.consumerScopes, null);
    assert.equal(run(chain, 'alice').headers.after, undefined);
  });
});
