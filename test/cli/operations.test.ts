// Issue 9: `gatehouse domains`, `nodes` and `data-plane`, as subprocesses against a started platform.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { createSelfSigned } from '../../packages/control-plane/src/clustering/certs.ts';
import { MAIN, proxyGet, runCli, startUpstream, tempConfig } from './harness.ts';

describe('gatehouse domains|nodes|data-plane', () => {
  let platform: RunningPlatform;
  let config: ReturnType<typeof tempConfig>;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);

  before(async () => {
    // No real DNS from tests: the CNAME check asks a loopback port where nothing answers.
    platform = await startPlatform({ env: { GATEHOUSE_DNS_SERVERS: '127.0.0.1:9' } });
    config = tempConfig();
    env = { GATEHOUSE_URL: platform.apiUrl, GATEHOUSE_TOKEN: platform.token, XDG_CONFIG_HOME: config.dir, HOME: config.dir };
    const created = await cli('gateways', 'create', 'shop', '--json');
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await platform?.destroy();
    config?.cleanup();
  });

  it('adds a custom domain and prints the CNAME record, shows its status, and removes it', async () => {
    const added = await cli('domains', 'add', 'api.example.com', '--gateway', 'shop');
    assert.equal(added.code, 0, added.stderr);
    const cnameTarget = /api\.example\.com\. {2}CNAME {2}(\S+)\./.exec(added.stdout)?.[1];
    assert.ok(cnameTarget, added.stdout);
    assert.match(added.stdout, /Create this DNS record at your DNS provider:/);
    const stored = (await platform.api('GET', '/v3/cloud-gateways/custom-domains?filter[domain][eq]=api.example.com')).body.data;
    assert.equal(stored.length, 1);
    assert.equal(stored[0].cname_target, cnameTarget);

    const status = await cli('domains', 'status', 'api.example.com');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^domain: +api\.example\.com$/m);
    assert.match(status.stdout, new RegExp(`^state: +${stored[0].state}$`, 'm'));
    assert.match(status.stdout, /^reason: +\S/m);
    assert.match(status.stdout, /^cname: +unverified$/m);
    assert.match(status.stdout, new RegExp(`^cname_target: +${cnameTarget.replaceAll('.', '\\.')}$`, 'm'));
    const json = JSON.parse((await cli('domains', 'status', stored[0].id, '--json')).stdout);
    assert.equal(json.id, stored[0].id);
    assert.deepEqual(Object.keys(json.online_status).sort(), ['cname', 'ssl']);
    assert.match((await cli('domains', 'list', '-g', 'shop')).stdout, /api\.example\.com/);

    const unconfirmed = await cli('domains', 'remove', 'api.example.com');
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--yes/);
    const removed = await cli('domains', 'remove', 'api.example.com', '--yes');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /Removed custom domain api\.example\.com/);
    const missing = await cli('domains', 'status', 'api.example.com');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no custom domain 'api\.example\.com'\n.*gatehouse domains list/);
  });

  it('refuses a domain the API rejects, naming the field', async () => {
    const bad = await cli('domains', 'add', 'not a domain', '--gateway', 'shop');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /rejected the request \(400\): .*domain/);
    assert.equal((await platform.api('GET', '/v3/cloud-gateways/custom-domains')).body.data.length, 0);
  });

  it('runs a self-managed data plane that syncs, proxies and shows up in `nodes`', async (t) => {
    const cp = await platform.api('POST', '/v2/control-planes', { name: 'onprem', cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE', auth_type: 'pinned_client_certs' });
    assert.equal(cp.status, 201, JSON.stringify(cp.body));
    assert.match((await cli('nodes', 'onprem')).stdout, /No data-plane nodes are connected to 'onprem'\. Start one with `gatehouse data-plane --control-plane https:/);
    const pair = await createSelfSigned({ commonName: 'dp-cli' });
    assert.equal((await platform.api('POST', `/v2/control-planes/${cp.body.id}/dp-client-certificates`, { cert: pair.cert })).status, 201);
    writeFileSync(join(config.dir, 'dp.crt'), pair.cert);
    writeFileSync(join(config.dir, 'dp.key'), pair.key);
    const caFile = /CA: (\S+)\)/.exec(platform.output())![1];
    const upstream = await startUpstream();
    t.after(() => upstream.close());

    // The flags; the CA through its environment variable, as a container would pass it.
    const child = spawn(process.execPath, [MAIN, 'data-plane', '--control-plane', cp.body.config.control_plane_endpoint, '--cert', join(config.dir, 'dp.crt'), '--key', join(config.dir, 'dp.key'), '--port', '0', '--data-dir', join(config.dir, 'dp')], {
      env: { ...env, PATH: process.env.PATH!, GATEHOUSE_CLUSTER_CA_CERT: caFile, GATEHOUSE_LOG_LEVEL: 'warn', GATEHOUSE_CLUSTER_HEARTBEAT_MS: '500' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    t.after(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const port = await until('the data plane to listen', async () => Number(/Proxy: +http:\/\/[^\s]+:(\d+)/.exec(output)?.[1]) || undefined);

    const file = join(config.dir, 'onprem.yaml');
    writeFileSync(file, `_format_version: "3.0"\nservices:\n- name: echo\n  url: http://127.0.0.1:${upstream.port}\n  routes:\n  - name: all\n    paths: [/]\n`);
    assert.equal((await cli('apply', '-f', file, '-g', 'onprem')).code, 0);
    const proxied = await until('the node to serve the route', async () => {
      const res = await proxyGet(port, 'any.host', '/hello');
      return res.status === 200 ? res : undefined;
    });
    assert.equal(JSON.parse(proxied.body).url, '/hello');

    const nodes = JSON.parse((await cli('nodes', '--gateway', 'onprem', '--json')).stdout);
    assert.equal(nodes.length, 1);
    assert.match(nodes[0].config_hash, /^[0-9a-f]{32}$/);
    assert.notEqual(nodes[0].config_hash, '0'.repeat(32));
    const table = await cli('nodes', 'onprem');
    assert.match(table.stdout, /^HOSTNAME +ID +VERSION +LAST PING +CONFIG HASH +SYNC$/m);
    assert.ok(table.stdout.includes(nodes[0].id) && table.stdout.includes(nodes[0].config_hash), table.stdout);

    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  });

  it('exits 2 when the data plane is missing what it needs, naming the flags and variables', async () => {
    const result = await cli('data-plane', '--cert', 'x.crt');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing --control-plane, --key \(or GATEHOUSE_CLUSTER_CONTROL_PLANE, GATEHOUSE_CLUSTER_CERT_KEY\)/);
    const nodes = await cli('nodes');
    assert.equal(nodes.code, 2);
  });
});

/** Polls `fn` until it returns a value, at most 100 times 100 ms apart. */
async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
