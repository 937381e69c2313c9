// Runs the CLI as a subprocess, as a user would, against a started platform.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { send, until, type Reply } from '@gatehouse/test-kit';

export { startUpstream } from '@gatehouse/test-kit';

export const MAIN = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** A temp XDG_CONFIG_HOME and HOME, removed by `cleanup`. */
export function tempConfig() {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `node packages/cli/src/main.ts ...args` with `env` on top of a clean environment (no inherited GATEHOUSE_*). */
export function runCli(args: string[], env: Record<string, string | undefined>, options: { input?: string; cwd?: string } = {}): Promise<CliResult> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GATEHOUSE_')) base[k] = v;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: base, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** GET through the proxy with a Host header, so no DNS is involved. */
export const proxyGet = (port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<Reply> => send(port, host, path, { headers });

/**
 * The first GET after a configuration change: the data plane gets the change a few milliseconds after
 * the API answered, so this asks again (for up to 10 s) until the answer has `status`, and returns it.
 */
export const proxyGetOnceServed = (status: number, port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<Reply> =>
  until(`${path} on ${host} to answer ${status}`, async () => {
    const reply = await proxyGet(port, host, path, headers);
    return reply.status === status ? reply : undefined;
  });
