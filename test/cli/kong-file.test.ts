// Issue 9 "done when": a Kong user's existing declarative file (upstreams and targets, consumers with
// keys and groups, certificates with SNIs, CA certificates) applies to a gateway and proxies the same way.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { CA_CERT, EC_CERT, EC_KEY, RSA_CERT, RSA_KEY } from '../../packages/control-plane/src/api/core-entities-certs.fixtures.ts';
import { proxyGet, runCli, startUpstream, tempConfig, proxyGetOnceServed } from './harness.ts';

const indent = (pem: string, spaces: number) => pem.trim().split('\n').join('\n' + ' '.repeat(spaces));

// As a Kong user writes it: block-scalar PEMs, nested targets, SNIs and credentials, groups by name.
const kongFile = (ports: number[], cert = RSA_CERT, key = RSA_KEY) => `_format_version: "3.0"
upstreams:
- name: orders.upstream
  algorithm: round-robin
  targets:
${ports.map((p) => `  - target: 127.0.0.1:${p}\n    weight: 100`).join('\n')}
services:
- name: orders
  host: orders.upstream
  port: 80
  path: /api
  routes:
  - name: orders
    paths: [/orders]
    plugins:
    - name: key-auth
      config:
        key_names: [apikey]
consumers:
- username: alice
  keyauth_credentials:
  - key: alice-key
  groups:
  - name: gold
- username: bob
consumer_groups:
- name: gold
certificates:
- cert: |
    ${indent(cert, 4)}
  key: |
    ${indent(key, 4)}
  snis:
  - name: shop.example.test
ca_certificates:
- cert: |
    ${indent(CA_CERT, 4)}
  tags: [internal-ca]
`;

