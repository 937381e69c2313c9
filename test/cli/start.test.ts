// Issue 9: `gatehouse start` runs the platform as `npm start` does.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { MAIN, tempConfig } from './harness.ts';

it('gatehouse start runs the platform and stops on SIGTERM', async (t) => {
  const dir = tempConfig();
  t.after(() => dir.cleanup());
  const ports = { GATEHOUSE_API_PORT: '0', GATEHOUSE_PROXY_PORT: '0', GATEHOUSE_PROXY_TLS_PORT: '0', GATEHOUSE_CLUSTER_PORT: '0', GATEHOUSE_TELEMETRY_PORT: '0' };
  const child = spawn(process.execPath, [MAIN, 'start'], { env: { ...process.env, ...ports, GATEHOUSE_DATA_DIR: dir.dir, GATEHOUSE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not started within 20 s:\n${output}`)), 20_000);
    child.stdout.on('data', (c) => {
      output += c;
      if (/Proxy:\s+http/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const api = /API:\s+(http\S+)/.exec(output)![1];
  const token = /Admin token \(shown once; store it now\): (kpat_\S+)/.exec(output)![1];
  const res = await fetch(`${api}/v2/control-planes`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
