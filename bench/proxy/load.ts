import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadResult { requests: number; rps: number; p50Ms: number; p99Ms: number; errors: number; tool: string }
export interface LoadOptions { url: string; host?: string; seconds: number; connections: number; cpu?: number }

export const hasWrk = (): boolean => existsSync('/usr/bin/wrk');

// wrk prints latencies as "1.23ms", "850.00us" or "1.02s".
function toMs(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  const value = Number(m[1]);
  return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
}

async function runWrk(o: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', ...(o.host ? ['-H', `Host: ${o.host}`] : []), o.url];
  const command = o.cpu === undefined ? 'wrk' : 'taskset';
  const argv = o.cpu === undefined ? args : ['-c', String(o.cpu), 'wrk', ...args];
  const { stdout } = await run(command, argv, { timeout: (o.seconds + 30) * 1000 });
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0) + Number(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)?.slice(1).reduce((a, b) => a + Number(b), 0) ?? 0);
  return { requests, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0), p50Ms: toMs(/50%\s+(\S+)/.exec(stdout)?.[1] ?? ''), p99Ms: toMs(/99%\s+(\S+)/.exec(stdout)?.[1] ?? ''), errors, tool: 'wrk' };
}

async function runAutocannon(o: LoadOptions): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const result: any = await autocannon({ url: o.url, connections: o.connections, duration: o.seconds, headers: o.host ? { host: o.host } : {} });
  return { requests: result.requests.total, rps: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, errors: result.non2xx + result.errors, tool: 'autocannon' };
}

/** Bounded load: `seconds` long, `connections` keep-alive connections, wrk when installed. */
export const load = (o: LoadOptions): Promise<LoadResult> => (hasWrk() ? runWrk(o) : runAutocannon(o));
