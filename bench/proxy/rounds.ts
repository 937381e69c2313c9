import { load } from './load.ts';
import { cpuSeconds, rssMb, type Started } from './processes.ts';

// Interleaved rounds: every contestant is started once and stays up; each round loads every one of
// them for `seconds`, in an order that rotates from round to round. A ratio is taken between two
// contestants of the same round (seconds apart, under the same background), and the figure reported
// is the median over rounds, with the spread beside it. One pass per contestant, minutes apart, let
// the machine's drift decide the ratio instead.

export interface Contestant { name: string; start: () => Promise<Started>; host?: string; path?: string }

export interface RoundSample { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number; errors: number }

export interface ContestantResult {
  name: string;
  /** One sample per round, in round order. */
  rounds: RoundSample[];
  /** Medians over rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  rpsMin: number;
  rpsMax: number;
  rssMb: number;
  errors: number;
}

export interface RoundsOptions { rounds: number; seconds: number; connections: number; loadCpu: number; log?: (line: string) => void }

export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const cpuOf = (server: Started) => server.pids().reduce((a, pid) => a + cpuSeconds(pid), 0);

export async function runRounds(contestants: Contestant[], o: RoundsOptions): Promise<ContestantResult[]> {
  const servers: Started[] = [];
  try {
    for (const c of contestants) servers.push(await c.start());
    const url = (i: number) => `http://127.0.0.1:${servers[i]!.port}${contestants[i]!.path ?? '/'}`;
    // Warm-up: JIT, pools and keep-alive connections, for every contestant before any is measured.
    for (let i = 0; i < contestants.length; i++) await load({ url: url(i), host: contestants[i]!.host, seconds: 2, connections: o.connections, cpu: o.loadCpu });
    const samples: RoundSample[][] = contestants.map(() => []);
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < contestants.length; k++) {
        const i = (k + round) % contestants.length;
        const before = cpuOf(servers[i]!);
        const r = await load({ url: url(i), host: contestants[i]!.host, seconds: o.seconds, connections: o.connections, cpu: o.loadCpu });
        const cpu = cpuOf(servers[i]!) - before;
        samples[i]![round] = { rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, cpuUsPerRequest: r.requests ? (cpu * 1e6) / r.requests : NaN, errors: r.errors };
      }
      o.log?.(`round ${round + 1}/${o.rounds}: ${contestants.map((c, i) => `${c.name} ${Math.round(samples[i]![round]!.rps)}`).join(', ')}`);
    }
    return contestants.map((c, i) => {
      const s = samples[i]!;
      const rps = s.map((x) => x.rps);
      return {
        name: c.name,
        rounds: s,
        rps: median(rps),
        p50Ms: median(s.map((x) => x.p50Ms)),
        p99Ms: median(s.map((x) => x.p99Ms)),
        cpuUsPerRequest: median(s.map((x) => x.cpuUsPerRequest)),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        rssMb: servers[i]!.pids().reduce((a, pid) => a + rssMb(pid), 0),
        errors: s.reduce((a, x) => a + x.errors, 0),
      };
    });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

export interface PairedRatio { median: number; min: number; max: number }

/** a / b throughput, round by round; the median and range over rounds. */
export function pairedRatio(a: ContestantResult, b: ContestantResult): PairedRatio {
  const ratios = a.rounds.map((s, round) => s.rps / b.rounds[round]!.rps);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export const fmtRatio = (r: PairedRatio): string => `${fmt(r.median, 2)}x (rounds ${fmt(r.min, 2)}–${fmt(r.max, 2)})`;
