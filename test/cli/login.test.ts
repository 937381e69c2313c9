// Issue 9: `gatehouse login` stores a profile that later commands use.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
});
