import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { PLUGIN_HANDLERS } from '@gatehouse/plugins';
import { createDataPlane, type DataPlane } from '../server/data-plane.ts';
import { createSnapshotCache } from './cache.ts';
import { createSyncClient, type SyncClient } from './client.ts';

// A data plane as its own program: the proxy listener plus the sync client, with a node id that
// survives restarts (Kong keeps it in its prefix, reference §6.6) and the snapshot cache beside it.

export interface RunDataPlaneOptions {
  /** Cluster endpoint of the control plane: `https://<prefix>.cp.<domain>:<port>`. */
  controlPlane: string;
  /** Paths of the client certificate and key (PEM), and of the CA that signed the control plane's certificate. */
  certFile: string;
  keyFile: string;
  caFile?: string;
  /** Proxy port (0 = ephemeral); default 8000. */
  port?: number;
  host?: string;
  /** Where the node id and the snapshot cache live; default `./.gatehouse-dp`. */
  dataDir?: string;
  version: string;
  maxBodyBytes?: number;
  logger?: Logger;
  heartbeatMs?: number;
  backoff?: { minMs: number; maxMs: number };
}

export interface RunningDataPlane {
  port: number;
  nodeId: string;
  dataPlane: DataPlane;
  client: SyncClient;
  close(): Promise<void>;
}

/** What a node needs before it connects: its logger, data directory, cluster credentials and stable id. */
export async function prepareNode(options: RunDataPlaneOptions): Promise<{ logger: Logger; dataDir: string; cert: string; key: string; ca: string | undefined; nodeId: string }> {
  const logger = options.logger ?? pino({ level: process.env.GATEHOUSE_LOG_LEVEL || 'info' });
  const dataDir = options.dataDir ?? '.gatehouse-dp';
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const [cert, key, ca, nodeId] = await Promise.all([
    readFile(options.certFile, 'utf8'),
    readFile(options.keyFile, 'utf8'),
    options.caFile ? readFile(options.caFile, 'utf8') : Promise.resolve(undefined),
    persistentNodeId(dataDir),
  ]);
  return { logger, dataDir, cert, key, ca, nodeId };
}

export async function persistentNodeId(dir: string): Promise<string> {
  const file = join(dir, 'node-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (/^[\w.-]{1,64}$/.test(id)) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  await writeFile(`${file}.tmp`, id + '\n');
  await rename(`${file}.tmp`, file);
  return id;
}

/**
 * Starts a data plane that takes its configuration from a control plane over the clustering protocol.
 * @example
 * const dp = await runDataPlane({ controlPlane: 'https://abc.cp.localhost:8005', certFile: 'dp.crt', keyFile: 'dp.key', caFile: 'ca.crt', version: '0.1.0' });
 */
export async function runDataPlane(options: RunDataPlaneOptions): Promise<RunningDataPlane> {
  const { logger, dataDir, cert, key, ca, nodeId } = await prepareNode(options);
  const dataPlane = createDataPlane({ host: options.host, port: options.port ?? 8000, maxBodyBytes: options.maxBodyBytes, logger: logger.child({ part: 'data-plane' }), version: options.version });
  const { port } = await dataPlane.listen();
  const client = createSyncClient({
    controlPlane: options.controlPlane,
    cert,
    key,
    ca,
    dataPlane,
    cache: createSnapshotCache(dataDir),
    nodeId,
    hostname: osHostname(),
    version: options.version,
    plugins: [...PLUGIN_HANDLERS.keys()].sort().map((name) => ({ name, version: options.version })),
    logger: logger.child({ part: 'sync', nodeId }),
    heartbeatMs: options.heartbeatMs,
    backoff: options.backoff,
  });
  await client.start();
  return {
    port,
    nodeId,
    dataPlane,
    client,
    async close() {
      await client.stop();
      await dataPlane.close();
    },
  };
}
