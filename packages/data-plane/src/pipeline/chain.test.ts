import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pluginSchema, routeSchema, Type, type Plugin, type Route } from '@gatehouse/schema';
import { definePlugin, PluginContext, PLUGIN_HANDLERS, type AnyPlugin } from '@gatehouse/plugins';
import { buildChain } from './chain.ts';
import { runBodyFilter, runPhase } from './runner.ts';
import { entity, ROUTE, SERVICE } from './fixtures.ts';

const route = entity<Route>(routeSchema, { id: ROUTE, paths: ['/'], service: { id: SERVICE } });

const fake = (name: string, priority: number, access: AnyPlugin['access'] = () => {}): AnyPlugin => definePlugin({ name, priority, schema: Type.Object({}), access });
const instance = (plugin: AnyPlugin, scope: { route?: boolean; service?: boolean }, tag: string) => ({
  entity: entity<Plugin>(pluginSchema, { name: plugin.name, route: scope.route ? { id: ROUTE } : null, service: scope.service ? { id: SERVICE } : null }),
  entry: { plugin, state: tag, instanceId: tag },
  needsBody: false,
});
const ctx = () => new PluginContext({ requestId: 'r', clientIp: '', scheme: 'http', host: 'h', method: 'GET', rawPath: '/', path: '/', query: null, headers: {} });

describe('plugin chains', () => {
  it('picks one config per plugin: route+service > route > service > global', () => {
    const p = fake('p', 10);
    const all = [instance(p, {}, 'global'), instance(p, { service: true }, 'service'), instance(p, { route: true }, 'route'), instance(p, { route: true, service: true }, 'route+service')];
    for (let i = 0; i < all.length; i++) {
      const chain = buildChain(all.slice(0, i + 1), route);
      assert.deepEqual(chain.access.map((e) => e.state), [['global', 'service', 'route', 'route+service'][i]]);
    }
    assert.deepEqual(buildChain(all, null).access.map((e) => e.state), ['global'], 'the pre-routing chain has global plugins only');
  });

  it('orders by priority, higher first', () => {
    const chain = buildChain([instance(fake('low', 1), {}, 'low'), instance(fake('high', 1000), {}, 'high'), instance(fake('mid', 500), {}, 'mid')], route);
    assert.deepEqual(chain.access.map((e) => e.state), ['high', 'mid', 'low']);
  });

  it('stops access at the first plugin that answers, sync or async', async () => {
    const seen: string[] = [];
    const chain = buildChain(
      [
        instance(fake('a', 3, () => void seen.push('a')), {}, 'a'),
        instance(fake('b', 2, async (c) => { seen.push('b'); return c.respond(403, { message: 'no' }); }), {}, 'b'),
        instance(fake('c', 1, () => void seen.push('c')), {}, 'c'),
      ],
      route,
    );
    const outcome = await runPhase(chain.access, 'access', ctx());
    assert.equal(outcome?.status, 403);
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('stays synchronous when every handler is', () => {
    const chain = buildChain([instance(fake('a', 1), {}, 'a')], route);
    assert.equal(runPhase(chain.access, 'access', ctx()), null);
  });

  it('shipped plugins have unique priorities', () => {
    const priorities = [...PLUGIN_HANDLERS.values()].map((p) => p.priority);
    assert.equal(new Set(priorities).size, priorities.length);
    assert.equal(PLUGIN_HANDLERS.get('request-transformer')?.priority, 801);
  });
});

describe('plugin chain phases and ordering', () => {
  const ordered = (plugin: AnyPlugin, ordering: Plugin['ordering']) => {
    const i = instance(plugin, {}, plugin.name);
    i.entity = { ...i.entity, ordering };
    return i;
  };

  it('keeps body_filter handlers in priority order', () => {
    const withBody = (name: string, priority: number): AnyPlugin => definePlugin({ name, priority, schema: Type.Object({}), bodyFilter: (_c, _s, b) => Buffer.concat([b, Buffer.from(name)]) });
    const chain = buildChain([instance(withBody('low', 1), {}, 'low'), instance(withBody('high', 9), {}, 'high'), instance(fake('none', 5), {}, 'none')], route);
    assert.deepEqual(chain.bodyFilter.map((e) => e.state), ['high', 'low']);
    assert.equal(runBodyFilter(chain.bodyFilter, ctx(), Buffer.from('>')).toString(), '>highlow');
  });

  it('applies ordering.before/after to access only', () => {
    const a = fake('a', 1000);
    const b = fake('b', 500);
    const c = fake('c', 10);
    const chain = buildChain([ordered(a, { after: { access: ['c'] } }), instance(b, {}, 'b'), instance(c, {}, 'c')], route);
    assert.deepEqual(chain.access.map((e) => e.state), ['c', 'a', 'b']);
    const before = buildChain([instance(a, {}, 'a'), instance(b, {}, 'b'), ordered(c, { before: { access: ['a'] } })], route);
    assert.deepEqual(before.access.map((e) => e.state), ['c', 'a', 'b']);
  });

  it('ignores ordering names that are not in the chain', () => {
    const chain = buildChain([ordered(fake('a', 1), { before: { access: ['missing'] } }), instance(fake('b', 2), {}, 'b')], route);
    assert.deepEqual(chain.access.map((e) => e.state), ['b', 'a']);
  });

  it('refuses an ordering cycle', () => {
    assert.throws(() => buildChain([ordered(fake('a', 2), { before: { access: ['b'] } }), ordered(fake('b', 1), { before: { access: ['a'] } })], route), { code: 'ERR_DP_PLUGIN_CONFIG_INVALID' });
  });
});
