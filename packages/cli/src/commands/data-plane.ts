import { readFileSync } from 'node:fs';
import type { Command, Context } from '../context.ts';
import { CLI_ERRORS, CliError, usageError } from '../errors.ts';
// Resolved by path, as `start` does: the CLI runs the data plane in its own process but is otherwise
// a client of the API and does not declare the platform's packages.
import { runDataPlane, type RunningDataPlane } from '../../../data-plane/src/sync/run.ts';
import { runDbLess } from '../../../data-plane/src/standalone/run.ts';

// A self-managed or fleet data-plane node. Every flag has an environment variable, the names the
// standalone data plane (packages/data-plane/src/main.ts) reads; a flag beats its variable. Another
// mode is one more flag in FLAGS and one more branch in `run`.

const USAGE = 'data-plane --control-plane <https://host:port> --cert <file> --key <file> [--ca <file>] [--port N] [--data-dir <dir>]\n       gatehouse data-plane --config <kong.yaml> [--port N]   (DB-less)';

export const FLAGS = {
  'control-plane': 'GATEHOUSE_CLUSTER_CONTROL_PLANE',
  cert: 'GATEHOUSE_CLUSTER_CERT',
  key: 'GATEHOUSE_CLUSTER_CERT_KEY',
  ca: 'GATEHOUSE_CLUSTER_CA_CERT',
  port: 'GATEHOUSE_PROXY_PORT',
  'data-dir': 'GATEHOUSE_DP_DATA_DIR',
  // DB-less mode (Kong's database=off): a declarative file instead of a control plane.
  config: 'GATEHOUSE_DECLARATIVE_CONFIG',
} as const;
type Flag = keyof typeof FLAGS;

const VERSION: string = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')).version;

/** Each flag's value: the flag, else its environment variable. */
export function readFlags(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Partial<Record<Flag, string>> {
  const out: Partial<Record<Flag, string>> = {};
  for (const [flag, variable] of Object.entries(FLAGS) as [Flag, string][]) {
    const value = (values[flag] as string | undefined) ?? env[variable];
    if (value !== undefined && value !== '') out[flag] = value;
  }
  return out;
}

function portOf(raw: string | undefined): number {
  const port = Number(raw ?? '8000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be a port number (0-65535), got '${raw}'`, USAGE);
  return port;
}

/** Runs until SIGINT or SIGTERM, then closes the node (in-flight requests finish) and exits 0. */
async function serveUntilSignal(ctx: Context, dp: RunningDataPlane, lines: string[]): Promise<number> {
  ctx.out([`Gatehouse data plane ${VERSION} (node ${dp.nodeId})`, `  Proxy:  http://${ctx.env.GATEHOUSE_LISTEN || '127.0.0.1'}:${dp.port}`, ...lines].join('\n'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dp.close();
  return 0;
}

/** DB-less: serves the file for any Host until SIGINT or SIGTERM; SIGHUP re-reads it. A bad file exits 1 naming line, entity and field. */
async function serveDbLess(ctx: Context, configFile: string, port: number): Promise<number> {
  const host = ctx.env.GATEHOUSE_LISTEN || '127.0.0.1';
  const trusted = ctx.env.GATEHOUSE_TRUSTED_IPS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  let dp: Awaited<ReturnType<typeof runDbLess>>;
  try {
    dp = await runDbLess({ configFile, env: ctx.env, port, host, version: VERSION, ...(trusted?.length ? { trustedIps: trusted } : {}), ...(ctx.env.GATEHOUSE_MAX_BODY_BYTES ? { maxBodyBytes: Number(ctx.env.GATEHOUSE_MAX_BODY_BYTES) } : {}) });
  } catch (error) {
    throw new CliError(CLI_ERRORS.FILE, (error as Error).message, `Fix ${configFile} and run the command again; the data plane did not start.`);
  }
  ctx.out([`Gatehouse data plane ${VERSION} (DB-less, config ${dp.hash})`, `  Proxy:  http://${host}:${dp.port}`, `  Config: ${configFile}`].join('\n'));
  const reload = () => dp.reload().then((hash) => ctx.err(`Reloaded ${configFile} (config ${hash}).`), (error: Error) => ctx.err(`Error: ${error.message}\nThe previous configuration keeps serving.`));
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.off('SIGHUP', reload);
  await dp.close();
  return 0;
}

export default {
  summary: 'Run a data-plane node that takes its configuration from a control plane (self-managed or fleet).',
  usage: `${USAGE}\n  (or GATEHOUSE_CLUSTER_CONTROL_PLANE, GATEHOUSE_CLUSTER_CERT, GATEHOUSE_CLUSTER_CERT_KEY, GATEHOUSE_CLUSTER_CA_CERT, GATEHOUSE_PROXY_PORT, GATEHOUSE_DP_DATA_DIR)`,
  options: Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' }])) as Record<Flag, { type: 'string' }>,
  async run(ctx, { values }) {
    const flags = readFlags(values, ctx.env);
    if (flags.config !== undefined) return serveDbLess(ctx, flags.config, portOf(flags.port));
    const missing = (['control-plane', 'cert', 'key'] as const).filter((f) => !flags[f]);
    if (missing.length > 0) throw usageError(`missing ${missing.map((f) => `--${f}`).join(', ')} (or ${missing.map((f) => FLAGS[f]).join(', ')})`, USAGE);
    const dp = await runDataPlane({
      controlPlane: flags['control-plane']!,
      certFile: flags.cert!,
      keyFile: flags.key!,
      caFile: flags.ca,
      port: portOf(flags.port),
      host: ctx.env.GATEHOUSE_LISTEN || '127.0.0.1',
      dataDir: flags['data-dir'],
      version: VERSION,
      maxBodyBytes: ctx.env.GATEHOUSE_MAX_BODY_BYTES ? Number(ctx.env.GATEHOUSE_MAX_BODY_BYTES) : undefined,
      heartbeatMs: ctx.env.GATEHOUSE_CLUSTER_HEARTBEAT_MS ? Number(ctx.env.GATEHOUSE_CLUSTER_HEARTBEAT_MS) : undefined,
    });
    return serveUntilSignal(ctx, dp, [`  Control plane: ${flags['control-plane']}`]);
  },
} satisfies Command;
