import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { runDbLess, type DbLessOptions } from './run.ts';

// DB-less data plane (`gatehouse data-plane --config kong.yaml --port N`):
//   node packages/data-plane/src/standalone/main.ts --config kong.yaml [--port 8000] [--tls-port N] [--host 127.0.0.1]
// Environment: GATEHOUSE_LISTEN, GATEHOUSE_PROXY_PORT, GATEHOUSE_TRUSTED_IPS (comma-separated, Kong's
// trusted_ips), GATEHOUSE_MAX_BODY_BYTES, GATEHOUSE_LOG_LEVEL. SIGHUP re-reads the file.
// Exit codes: 0 stopped, 1 the file was refused, 2 usage.

const VERSION: string = process.env.GATEHOUSE_DP_VERSION || JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')).version;
const USAGE = 'usage: gatehouse data-plane --config <kong.yaml> [--port N] [--tls-port N] [--host <address>]';

/** Reads the flags and environment into runDbLess's options; throws a usage message when wrong. */
export function dbLessOptionsFrom(argv: string[], env: NodeJS.ProcessEnv): DbLessOptions {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, port: { type: 'string' }, 'tls-port': { type: 'string' }, host: { type: 'string' } } });
  const configFile = values.config ?? env.GATEHOUSE_DECLARATIVE_CONFIG;
  if (!configFile) throw new Error(USAGE);
  const port = portOf('--port', values.port ?? env.GATEHOUSE_PROXY_PORT ?? '8000');
  const tlsPort = values['tls-port'] === undefined ? undefined : portOf('--tls-port', values['tls-port']);
  const trustedIps = env.GATEHOUSE_TRUSTED_IPS ? env.GATEHOUSE_TRUSTED_IPS.split(',').map((s) => s.trim()).filter((s) => s !== '') : undefined;
  return {
    configFile,
    env,
    port,
    ...(tlsPort === undefined ? {} : { tlsPort }),
    host: values.host ?? (env.GATEHOUSE_LISTEN || '127.0.0.1'),
    version: VERSION,
    ...(trustedIps === undefined ? {} : { trustedIps }),
    ...(env.GATEHOUSE_MAX_BODY_BYTES ? { maxBodyBytes: Number(env.GATEHOUSE_MAX_BODY_BYTES) } : {}),
  };
}

function portOf(flag: string, raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag} must be a port number (0-65535), got '${raw}'\n${USAGE}`);
  return port;
}

if (import.meta.main) {
  let options: DbLessOptions;
  try {
    options = dbLessOptionsFrom(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = pino({ level: process.env.GATEHOUSE_LOG_LEVEL ?? 'info' }, pino.destination(2));
  let dp: Awaited<ReturnType<typeof runDbLess>>;
  try {
    dp = await runDbLess({ ...options, logger });
  } catch (err) {
    process.stderr.write(`Error: ${(err as Error).message}\nThe data plane did not start; fix ${options.configFile} and run it again.\n`);
    process.exit(1);
  }
  const tls = dp.tlsPort === undefined ? '' : `\n  Proxy (TLS): https://${options.host}:${dp.tlsPort}`;
  process.stdout.write(`Gatehouse data plane ${VERSION} (DB-less, ${options.configFile}, config ${dp.hash})\n  Proxy:  http://${options.host}:${dp.port}${tls}\n`);
  process.send?.({ type: 'listening', port: dp.port });

  process.on('SIGHUP', () => {
    dp.reload().then(
      (hash) => logger.info({ hash }, 'declarative config reloaded'),
      (err: Error) => logger.error({ err: err.message }, 'declarative config refused; the previous one keeps serving'),
    );
  });
  let isStopping = false;
  const stop = async () => {
    if (isStopping) return;
    isStopping = true;
    await dp.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
