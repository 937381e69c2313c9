// Issue 9: `gatehouse apply|diff|dump` with Kong's declarative format, against a started platform.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { proxyGet, runCli, startUpstream, tempConfig, proxyGetOnceServed } from './harness.ts';

const kongYaml = (port: number, r1Path = '/r1') => `_format_version: "3.0"
services:
- name: echo
  url: http://127.0.0.1:${port}/base
  tags: [demo]
  routes:
  - name: r1
    paths: ["${r1Path}"]
    plugins:
    - name: request-transformer
      config:
        add:
          headers: ["x-from:\${{ env "DECK_FROM" }}"]
  plugins:
  - name: request-transformer
    config: { add: { headers: ["x-svc:1"] } }
routes:
- name: r2
  service: echo
  paths: ["/r2"]
  strip_path: false
plugins:
- name: request-transformer
  route: r2
  config: { add: { headers: ["x-r2:1"] } }
`;

describe('gatehouse apply|diff|dump', () => {
  let platform: RunningPlatform;
  let config: ReturnType<typeof tempConfig>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let env: Record<string, string>;
  let hostname: string;
  let cpId: string;
  const file = (name: string, text: string) => {
    const path = join(config.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const cli = (...args: string[]) => runCli(args, env);
  const countEntities = async () => {
    const counts: number[] = [];
    for (const type of ['services', 'routes', 'plugins']) counts.push((await platform.api('GET', `/v2/control-planes/${cpId}/core-entities/${type}`)).body.data.length);
    return counts;
  };

  before(async () => {
    platform = await startPlatform();
    config = tempConfig();
    upstream = await startUpstream();
    env = { GATEHOUSE_URL: platform.apiUrl, GATEHOUSE_TOKEN: platform.token, XDG_CONFIG_HOME: config.dir, HOME: config.dir, DECK_FROM: 'file' };
    const created = await cli('gateways', 'create', 'decl', '--json');
    assert.equal(created.code, 0, created.stderr);
    ({ hostname, id: cpId } = JSON.parse(created.stdout));
  });
  after(async () => {
    await upstream?.close();
    await platform?.destroy();
    config?.cleanup();
  });

  it('applies services with nested and top-level routes and plugins, and proxies', async () => {
    const path = file('kong.yaml', kongYaml(upstream.port));
    const dry = await cli('apply', '-f', path, '-g', 'decl', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /6 changes: 6 to create, 0 to update, 0 to delete\.\nDry run/);
    assert.deepEqual(await countEntities(), [0, 0, 0]);

    const applied = await cli('apply', '-f', path, '-g', 'decl');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /\+ create service 'echo'/);
    assert.match(applied.stdout, /\+ create plugin 'request-transformer' on route 'r2'/);
    assert.match(applied.stdout, /6 created, 0 updated, 0 deleted/);
    assert.deepEqual(await countEntities(), [1, 2, 3]);

    const r1 = await proxyGetOnceServed(200, platform.proxyPort, hostname, '/r1/a');
    assert.equal(r1.status, 200, r1.body);
    let seen = upstream.requests.at(-1)!;
    assert.equal(seen.url, '/base/a');
    assert.equal(seen.headers['x-from'], 'file');
    const r2 = await proxyGet(platform.proxyPort, hostname, '/r2/b');
    assert.equal(r2.status, 200, r2.body);
    seen = upstream.requests.at(-1)!;
    assert.equal(seen.url, '/base/r2/b');
    assert.equal(seen.headers['x-r2'], '1');

    const again = await cli('diff', '-f', path, '-g', 'decl');
    assert.match(again.stdout, /^No changes/);
  });

  it('re-applies a changed file with a plan of only the change', async () => {
    const path = file('kong2.yaml', kongYaml(upstream.port, '/one'));
    const applied = await cli('apply', '-f', path, '-g', 'decl');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^ {2}~ update route 'r1' in service 'echo'\n {6}paths: \["\/r1"\] -> \["\/one"\]\n1 change: 0 to create, 1 to update, 0 to delete\./);
    assert.equal((await proxyGetOnceServed(200, platform.proxyPort, hostname, '/one/x')).status, 200);

    // Removing the top-level plugin plans one delete.
    const without = kongYaml(upstream.port, '/one').replace(/plugins:\n- name: request-transformer\n {2}route: r2\n.*\n$/, '');
    const json = JSON.parse((await cli('diff', '-f', file('kong3.yaml', without), '-g', 'decl', '--json')).stdout);
    assert.deepEqual(json.summary, { create: 0, update: 0, delete: 1 });
    assert.equal(json.changes[0].label, "plugin 'request-transformer' on route 'r2'");
  });

  it('dumps a file that applies back with an empty diff and leaves konnect-managed entities alone', async () => {
    const managed = await platform.api('POST', `/v2/control-planes/${cpId}/core-entities/plugins`, { name: 'request-transformer', tags: ['konnect-managed'], config: {} });
    assert.equal(managed.status, 201);
    const out = join(config.dir, 'dump.yaml');
    const dumped = await cli('dump', '-g', 'decl', '-o', out);
    assert.equal(dumped.code, 0, dumped.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^_format_version: "3.0"/);
    assert.doesNotMatch(text, /konnect-managed/);
    const diff = await cli('diff', '-f', out, '-g', 'decl');
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /^No changes/);
    const apply = JSON.parse((await cli('apply', '-f', out, '-g', 'decl', '--json')).stdout);
    assert.deepEqual(apply.summary, { create: 0, update: 0, delete: 0 });
    // A file without the managed plugin does not delete it.
    assert.equal((await platform.api('GET', `/v2/control-planes/${cpId}/core-entities/plugins/${managed.body.id}`)).status, 200);
  });

  it('with select_tags, manages only its own tagged entities', async () => {
    const teamB = `_format_version: "3.0"\n_info:\n  select_tags: [team-b]\nservices:\n- name: other\n  url: http://127.0.0.1:${upstream.port}\n  routes:\n  - name: rb\n    paths: [/b]\n`;
    const path = file('team-b.yaml', teamB);
    const applied = await cli('apply', '-f', path, '-g', 'decl');
    assert.equal(applied.code, 0, applied.stderr);
    // The untagged entities from the other files are outside team-b's view: nothing is deleted.
    assert.match(applied.stdout, /2 changes: 2 to create, 0 to update, 0 to delete\./);
    const svc = await platform.api('GET', `/v2/control-planes/${cpId}/core-entities/services/other`);
    assert.deepEqual(svc.body.tags, ['team-b']);
    const dumped = await cli('dump', '-g', 'decl', '--select-tag', 'team-b');
    assert.match(dumped.stdout, /select_tags:\n\s+- team-b/);
    assert.doesNotMatch(dumped.stdout, /name: echo/);
    assert.match((await cli('diff', '-f', file('team-b-dump.yaml', dumped.stdout), '-g', 'decl')).stdout, /^No changes/);
    // Leave the gateway as the other tests expect it.
    const removed = await cli('apply', '-f', file('team-b-empty.yaml', '_format_version: "3.0"\n_info:\n  select_tags: [team-b]\n'), '-g', 'decl');
    assert.match(removed.stdout, /2 changes: 0 to create, 0 to update, 2 to delete\./);
  });

  it('fails on bad files before anything is changed, naming the line or entity', async () => {
    const before = await countEntities();
    const cases: [string, string, RegExp][] = [
      ['syntax.yaml', '_format_version: "3.0"\nservices:\n- name: a\n  host: [x\n', /syntax\.yaml:\d+: invalid YAML/],
      ['unknown.yaml', '_format_version: "3.0"\nservices:\n- name: a\n  host: x\n  colour: blue\n', /unknown\.yaml:5: service 'a': unknown field 'colour'/],
      ['dangling.yaml', '_format_version: "3.0"\nservices:\n- name: a\n  host: x\nroutes:\n- name: r\n  service: nope\n  paths: [/]\n', /dangling\.yaml:7: route 'r' references service 'nope', which is not in this file/],
      ['type.yaml', '_format_version: "3.0"\nservices:\n- name: a\n  host: x\n  port: high\n', /type\.yaml:5: service 'a': port must be an integer/],
      ['env.yaml', '_format_version: "3.0"\nservices:\n- name: a\n  host: ${{ env "DECK_MISSING" }}\n', /env\.yaml:4: environment variable DECK_MISSING is not set/],
      ['version.yaml', 'services: []\n', /_format_version is required/],
      ['nested.yaml', '_format_version: "3.0"\nservices:\n- name: a\n  host: x\n  routes:\n  - name: r\n    service: a\n', /nested\.yaml:7: route 'r' in service 'a': 'service' must not be set/],
      ['twice.yaml', '_format_version: "3.0"\nservices:\n- name: a\n  host: x\n- name: a\n  host: y\n', /twice\.yaml:5: service 'a' is defined twice \(also at line 3\)/],
    ];
    for (const [name, text, message] of cases) {
      const result = await cli('apply', '-f', file(name, text), '-g', 'decl');
      assert.equal(result.code, 1, `${name}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message, name);
      assert.match(result.stderr, /nothing was changed|DECK_/, name);
      assert.equal(result.stdout, '', name);
    }
    assert.deepEqual(await countEntities(), before);
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [['apply', '-g', 'decl'], ['diff', '-f'], ['dump', '-g', 'decl', '--bogus'], ['apply', '-f', 'x.yaml', 'extra']]) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /Usage: gatehouse/);
    }
  });

  it('reports a change the API refuses, what was applied before it, and how to go on', async () => {
    const text = `_format_version: "3.0"\nservices:\n- name: partial\n  host: example.internal\n  plugins:\n  - name: no-such-plugin\n`;
    const result = await cli('apply', '-f', file('partial.yaml', text), '-g', 'decl', '--select-tag', 'partial');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /create plugin 'no-such-plugin' on service 'partial' failed: .*\(1 of 2 changes were applied before it\)/);
    assert.match(result.stderr, /run apply again/);
  });

  it('applies consumers with credentials, plans credential changes by key, and dumps them back', async () => {
    const people = (group: string) => `_format_version: "3.0"
_info:
  select_tags: [people]
consumers:
- username: bob
  custom_id: b-1
  keyauth_credentials: [{ key: bob-key }]
  acls: [{ group: ${group} }]
  basicauth_credentials: [{ username: bob, password: s3cret }]
- username: carol
  keyauth_credentials: [{}]
plugins:
- name: request-transformer
  consumer: carol
  config: { add: { headers: ["x-consumer:carol"] } }
`;
    const applied = await cli('apply', '-f', file('people.yaml', people('admins')), '-g', 'decl');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /\+ create consumer 'bob'/);
    assert.match(applied.stdout, /\+ create key-auth credential 'bob-key' of consumer 'bob'/);
    assert.match(applied.stdout, /\+ create plugin 'request-transformer' on consumer 'carol'/);
    assert.match(applied.stdout, /7 created, 0 updated, 0 deleted/);
    const keys = (await platform.api('GET', `/v2/control-planes/${cpId}/core-entities/consumers/carol/key-auth`)).body.data;
    assert.equal(keys.length, 1);
    assert.ok(keys[0].key.length > 10, 'Kong generates a key when the file has none');

    // Generated keys, hashed passwords: nothing to change.
    assert.match((await cli('diff', '-f', file('people.yaml', people('admins')), '-g', 'decl')).stdout, /^No changes/);
    const changed = await cli('apply', '-f', file('people2.yaml', people('ops')), '-g', 'decl');
    assert.match(changed.stdout, /^ {2}\+ create acl 'ops' of consumer 'bob'\n {2}- delete acl 'admins' of consumer 'bob'\n2 changes/);

    const dumped = await cli('dump', '-g', 'decl', '--select-tag', 'people', '-o', join(config.dir, 'people-dump.yaml'));
    assert.equal(dumped.code, 0, dumped.stderr);
    const text = readFileSync(join(config.dir, 'people-dump.yaml'), 'utf8');
    assert.match(text, /consumers:\n\s+- username: bob/);
    assert.match(text, /keyauth_credentials:\n\s+- key: bob-key/);
    assert.doesNotMatch(text, /password/);
    assert.match((await cli('diff', '-f', join(config.dir, 'people-dump.yaml'), '-g', 'decl')).stdout, /^No changes/);
  });
});
