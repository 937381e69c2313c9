// Issue 9: quick edits with `gatehouse services|routes|plugins list|get|create|delete`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { runCli, startUpstream, tempConfig, proxyGetOnceServed } from './harness.ts';

describe('gatehouse services|routes|plugins', () => {
  let platform: RunningPlatform;
  let config: ReturnType<typeof tempConfig>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let env: Record<string, string>;
  let hostname: string;
  before(async () => {
    platform = await startPlatform();
    config = tempConfig();
    upstream = await startUpstream();
    env = { GATEHOUSE_URL: platform.apiUrl, GATEHOUSE_TOKEN: platform.token, XDG_CONFIG_HOME: config.dir, HOME: config.dir };
    const created = await runCli(['gateways', 'create', 'quick', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    hostname = JSON.parse(created.stdout).hostname;
  });
  after(async () => {
    await upstream?.close();
    await platform?.destroy();
    config?.cleanup();
  });

  it('creates with key=value and --data, lists, gets and proxies', async () => {
    const svc = await runCli(['services', 'create', '--gateway', 'quick', 'name=up', `url=http://127.0.0.1:${upstream.port}/base`, 'tags=a,b'], env);
    assert.equal(svc.code, 0, svc.stderr);
    assert.match(svc.stdout, /Created service up \(/);
    const route = await runCli(['routes', 'create', '-g', 'quick', '--service', 'up', '--data', '{"name":"r1","paths":["/r1"]}'], env);
    assert.equal(route.code, 0, route.stderr);
    const plugin = await runCli(['plugins', 'create', '-g', 'quick', '--route', 'r1', 'name=request-transformer', 'config.add.headers=["x-added:yes"]'], env);
    assert.equal(plugin.code, 0, plugin.stderr);

    const services = await runCli(['services', 'list', '-g', 'quick'], env);
    assert.match(services.stdout, /^NAME\s+ID\s+PROTOCOL/);
    assert.match(services.stdout, /up\s+\S+\s+http\s+127\.0\.0\.1\s+\d+\s+\/base\s+a,b/);
    const routes = await runCli(['routes', 'list', '-g', 'quick'], env);
    assert.match(routes.stdout, /r1\s+\S+\s+up\s+\/r1/);
    const plugins = JSON.parse((await runCli(['plugins', 'list', '-g', 'quick', '--json'], env)).stdout);
    assert.equal(plugins.length, 1);
    assert.equal(plugins[0].name, 'request-transformer');
    const got = JSON.parse((await runCli(['routes', 'get', 'r1', '-g', 'quick', '--json'], env)).stdout);
    assert.deepEqual(got.paths, ['/r1']);

    const res = await proxyGetOnceServed(200, platform.proxyPort, hostname, '/r1/x');
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.at(-1)?.url, '/base/x');
    assert.equal(upstream.requests.at(-1)?.headers['x-added'], 'yes');
  });

  it('deletes by name and reports a missing entity with exit 1', async () => {
    const del = await runCli(['plugins', 'list', '-g', 'quick', '--json'], env);
    const [plugin] = JSON.parse(del.stdout);
    assert.equal((await runCli(['plugins', 'delete', plugin.id, '-g', 'quick'], env)).code, 0);
    assert.equal((await runCli(['routes', 'delete', 'r1', '-g', 'quick'], env)).code, 0);
    const missing = await runCli(['routes', 'get', 'r1', '-g', 'quick'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found[\s\S]*Check the name or id/);
  });

  it('creates, lists and deletes consumers', async () => {
    assert.equal((await runCli(['consumers', 'create', '-g', 'quick', 'username=bob', 'custom_id=b-1'], env)).code, 0);
    const list = await runCli(['consumers', 'list', '-g', 'quick'], env);
    assert.match(list.stdout, /^USERNAME\s+CUSTOM ID\s+ID/);
    assert.match(list.stdout, /bob\s+b-1\s+/);
    assert.equal((await runCli(['consumers', 'delete', 'bob', '-g', 'quick'], env)).code, 0);
    assert.equal(JSON.parse((await runCli(['consumers', 'list', '-g', 'quick', '--json'], env)).stdout).length, 0);
  });

  it('exits 2 on usage errors and names the fix', async () => {
    const cases: [string[], RegExp][] = [
      [['services', 'list'], /--gateway/],
      [['services', 'create', '-g', 'quick'], /--data/],
      [['services', 'create', '-g', 'quick', 'oops'], /key=value/],
      [['services', 'create', '-g', 'quick', '--data', '{bad'], /not valid JSON/],
      [['services', 'frobnicate'], /services list/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it('explains an API validation error with exit 1', async () => {
    const result = await runCli(['services', 'create', '-g', 'quick', 'name=bad', 'host=x', 'port=99999'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /port/);
    assert.match(result.stderr, /Fix the fields/);
  });
});
