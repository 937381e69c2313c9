import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@gatehouse/schema';
import { balancedSnapshot, closedPort, eventually, send, startDataPlane, startFlipServer, startSilentServer, upstreams } from './harness.ts';

const target = (port: number, host = '127.0.0.1'): string => `${host}:${port}`;
const counts = (servers: Array<{ requests: unknown[] }>): number[] => servers.map((s) => s.requests.length);

describe('balancing through upstreams and targets', () => {
  it('distributes round-robin by weight and sends nothing to weight 0', async (t) => {
    const [a, b, c] = await upstreams(t, 3);
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ targets: [{ target: target(a!.port), weight: 100 }, { target: target(b!.port), weight: 200 }, { target: target(c!.port), weight: 0 }] }));
    for (let i = 0; i < 30; i++) assert.equal((await send(port, '/x')).status, 200);
    assert.deepEqual(counts([a!, b!, c!]), [10, 20, 0]);
  });

  it('sends the target name as Host, or the upstream host_header', async (t) => {
    const [a] = await upstreams(t, 1);
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ targets: [{ target: target(a!.port, 'localhost') }] }));
    await send(port, '/h');
    assert.equal(a!.requests.at(-1)!.headers.host, `localhost:${a!.port}`);
    dp.applySnapshot(balancedSnapshot({ upstream: { host_header: 'api.example' }, targets: [{ target: target(a!.port) }] }));
    await send(port, '/h');
    assert.equal(a!.requests.at(-1)!.headers.host, `api.example:${a!.port}`);
  });

  it('answers 503 from the ring-balancer when no target can take traffic', async (t) => {
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ targets: [{ target: '127.0.0.1:1', weight: 0 }] }));
    const res = await send(port, '/', { headers: { accept: 'application/json' } });
    assert.equal(res.status, 503);
    assert.equal(JSON.parse(res.body).message, 'failure to get a peer from the ring-balancer');
    dp.applySnapshot(balancedSnapshot({ targets: [] }));
    assert.equal((await send(port, '/')).status, 503);
  });

  it('keeps a hashed key on one target, and moves only keys to a new target when one is added', async (t) => {
    const servers = await upstreams(t, 4);
    const { dp, port } = await startDataPlane(t);
    const upstreamId = newId();
    const gatewayId = newId();
    const ids = servers.map(() => newId());
    const config = (n: number) => balancedSnapshot({ gatewayId, upstreamId, upstream: { algorithm: 'consistent-hashing', hash_on: 'header', hash_on_header: 'x-user' }, targets: servers.slice(0, n).map((s, i) => ({ target: target(s.port), id: ids[i] })) });
    dp.applySnapshot(config(3));
    const owner = async (user: string): Promise<number> => {
      const before = counts(servers);
      assert.equal((await send(port, '/', { headers: { 'x-user': user } })).status, 200);
      return counts(servers).findIndex((n, i) => n !== before[i]);
    };
    const users = Array.from({ length: 24 }, (_, i) => `user-${i}`);
    const first = new Map<string, number>();
    for (const u of users) first.set(u, await owner(u));
    for (const u of users.slice(0, 8)) assert.equal(await owner(u), first.get(u), `${u} stays on its target`);
    assert.ok(new Set(first.values()).size > 1, 'keys spread over several targets');
    dp.applySnapshot(config(4));
    for (const u of users) {
      const now = await owner(u);
      if (now !== first.get(u)) assert.equal(now, 3, `${u} moved, and only to the new target`);
    }
  });

  it('hashes on a cookie, creating it when the client has none', async (t) => {
    const servers = await upstreams(t, 3);
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ upstream: { algorithm: 'consistent-hashing', hash_on: 'cookie', hash_on_cookie: 'lb', hash_on_cookie_path: '/app' }, targets: servers.map((s) => ({ target: target(s.port) })) }));
    const res = await send(port, '/');
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, /^lb=[0-9a-f-]{36}; Path=\/app; Same-Site=Lax; HttpOnly$/);
    const value = cookie.slice(0, cookie.indexOf(';'));
    const owner = counts(servers).findIndex((n) => n === 1);
    for (let i = 0; i < 5; i++) {
      const again = await send(port, '/', { headers: { cookie: value } });
      assert.equal(again.headers['set-cookie'], undefined);
    }
    assert.equal(servers[owner]!.requests.length, 6, 'the cookie keeps the client on its target');
  });

  it('retries a refused connection on the next target and counts it as a passive failure', async (t) => {
    const [a] = await upstreams(t, 1);
    const dead = await closedPort();
    const { dp, port } = await startDataPlane(t);
    const s = balancedSnapshot({ upstream: { healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } } as never }, targets: [{ target: target(dead) }, { target: target(a!.port) }] });
    dp.applySnapshot(s);
    for (let i = 0; i < 4; i++) assert.equal((await send(port, '/r')).status, 200);
    assert.equal(a!.requests.length, 4);
    const report = dp.healthReport()[0]!.upstreams[0]!;
    assert.equal(report.health, 'HEALTHY');
    assert.deepEqual(report.targets.map((x) => [x.target, x.health]), [[target(dead), 'UNHEALTHY'], [target(a!.port), 'HEALTHY']]);
  });

  it('answers 502 when a refused try has no retries left', async (t) => {
    const [a] = await upstreams(t, 1);
    const dead = await closedPort();
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ service: { retries: 0 }, targets: [{ target: target(dead) }, { target: target(a!.port) }] }));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(port, '/')).status);
    assert.deepEqual(statuses.sort(), [200, 200, 502, 502]);
  });

  it('answers 504 on a read timeout, retries idempotent requests on the next target, not POST', async (t) => {
    const [a] = await upstreams(t, 1);
    const silent = await startSilentServer(t);
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ service: { retries: 0, read_timeout: 150 }, targets: [{ target: target(silent.port) }] }));
    const res = await send(port, '/slow', { headers: { accept: 'application/json' } });
    assert.equal(res.status, 504);
    assert.equal(JSON.parse(res.body).message, 'The upstream server is timing out');

    dp.applySnapshot(balancedSnapshot({ service: { retries: 1, read_timeout: 150 }, targets: [{ target: target(silent.port) }, { target: target(a!.port) }] }));
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await send(port, '/get')).status);
    assert.deepEqual(statuses, [200, 200]);
    const posts: number[] = [];
    for (let i = 0; i < 2; i++) posts.push((await send(port, '/post', { method: 'POST' })).status);
    assert.deepEqual(posts.sort(), [200, 504], 'a POST that timed out is not sent again');
  });

  it('takes a target out after passive HTTP failures and answers 503 when none is left', async (t) => {
    const bad = await startFlipServer(t, 500);
    const good = await startFlipServer(t, 200);
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ upstream: { healthchecks: { passive: { unhealthy: { http_failures: 2 } } } as never }, targets: [{ target: target(bad.port) }, { target: target(good.port) }] }));
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await send(port, '/')).status);
    assert.equal(bad.hits, 2, 'two 500s, then no more traffic');
    assert.equal(statuses.filter((s) => s === 500).length, 2, 'upstream statuses are passed through');
    good.status = 503;
    for (let i = 0; i < 2; i++) assert.equal((await send(port, '/')).status, 503);
    const res = await send(port, '/', { headers: { accept: 'application/json' } });
    assert.equal(res.status, 503);
    assert.equal(JSON.parse(res.body).message, 'failure to get a peer from the ring-balancer');
    assert.equal(dp.healthReport()[0]!.upstreams[0]!.health, 'UNHEALTHY');
  });

  it('takes a target out with active checks and brings it back', async (t) => {
    const flaky = await startFlipServer(t);
    const [steady] = await upstreams(t, 1);
    const { dp, port } = await startDataPlane(t);
    const healthchecks = { active: { http_path: '/status', healthy: { interval: 0.05, successes: 1 }, unhealthy: { interval: 0.05, http_failures: 1 } } };
    dp.applySnapshot(balancedSnapshot({ upstream: { healthchecks: healthchecks as never }, targets: [{ target: target(flaky.port) }, { target: target(steady!.port) }] }));
    const flakyHealth = () => dp.healthReport()[0]!.upstreams[0]!.targets[0]!.health;
    assert.equal(flakyHealth(), 'HEALTHY');
    flaky.status = 503;
    assert.ok(await eventually(() => flakyHealth() === 'UNHEALTHY'), 'the failing probe takes the target out');
    const traffic = () => steady!.requests.filter((r) => r.path === '/traffic').length;
    for (let i = 0; i < 6; i++) assert.equal((await send(port, '/traffic')).status, 200);
    assert.equal(traffic(), 6, 'all traffic goes to the healthy target');
    flaky.status = 200;
    assert.ok(await eventually(() => flakyHealth() === 'HEALTHY'), 'a passing probe brings it back');
    const hitsBefore = flaky.hits;
    for (let i = 0; i < 6; i++) await send(port, '/');
    assert.ok(flaky.hits - hitsBefore >= 3, 'traffic returns to the target');

    dp.removeGateway(dp.healthReport()[0]!.gatewayId);
    const stoppedAt = flaky.hits;
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(flaky.hits - stoppedAt <= 1, 'probes stop once the gateway is removed');
  });

  it('keeps target health across a snapshot swap that leaves the upstream unchanged', async (t) => {
    const bad = await startFlipServer(t, 500);
    const [good] = await upstreams(t, 1);
    const { dp, port } = await startDataPlane(t);
    const gatewayId = newId();
    const upstreamId = newId();
    const ids = [newId(), newId()];
    const config = (extraPaths: string[], extraTarget: number | null) =>
      balancedSnapshot({
        gatewayId,
        upstreamId,
        extraPaths,
        upstream: { healthchecks: { passive: { unhealthy: { http_failures: 1 } } } as never },
        targets: [{ target: target(bad.port), id: ids[0] }, { target: target(good!.port), id: ids[1] }, ...(extraTarget === null ? [] : [{ target: target(extraTarget), weight: 0 }])],
      });
    dp.applySnapshot(config([], null));
    for (let i = 0; i < 3; i++) await send(port, '/');
    assert.equal(bad.hits, 1);
    dp.applySnapshot(config(['/other'], null));
    for (let i = 0; i < 3; i++) await send(port, '/');
    assert.equal(bad.hits, 1, 'an unrelated change keeps the target out');
    dp.applySnapshot(config(['/other'], await closedPort()));
    for (let i = 0; i < 3; i++) await send(port, '/');
    assert.equal(bad.hits, 1, 'a changed upstream takes over the health of its unchanged targets');
    assert.deepEqual(dp.healthReport()[0]!.upstreams[0]!.targets.map((x) => x.health), ['UNHEALTHY', 'HEALTHY', 'HEALTHY']);
  });

  it('prefers the target with fewer connections (least-connections)', async (t) => {
    const silent = await startSilentServer(t);
    const [a] = await upstreams(t, 1);
    const { dp, port } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ upstream: { algorithm: 'least-connections' }, service: { retries: 0, read_timeout: 600 }, targets: [{ target: target(silent.port) }, { target: target(a!.port) }] }));
    const hung = send(port, '/hang');
    assert.ok(await eventually(() => silent.hits === 1), 'the first request holds a connection to the silent target');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(port, '/')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    assert.equal((await hung).status, 504);
  });

  it('reports HEALTHCHECKS_OFF when no check is configured', async (t) => {
    const { dp } = await startDataPlane(t);
    dp.applySnapshot(balancedSnapshot({ targets: [{ target: '127.0.0.1:9', weight: 0 }] }));
    const [gw] = dp.healthReport();
    assert.equal(gw!.upstreams[0]!.health, 'HEALTHCHECKS_OFF');
    assert.deepEqual(gw!.upstreams[0]!.targets[0], { id: gw!.upstreams[0]!.targets[0]!.id, target: '127.0.0.1:9', weight: 0, health: 'HEALTHCHECKS_OFF', addresses: [{ ip: '127.0.0.1', port: 9, health: 'HEALTHCHECKS_OFF', weight: 0 }] });
  });
});
