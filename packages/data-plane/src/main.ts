import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runDataPlane, type RunDataPlaneOptions } from './sync/run.ts';

// Standalone data plane:
//   node packages/data-plane/src/main.ts --control-plane <url> --cert <file> --key <file> [--ca <file>] [--port N]
// or the environment: GATEHOUSE_CLUSTER_CONTROL_PLANE, GATEHOUSE_CLUSTER_CERT, GATEHOUSE_CLUSTER_CERT_KEY,
// GATEHOUSE_CLUSTER_CA_CERT, GATEHOUSE_PROXY_PORT, GATEHOUSE_DP_DATA_DIR, GATEHOUSE_LISTEN.
// Under `npm start`'s supervisor (an IPC channel), it reports its port and exits with the supervisor.

const VERSION: string = process.env.GATEHOUSE_DP_VERSION || JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

/** Reads the flags and environment into runDataPlane's options; throws with a usage message when a required one is missing. */
export function dataPlaneOptionsFrom(argv: string[], env: NodeJS.ProcessEnv): RunDataPlaneOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'control-plane': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const controlPlane = values['control-plane'] ?? env.GATEHOUSE_CLUSTER_CONTROL_PLANE;
  const certFile = values.cert ?? env.GATEHOUSE_CLUSTER_CERT;
  const keyFile = values.key ?? env.GATEHOUSE_CLUSTER_CERT_KEY;
  if (!controlPlane || !certFile || !keyFile) {
    throw new Error('usage: data-plane --control-plane <https://host:port> --cert <file> --key <file> [--ca <file>] [--port N] [--data-dir <dir>]');
  }
  const rawPort = values.port ?? env.GATEHOUSE_PROXY_PORT ?? '8000';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), got '${rawPort}'`);
  return {
    controlPlane,
    certFile,
    keyFile,
    caFile: values.ca ?? env.GATEHOUSE_CLUSTER_CA_CERT,
    port,
    host: env.GATEHOUSE_LISTEN || '127.0.0.1',
    dataDir: values['data-dir'] ?? env.GATEHOUSE_DP_DATA_DIR,
    version: VERSION,
    maxBodyBytes: env.GATEHOUSE_MAX_BODY_BYTES ? Number(env.GATEHOUSE_MAX_BODY_BYTES) : undefined,
    heartbeatMs: env.GATEHOUSE_CLUSTER_HEARTBEAT_MS ? Number(env.GATEHOUSE_CLUSTER_HEARTBEAT_MS) : undefined,
  };
}

if (import.meta.main) {
  let options: RunDataPlaneOptions;
  try {
    options = dataPlaneOptionsFrom(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const dp = await runDataPlane(options);
  process.stdout.write(`Gatehouse data plane ${VERSION} (node ${dp.nodeId})\n  Proxy:  http://${options.host}:${dp.port}\n  Control plane: ${options.controlPlane}\n`);
  process.send?.({ type: 'listening', port: dp.port, nodeId: dp.nodeId });

  let isStopping = false;
  const stop = async () => {
    if (isStopping) return;
    isStopping = true;
    await dp.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // The supervisor is gone: a data plane of `npm start` does not outlive it.
  process.on('disconnect', () => void stop());
}
