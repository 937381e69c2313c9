import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Per-process CPU and memory from /proc: CPU time per request is the figure that survives a noisy
// machine best, and the one nginx is compared on.
const CLOCK_TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), counted after the command name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export interface Started { child: ChildProcess; port: number; pids: () => number[]; stop(): Promise<void> }

/** Starts a server script that prints `PORT <n>`, pinned to `cpu` when given. */
export async function startServer(argv: string[], cpu?: number): Promise<Started> {
  const [cmd, ...args] = cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not start`)), 15_000);
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code}`)));
  });
  return {
    child,
    port,
    pids: () => [child.pid!],
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    }),
  };
}
