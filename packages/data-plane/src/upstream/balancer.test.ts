import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newId, targetSchema, upstreamSchema, validate, type Target, type Upstream } from '@gatehouse/schema';
import { Balancer, parseTarget } from './balancer.ts';
import { xxhash32 } from './xxhash32.ts';

const upstream = (input: Record<string, unknown> = {}): Upstream => {
  const r = validate(upstreamSchema, { id: newId(), created_at: 1, updated_at: 1, name: 'u.internal', ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
};
const targets = (u: Upstream, specs: Array<[string, number]>): Target[] =>
  specs.map(([target, weight], i) => {
    const r = validate(targetSchema, { id: newId(), created_at: i, updated_at: i, upstream: { id: u.id }, target, weight });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  });
const build = (u: Upstream, specs: Array<[string, number]>): Balancer => new Balancer('gw', u, targets(u, specs), '');

describe('ring-balancer', () => {
  it('parses targets with Kong’s default port 8000', () => {
    const cases: Array<[string, { host: string; port: number }]> = [
      ['a.internal', { host: 'a.internal', port: 8000 }],
      ['A.internal:81', { host: 'a.internal', port: 81 }],
      ['[::1]:82', { host: '::1', port: 82 }],
      ['[::1]', { host: '::1', port: 8000 }],
      ['::1', { host: '::1', port: 8000 }],
    ];
    for (const [input, expected] of cases) assert.deepEqual(parseTarget(input), expected, input);
  });

  it('matches xxHash32 reference vectors', () => {
    assert.equal(xxhash32(''), 0x02cc5d05);
    assert.equal(xxhash32('abc'), 0x32d153ff);
    assert.equal(xxhash32('Nobody inspects the spammish repetition'), 0xe2293b2f);
  });

  it('keeps the latest of duplicate targets', () => {
    const b = build(upstream(), [['h:1', 10], ['h:1', 30]]);
    assert.deepEqual(b.peers.map((p) => [p.target, p.weight]), [['h:1', 30]]);
  });

  it('round-robins by weight, skipping unhealthy peers, and stops under the threshold', () => {
    const b = build(upstream({ healthchecks: { threshold: 50 } }), [['a:1', 1], ['b:1', 3], ['c:1', 0]]);
    const picks = Array.from({ length: 8 }, () => b.pick(null)!.target);
    assert.deepEqual([picks.filter((p) => p === 'a:1').length, picks.filter((p) => p === 'b:1').length], [2, 6]);
    b.setHealth(b.peers[0]!, false);
    assert.deepEqual(new Set(Array.from({ length: 4 }, () => b.pick(null)!.target)), new Set(['b:1']));
    b.setHealth(b.peers[0]!, true);
    b.setHealth(b.peers[1]!, false);
    assert.equal(b.pick(null), null, '25% healthy weight is under the 50% threshold');
  });

  it('flips health after consecutive failures and successes, a success resetting failures', () => {
    const b = build(upstream(), [['a:1', 1]]);
    const limits = { successes: 2, httpFailures: 2, tcpFailures: 0, timeouts: 0 };
    const p = b.peers[0]!;
    b.report(p, 'http_failure', limits);
    b.report(p, 'success', limits);
    b.report(p, 'http_failure', limits);
    assert.equal(p.isHealthy, true);
    b.report(p, 'tcp_failure', limits);
    b.report(p, 'tcp_failure', limits);
    assert.equal(p.isHealthy, true, 'a zero limit disables the criterion');
    b.report(p, 'http_failure', limits);
    assert.equal(p.isHealthy, false);
    b.report(p, 'success', limits);
    assert.equal(p.isHealthy, false);
    b.report(p, 'success', limits);
    assert.equal(p.isHealthy, true);
  });

  it('walks the ring past unhealthy peers, and bounds points by slots', () => {
    const b = build(upstream({ algorithm: 'consistent-hashing', hash_on: 'ip', slots: 100 }), [['a:1', 1], ['b:1', 1], ['c:1', 2]]);
    assert.ok(b.ringHashes.length <= 100);
    const point = b.nextPoint(b.pointOf('10.0.0.1'), null);
    const owner = b.peerAt(point);
    assert.equal(b.peerAt(b.nextPoint(b.pointOf('10.0.0.1'), null)), owner, 'stable');
    b.setHealth(owner, false);
    assert.notEqual(b.peerAt(b.nextPoint(b.pointOf('10.0.0.1'), null)), owner);
  });
});
