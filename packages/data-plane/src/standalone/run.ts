import { readFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { createDataPlane, type DataPlane, type DataPlaneOptions } from '../server/data-plane.ts';
import { declarativeSnapshot } from './declarative.ts';

// DB-less mode: one data plane serving one Kong declarative file, with no control plane (Kong's
// `database = off` + `declarative_config`). For local development, CI and benchmarks.

export interface DbLessOptions extends Omit<DataPlaneOptions, 'logger'> {
  /** The Kong declarative file (YAML or JSON). */
  configFile: string;
  /** Substituted into `${{ env "DECK_X" }}` placeholders, as decK does. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export interface DbLessDataPlane {
  dataPlane: DataPlane;
  port: number;
  tlsPort?: number;
  /** The hash of the snapshot being served. */
  hash: string;
  /** Re-reads the file and swaps it in whole; a bad file throws and the old config keeps serving. */
  reload(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Reads and checks the file (a bad one throws `ERR_DP_DECLARATIVE_INVALID` before anything listens),
 * then starts serving it for any Host.
 * @example const dp = await runDbLess({ configFile: 'kong.yaml', port: 8000 });
 */
export async function runDbLess(options: DbLessOptions): Promise<DbLessDataPlane> {
  const { configFile, env = {}, ...rest } = options;
  const logger = options.logger ?? pino({ enabled: false });
  const load = async () => declarativeSnapshot(await readFile(configFile, 'utf8'), configFile, env);
  const first = await load();
  const dataPlane = createDataPlane({ ...rest, logger });
  // Compiling (router regexes, plugin configs, certificates) can refuse the file too: before listening.
  try {
    dataPlane.applySnapshot(first);
  } catch (error) {
    await dataPlane.close();
    throw error;
  }
  const { port, tlsPort } = await dataPlane.listen();
  let hash = first.hash;
  logger.info({ configFile, hash, port }, 'DB-less data plane serving');
  return {
    dataPlane,
    port,
    ...(tlsPort === undefined ? {} : { tlsPort }),
    get hash() {
      return hash;
    },
    async reload() {
      const next = await load();
      dataPlane.applySnapshot({ ...next, gatewayId: first.gatewayId });
      hash = next.hash;
      return hash;
    },
    close: () => dataPlane.close(),
  };
}
