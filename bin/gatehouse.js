#!/usr/bin/env node
// The `gatehouse` command. Plain JavaScript so that it runs under whatever Node starts it: the CLI
// itself is TypeScript run by Node 24's type stripping, so an older Node re-executes this file with
// the project's Node 24 (the `node` dev dependency) and passes exit code and signals through.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major < 24) {
  const candidates = [join(root, 'node_modules', 'node', 'bin', 'node'), join(root, 'node_modules', '.bin', 'node')];
  const node24 = candidates.find((p) => existsSync(p));
  if (!node24) {
    process.stderr.write(`gatehouse needs Node.js 24 (this is ${process.version}). Run \`npm install\` in ${root} to fetch it, or install Node 24.\n`);
    process.exit(1);
  }
  const child = spawn(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  const { run } = await import(pathToFileURL(join(root, 'packages', 'cli', 'src', 'main.ts')).href);
  process.exitCode = await run(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
}
