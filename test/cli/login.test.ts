// Issue 9: `gatehouse login` stores a profile that later commands use.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { runCli, tempConfig } from './harness.ts';

describe('gatehouse login', () => {
  let platform: RunningPlatform;
  let config: ReturnType<typeof tempConfig>;
  before(async () => {
    platform = await startPlatform();
    config = tempConfig();
  });
  after(async () => {
    await platform?.destroy();
    config?.cleanup();
  });

  it('writes a 0600 profile that later commands use', async () => {
    const env = { XDG_CONFIG_HOME: config.dir, HOME: config.dir };
    const login = await runCli(['login', '--url', platform.apiUrl, '--token', platform.token, '--profile', 'ci'], env);
    assert.equal(login.code, 0, login.stderr);
    const path = join(config.dir, 'gatehouse', 'profiles.json');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(file.current, 'ci');
    assert.deepEqual(file.profiles.ci, { url: platform.apiUrl, token: platform.token });
  });

  it('refuses a wrong token with exit 1 and says what to do', async () => {
    const result = await runCli(['login', '--url', platform.apiUrl, '--token', 'kpat_wrong'], { XDG_CONFIG_HOME: config.dir, HOME: config.dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /401/);
    assert.match(result.stderr, /token/i);
  });

  it('exits 2 on usage errors', async () => {
    const env = { XDG_CONFIG_HOME: config.dir, HOME: config.dir };
    for (const args of [['login'], ['login', '--bogus'], ['nope'], ['gateways-x', 'list']]) {
      const result = await runCli(args, env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /gatehouse/);
    }
  });

  it('runs through bin/gatehouse.js under an older Node by re-executing with Node 24', async (t) => {
    // The machine's own `node` (Node 20 here); the project's Node 24 is what runs the tests.
    let systemNode: string;
    try {
      systemNode = execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n').find((p) => p && !p.includes('node_modules')) ?? '';
    } catch {
      systemNode = '';
    }
    const version = systemNode ? spawnSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim() : '';
    if (!version || Number(version.split('.')[0]) >= 24) return t.skip('no Node older than 24 on PATH');
    const bin = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));
    const result = spawnSync(systemNode, [bin, 'help'], { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: config.dir } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /gateways create/);
    const usage = spawnSync(systemNode, [bin, 'gateways', 'create'], { encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: config.dir } });
    assert.equal(usage.status, 2, usage.stderr);
  });
});