describe('a Kong declarative file with upstreams, consumers, groups and certificates', () => {
  let platform: RunningPlatform;
  let config: ReturnType<typeof tempConfig>;
  let upstreams: Awaited<ReturnType<typeof startUpstream>>[];
  let env: Record<string, string>;
  let hostname: string;
  let cpId: string;
  const cli = (...args: string[]) => runCli(args, env);
  const file = (name: string, text: string) => {
    const path = join(config.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const api = (path: string) => platform.api('GET', `/v2/control-planes/${cpId}/core-entities${path}`);

  before(async () => {
    platform = await startPlatform();
    config = tempConfig();
    upstreams = [await startUpstream(), await startUpstream()];
    env = { GATEHOUSE_URL: platform.apiUrl, GATEHOUSE_TOKEN: platform.token, XDG_CONFIG_HOME: config.dir, HOME: config.dir };
    const created = await cli('gateways', 'create', 'kongfile', '--json');
    assert.equal(created.code, 0, created.stderr);
    ({ hostname, id: cpId } = JSON.parse(created.stdout));
  });
  after(async () => {
    for (const u of upstreams ?? []) await u.close();
    await platform?.destroy();
    config?.cleanup();
  });

  it('applies the file, then proxies through the upstream only with the key', async () => {
    const applied = await cli('apply', '-f', file('kong.yaml', kongFile(upstreams.map((u) => u.port))), '-g', 'kongfile');
    assert.equal(applied.code, 0, applied.stderr);
    for (const line of [
      /\+ create upstream 'orders\.upstream'/,
      /\+ create target '127\.0\.0\.1:\d+' of upstream 'orders\.upstream'/,
      /\+ create certificate 'sha256:[0-9a-f]{12}'/,
      /\+ create sni 'shop\.example\.test' of certificate 'sha256:[0-9a-f]{12}'/,
      /\+ create ca certificate 'sha256:[0-9a-f]{12}'/,
      /\+ create consumer group 'gold'/,
      /\+ create consumer 'alice' in consumer group 'gold'/,
      /\+ create key-auth credential 'alice-key' of consumer 'alice'/,
    ]) assert.match(applied.stdout, line);
    assert.match(applied.stdout, /14 created, 0 updated, 0 deleted/);
    assert.deepEqual((await api('/consumer_groups/gold/consumers')).body.data.map((c: any) => c.username), ['alice']);
    assert.deepEqual((await api('/certificates')).body.data[0].snis, ['shop.example.test']);

    const without = await proxyGetOnceServed(401, platform.proxyPort, hostname, '/orders/1');
    assert.equal(without.status, 401, without.body);
    const wrong = await proxyGet(platform.proxyPort, hostname, '/orders/1', { apikey: 'nope' });
    assert.equal(wrong.status, 401, wrong.body);
    const seenBefore = upstreams.map((u) => u.requests.length);
    for (let i = 0; i < 4; i++) {
      const ok = await proxyGet(platform.proxyPort, hostname, `/orders/${i}`, { apikey: 'alice-key' });
      assert.equal(ok.status, 200, ok.body);
      assert.equal(JSON.parse(ok.body).url, `/api/${i}`);
    }
    // Round-robin over both targets of the upstream.
    assert.deepEqual(upstreams.map((u, i) => u.requests.length - seenBefore[i]), [2, 2]);
    assert.equal(upstreams.flatMap((u) => u.requests).at(-1)!.headers['x-consumer-username'], 'alice');
  });

  it('plans only the change: a new target, a rotated certificate and a group left', async () => {
    const extra = await startUpstream();
    upstreams.push(extra);
    const text = kongFile(upstreams.map((u) => u.port), EC_CERT, EC_KEY).replace('  groups:\n  - name: gold\n', '');
    const diff = await cli('diff', '-f', file('kong2.yaml', text), '-g', 'kongfile');
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /\+ create target '127\.0\.0\.1:\d+' of upstream 'orders\.upstream'/);
    assert.match(diff.stdout, /\+ create certificate 'sha256:/);
    assert.match(diff.stdout, /- delete certificate 'sha256:/);
    assert.match(diff.stdout, /- delete consumer 'alice' in consumer group 'gold'/);
    assert.match(diff.stdout, /\+ create sni 'shop\.example\.test'|~ update sni 'shop\.example\.test'/);
    assert.match(diff.stdout, /changes: 2 to create, 1 to update, 2 to delete\.$/m);
    const applied = await cli('apply', '-f', file('kong2.yaml', text), '-g', 'kongfile');
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await api('/certificates')).body.data.length, 1);
    assert.equal((await api('/consumer_groups/gold/consumers')).body.data.length, 0);
    assert.equal((await api('/targets')).body.data.length, 3);
    assert.match((await cli('diff', '-f', file('kong2.yaml', text), '-g', 'kongfile')).stdout, /^No changes/);
  });

  it('dumps a file that applies back with an empty diff, leaving konnect-managed certificates alone', async () => {
    const managed = await platform.api('POST', `/v2/control-planes/${cpId}/core-entities/certificates`, { cert: RSA_CERT, key: RSA_KEY, tags: ['konnect-managed'], snis: ['custom.example.test'] });
    assert.equal(managed.status, 201, JSON.stringify(managed.body));
    // Put alice back in the group so the dump carries a membership.
    assert.equal((await platform.api('POST', `/v2/control-planes/${cpId}/core-entities/consumer_groups/gold/consumers`, { consumer: 'alice' })).status, 201);
    const out = join(config.dir, 'dump.yaml');
    const dumped = await cli('dump', '-g', 'kongfile', '-o', out);
    assert.equal(dumped.code, 0, dumped.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /upstreams:\n {2}- name: orders\.upstream\n {4}targets:\n {6}- target: 127\.0\.0\.1:\d+/);
    assert.match(text, /groups:\n\s+- name: gold/);
    assert.match(text, /snis:\n\s+- name: shop\.example\.test/);
    assert.match(text, /ca_certificates:/);
    assert.doesNotMatch(text, /konnect-managed|custom\.example\.test/);
    const diff = await cli('diff', '-f', out, '-g', 'kongfile');
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /^No changes/);
    // A file without the managed certificate neither shows nor deletes it.
    const plan = JSON.parse((await cli('apply', '-f', file('kong3.yaml', '_format_version: "3.0"\n'), '-g', 'kongfile', '--dry-run', '--json')).stdout);
    assert.ok(!plan.changes.some((c: any) => c.id === managed.body.id), 'the managed certificate is not in the plan');
    assert.equal((await platform.api('GET', `/v2/control-planes/${cpId}/core-entities/certificates/${managed.body.id}`)).status, 200);
  });

  it('refuses a file whose target names an upstream that is not in it, naming the line', async () => {
    const result = await cli('apply', '-f', file('bad.yaml', '_format_version: "3.0"\ntargets:\n- target: 10.0.0.1:80\n  upstream: nope\n'), '-g', 'kongfile');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bad\.yaml:4: target '10\.0\.0\.1:80' references upstream 'nope', which is not in this file/);
  });
});
