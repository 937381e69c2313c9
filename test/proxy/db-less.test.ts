import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { startUpstream, type EchoedRequest } from '@gatehouse/test-kit';
import { declarativeSnapshot } from '@gatehouse/data-plane/standalone/declarative.ts';
import { runDbLess } from '@gatehouse/data-plane/standalone/run.ts';
import { send } from './harness.ts';

// DB-less mode (Kong's database=off): a data plane alone from a Kong declarative file, nested and flat
// entities, no control plane; a bad file is refused at start naming the line, entity and field.

const CLI = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

function tempFile(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-dbless-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kong.yaml');
  writeFileSync(file, text);
  return file;
}

const fileFor = (upstreamPort: number) => `_format_version: "3.0"
services:
- name: echo
  url: http://127.0.0.1:${upstreamPort}/base
  routes:
  - name: open
    paths: [/open]
  - name: locked
    paths: [/locked]
    plugins:
    - name: key-auth
      config: { key_names: [apikey] }
- name: balanced
  host: backend.internal
  path: /lb
routes:
- name: via-upstream
  service: balanced
  hosts: [lb.test]
  paths: [/]
consumers:
- username: bob
  keyauth_credentials: [{ key: secret1 }]
plugins:
- name: request-transformer
  config: { add: { headers: ["x-dbless:yes"] } }
upstreams:
- name: backend.internal
targets:
- upstream: backend.internal
  target: 127.0.0.1:${upstreamPort}
`;

describe('DB-less mode', () => {
  it('serves a declarative file alone: nested and flat routes, plugins, consumers with credentials, upstreams with targets', async (t) => {
    const upstream = await startUpstream();
    t.after(() => upstream.close());
    const dp = await runDbLess({ configFile: tempFile(t, fileFor(upstream.port)), port: 0 });
    t.after(() => dp.close());
    const echoed = (body: string) => JSON.parse(body) as EchoedRequest;

    const open = await send(dp.port, 'any.host.example', '/open/x');
    assert.equal(open.status, 200);
    assert.equal(echoed(open.body).path, '/base/x');
    assert.equal(echoed(open.body).headers['x-dbless'], 'yes');

    assert.equal((await send(dp.port, 'any.host.example', '/locked')).status, 401);
    const authed = await send(dp.port, 'any.host.example', '/locked', { headers: { apikey: 'secret1' } });
    assert.equal(authed.status, 200);
    assert.equal(echoed(authed.body).headers['x-consumer-username'], 'bob');

    const balanced = await send(dp.port, 'lb.test', '/y');
    assert.equal(balanced.status, 200);
    assert.equal(echoed(balanced.body).path, '/lb/y');
    assert.equal((await send(dp.port, 'any.host.example', '/nothing-here')).status, 404);
  });

  it('re-reads the file on reload and keeps the old configuration when the new file is bad', async (t) => {
    const upstream = await startUpstream();
    t.after(() => upstream.close());
    const file = tempFile(t, fileFor(upstream.port));
    const dp = await runDbLess({ configFile: file, port: 0 });
    t.after(() => dp.close());
    const first = dp.hash;
    writeFileSync(file, fileFor(upstream.port).replace('paths: [/open]', 'paths: [/opened]'));
    assert.notEqual(await dp.reload(), first);
    assert.equal((await send(dp.port, 'h.test', '/opened')).status, 200);
    writeFileSync(file, '_format_version: "3.0"\nservices: [{ name: a, port: nope }]\n');
    await assert.rejects(dp.reload(), { code: 'ERR_DP_DECLARATIVE_INVALID' });
    assert.equal((await send(dp.port, 'h.test', '/opened')).status, 200);
  });

  const BAD: Array<{ name: string; text: string; message: RegExp }> = [
    { name: 'a route field of the wrong type', text: 'services:\n- name: a\n  url: http://x:1\n  routes:\n  - name: r\n    strip_path: "yes"\n', message: /kong\.yaml:7: route 'r' in service 'a': strip_path must be a boolean/ },
    { name: 'a plugin config field', text: 'services:\n- name: a\n  url: http://x:1\n  plugins:\n  - name: key-auth\n    config: { key_names: 5 }\n', message: /kong\.yaml:6: plugin 'key-auth' on service 'a': config\.key_names/ },
    { name: 'an unknown plugin', text: 'plugins:\n- name: no-such-plugin\n', message: /kong\.yaml:3: plugin 'no-such-plugin' \(global\): plugin 'no-such-plugin' not enabled/ },
    { name: 'a reference to a missing service', text: 'routes:\n- name: r\n  service: missing\n  paths: [/]\n', message: /kong\.yaml:4: route 'r' references service 'missing', which is not in this file/ },
    { name: 'an upstream field', text: 'upstreams:\n- name: u\n  algorithm: fastest\n', message: /kong\.yaml:4: upstream 'u': algorithm must be one of the following values/ },
    { name: 'a target of a missing upstream', text: 'targets:\n- upstream: nope\n  target: 1.2.3.4:80\n', message: /kong\.yaml:3: target '1\.2\.3\.4:80' references upstream 'nope'/ },
    { name: 'a nested target field', text: 'upstreams:\n- name: u\n  targets:\n  - target: 1.2.3.4:80\n    weight: -1\n', message: /kong\.yaml:6: target '1\.2\.3\.4:80' of upstream 'u': weight must be greater than or equal to 0/ },
    { name: 'a service port', text: 'services:\n- name: a\n  host: x\n  port: 99999\n', message: /kong\.yaml:5: service 'a': port must be less than or equal to 65535/ },
    { name: 'invalid YAML', text: 'services: [\n', message: /kong\.yaml:\d+: invalid YAML/ },
  ];
  for (const c of BAD) {
    it(`refuses ${c.name}, naming the line, entity and field`, () => {
      assert.throws(() => declarativeSnapshot(`_format_version: "3.0"\n${c.text}`, 'kong.yaml'), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_DP_DECLARATIVE_INVALID');
        assert.match(error.message, c.message);
        return true;
      });
    });
  }

  it('refuses a file without _format_version', () => {
    assert.throws(() => declarativeSnapshot('services: []\n', 'kong.yaml'), { code: 'ERR_DP_DECLARATIVE_INVALID', message: /_format_version is required/ });
  });

  it('refuses at start a file the data plane cannot compile (a bad regex path) and listens on nothing', async (t) => {
    const file = tempFile(t, '_format_version: "3.0"\nservices:\n- name: a\n  url: http://127.0.0.1:1\n  routes:\n  - name: r\n    paths: ["~/(unclosed"]\n');
    await assert.rejects(runDbLess({ configFile: file, port: 0 }), { code: 'ERR_DP_ROUTE_REGEX_INVALID' });
  });

  it('gatehouse data-plane --config serves the file, and a bad file exits 1 naming entity and field', { timeout: 30_000 }, async (t) => {
    const upstream = await startUpstream();
    t.after(() => upstream.close());
    const bad = await runCli(['data-plane', '--config', tempFile(t, '_format_version: "3.0"\nservices:\n- name: a\n  host: x\n  retries: many\n'), '--port', '0']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /kong\.yaml:5: service 'a': retries must be an integer/);

    const child = spawn(process.execPath, [CLI, 'data-plane', '--config', tempFile(t, fileFor(upstream.port)), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let output = '';
    child.stderr.on('data', (c) => (output += c));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        output += c;
        const m = /Proxy:\s+http:\/\/[^:]+:(\d+)/.exec(output);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`exited early:\n${output}`)));
    });
    assert.equal((await send(port, 'x.test', '/open')).status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}
