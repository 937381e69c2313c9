import { resolve } from 'node:path';

/** Everything the platform reads from its environment, resolved once at start. */
export interface PlatformConfig {
  dataDir: string;
  adminToken: string | undefined;
  listen: string;
  apiPort: number;
  proxyPort: number;
  proxyTlsPort: number;
  clusterPort: number;
  telemetryPort: number;
  baseDomain: string;
  databaseUrl: string | undefined;
  /** Platform limit per gateway (Konnect's serverless default: 10 MB). */
  maxBodyBytes: number;
  logLevel: string;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number (0-65535), got '${raw}'`);
  return value;
}

/**
 * Reads the GATEHOUSE_* variables (see README "Configuration").
 * @example loadConfig({ GATEHOUSE_API_PORT: '0' }).apiPort // 0
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const maxBody = env.GATEHOUSE_MAX_BODY_BYTES ? Number(env.GATEHOUSE_MAX_BODY_BYTES) : 10 * 1024 * 1024;
  if (!Number.isInteger(maxBody) || maxBody <= 0) throw new Error(`GATEHOUSE_MAX_BODY_BYTES must be a positive integer`);
  return {
    dataDir: resolve(env.GATEHOUSE_DATA_DIR || './.gatehouse'),
    adminToken: env.GATEHOUSE_ADMIN_TOKEN || undefined,
    listen: env.GATEHOUSE_LISTEN || '127.0.0.1',
    apiPort: port(env, 'GATEHOUSE_API_PORT', 8001),
    proxyPort: port(env, 'GATEHOUSE_PROXY_PORT', 8000),
    proxyTlsPort: port(env, 'GATEHOUSE_PROXY_TLS_PORT', 8443),
    clusterPort: port(env, 'GATEHOUSE_CLUSTER_PORT', 8005),
    telemetryPort: port(env, 'GATEHOUSE_TELEMETRY_PORT', 8006),
    baseDomain: (env.GATEHOUSE_BASE_DOMAIN || 'localhost').toLowerCase().replace(/\.$/, ''),
    databaseUrl: env.DATABASE_URL || undefined,
    maxBodyBytes: maxBody,
    logLevel: env.GATEHOUSE_LOG_LEVEL || 'info',
  };
}
