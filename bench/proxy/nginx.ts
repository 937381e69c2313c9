import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { Started } from './processes.ts';

export const NGINX = '/usr/sbin/nginx';
export const hasNginx = (): boolean => existsSync(NGINX);

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

/** nginx as a reverse proxy with upstream keep-alive: one worker, production-style settings. */
export async function startNginx(upstreamPort: number, cpu?: number): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), [
    'worker_processes 1;', 'daemon off;', `pid ${dir}/nginx.pid;`, `error_log ${dir}/error.log warn;`,
    'events { worker_connections 4096; }',
    'http {', '  access_log off;',
    `  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;`,
    `  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 128; }`,
    `  server { listen 127.0.0.1:${port}; keepalive_requests 100000;`,
    '    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; } }',
    '}',
  ].join('\n'));
  const argv = [NGINX, '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  const [cmd, ...args] = cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv];
  const child = spawn(cmd, args, { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!existsSync(join(dir, 'nginx.pid'))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nginx did not start: ${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const master = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8'));
  return {
    child,
    port,
    // The worker does the proxying; count master and workers together.
    pids: () => [master, ...execFileSync('pgrep', ['-P', String(master)]).toString().trim().split('\n').filter(Boolean).map(Number)],
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
      child.kill('SIGQUIT');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}
