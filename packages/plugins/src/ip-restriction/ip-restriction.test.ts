import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import handler from './handler.ts';

describe('ip-restriction schema', () => {
  it('accepts IPv4 and IPv6 addresses and ranges', () => {
    const r = validatePluginConfig('ip-restriction', { allow: ['10.0.0.1', '10.0.0.0/8', '::1', '2001:db8::/32'], deny: ['0.0.0.0/0'], status: 401, message: 'no' });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  });

  const rejects: Array<[string, unknown, string, string]> = [
    ['neither allow nor deny', {}, 'allow', 'at_least_one_of'],
    ['empty lists', { allow: [], deny: [] }, 'allow', 'at_least_one_of'],
    ['a bad address', { allow: ['10.0.0.256'] }, 'allow.0', 'invalid'],
    ['a prefix too long', { deny: ['10.0.0.0/33'] }, 'deny.0', 'invalid'],
    ['an IPv6 prefix too long', { deny: ['::/129'] }, 'deny.0', 'invalid'],
    ['a hostname', { deny: ['example.com'] }, 'deny.0', 'invalid'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('ip-restriction', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [[field, rule]]);
    });
  }
});

describe('ip-restriction handler', () => {
  const cases: Array<[string, unknown, string, number | null]> = [
    ['allows an address inside an allow range', { allow: ['10.0.0.0/8'] }, '10.1.2.3', null],
    ['rejects an address outside the allow list', { allow: ['10.0.0.0/8'] }, '11.0.0.1', 403],
    ['rejects a denied address', { deny: ['192.168.1.1'] }, '192.168.1.1', 403],
    ['allows an address not denied', { deny: ['192.168.1.1'] }, '192.168.1.2', null],
    ['checks deny before allow', { allow: ['10.0.0.0/8'], deny: ['10.0.0.5'] }, '10.0.0.5', 403],
    ['matches IPv6 ranges', { allow: ['2001:db8::/32'] }, '2001:db8::42', null],
    ['rejects IPv6 outside the range', { allow: ['2001:db8::/32'] }, '2001:db9::1', 403],
    ['matches an IPv4-mapped client against IPv4 ranges', { deny: ['127.0.0.0/8'] }, '::ffff:127.0.0.1', 403],
    ['uses the configured status', { deny: ['0.0.0.0/0'], status: 401 }, '1.2.3.4', 401],
  ];
  for (const [name, config, ip, status] of cases) {
    it(name, async () => {
      const { response } = await runPlugin(handler, config, { clientIp: ip });
      assert.equal(response?.status ?? null, status);
    });
  }

  it("answers with Kong's message naming the address", async () => {
    const { response } = await runPlugin(handler, { deny: ['1.2.3.4'] }, { clientIp: '1.2.3.4' });
    assert.deepEqual(response, { kind: 'error', status: 403, body: 'IP address not allowed: 1.2.3.4', headers: null });
    assert.equal((await runPlugin(handler, { deny: ['1.2.3.4'], message: 'Go away' }, { clientIp: '1.2.3.4' })).response?.body, 'Go away');
  });
});
