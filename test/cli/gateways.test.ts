// Issue 9: `gatehouse gateways create|list|get|delete` against a started platform.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { runCli, startUpstream, tempConfig, proxyGetOnceServed } from './harness.ts';

describe('gatehouse gateways', () => {
  let platform: RunningPlatform;
  let config: ReturnType<typeof tempConfig>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let env: Record<string, string>;
  before(async () => {
    platform = await startPlatform();
    config = tempConfig();
    upstream = await startUpstream();
    env = { GATEHOUSE_URL: platform.apiUrl, GATEHOUSE_TOKEN: platform.token, XDG_CONFIG_HOME: config.dir, HOME: config.dir };
  });
  after(async () => {
    await upstream?.close();
    await platform?.destroy();
    config?.cleanup();
  });

  it('creates a gateway that answers through the proxy', async () => {
    const created = await runCli(['gateways', 'create', 'shop', '--description', 'the shop'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /Creating gateway 'shop'.*ready/s);
    const hostname = /hostname:\s+(\S+)/.exec(created.stdout)?.[1];
    assert.ok(hostname, created.stdout);
    // The port is the CP's configured proxy port, which reads 0 when the platform binds an ephemeral port
    // (config.proxyPort is not updated with the bound port yet), so only the host is pinned here.
    assert.match(created.stdout, new RegExp(`curl -i http://${hostname.replaceAll('.', '\\.')}:\\d+/`));

    const json = JSON.parse((await runCli(['gateways', 'get', 'shop', '--json'], env)).stdout);
    assert.equal(json.name, 'shop');
    assert.equal(json.configuration.dataplane_groups[0].state, 'ready');

    // Wire a service and route with the API directly; apply has its own test.
    const svc = await platform.api('POST', `/v2/control-planes/${json.id}/core-entities/services`, { name: 'up', url: `http://127.0.0.1:${upstream.port}` });
    assert.equal(svc.status, 201);
    await platform.api('POST', `/v2/control-planes/${json.id}/core-entities/services/up/routes`, { name: 'r', paths: ['/'] });
    const res = await proxyGetOnceServed(200, platform.proxyPort, hostname, '/hello');
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.at(-1)?.url, '/hello');
  });

  it('refuses a taken name with exit 1 and a next step', async () => {
    const again = await runCli(['gateways', 'create', 'shop'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /a gateway named 'shop' already exists\nPick another name/);
  });

  it('creates a V0 gateway and lists both', async () => {
    const created = await runCli(['gateways', 'create', 'legacy', '--v0', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const body = JSON.parse(created.stdout);
    assert.equal(body.kind, 'serverless.v0');
    assert.match(body.hostname, /^kong-[0-9a-f]{10}\./);
    const list = await runCli(['gateways', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+ID\s+KIND/);
    assert.match(list.stdout, /shop\s.*serverless\.v1/);
    assert.match(list.stdout, /legacy\s.*serverless\.v0/);
  });

  it('refuses to delete without a terminal or --yes (exit 2), deletes with --yes', async () => {
    const refused = await runCli(['gateways', 'delete', 'legacy'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--yes/);
    assert.equal((await runCli(['gateways', 'get', 'legacy'], env)).code, 0);
    const deleted = await runCli(['gateways', 'delete', 'legacy', '--yes'], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await runCli(['gateways', 'get', 'legacy'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no gateway named 'legacy'[\s\S]*gateways list/);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [['gateways', 'create'], ['gateways', 'get', 'a', 'b'], ['gateways', 'create', 'x', '--v9']]) {
      const result = await runCli(args, env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /Usage: gatehouse gateways/);
    }
  });
});
