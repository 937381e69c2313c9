import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/types.ts';
import { FLEET_COMMON_NAME } from './auth.ts';
import { createSelfSigned, issueCertificate, type CertPair } from './certs.ts';

// The control plane's cluster CA lives in the store (settings), so every control-plane replica and
// every restart signs with the same key and data planes keep trusting the cluster port. The server
// certificate and the fleet certificate are issued from it at each start.

const CA_SETTING = 'cluster.ca';

export interface ClusterCredentials {
  ca: CertPair;
  server: CertPair;
  /** Files the platform's own data-plane workers use: the CA to trust and the fleet client certificate. */
  files: { ca: string; fleetCert: string; fleetKey: string };
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, path);
}

/** Reads the cluster CA from the store, creating it on first start. */
export async function loadClusterCa(store: Store): Promise<CertPair> {
  return store.transaction(async (tx) => {
    const raw = await tx.settings.get(CA_SETTING);
    if (raw !== undefined) return JSON.parse(raw) as CertPair;
    const ca = await createSelfSigned({ commonName: 'Gatehouse cluster CA', isCa: true });
    await tx.settings.set(CA_SETTING, JSON.stringify(ca));
    return ca;
  });
}

/**
 * Loads the CA, issues the cluster port's server certificate (for `localhost`, `*.<clusterDomain>`
 * and the listen address) and writes the fleet's files under `<dataDir>/cluster/`.
 * @example const creds = await prepareClusterCredentials(store, { dataDir, clusterDomain: 'cp.localhost', listen: '127.0.0.1' });
 */
export async function prepareClusterCredentials(store: Store, options: { dataDir: string; clusterDomain: string; listen: string; telemetryDomain?: string }): Promise<ClusterCredentials> {
  const ca = await loadClusterCa(store);
  const isIp = /^[\d.]+$|:/.test(options.listen);
  const ips = ['127.0.0.1', '::1', ...(isIp && !['0.0.0.0', '::'].includes(options.listen) ? [options.listen] : [])];
  // The telemetry port presents the same certificate (`<dns_prefix>.tp.<base>`, Konnect's telemetry_endpoint).
  const dnsNames = ['localhost', `*.${options.clusterDomain}`, ...(options.telemetryDomain ? [`*.${options.telemetryDomain}`] : []), ...(isIp ? [] : [options.listen])];
  const server = await issueCertificate(ca, { commonName: `cluster.${options.clusterDomain}`, dnsNames, ips: [...new Set(ips)], isServer: true });
  const fleet = await issueCertificate(ca, { commonName: FLEET_COMMON_NAME });
  const dir = join(options.dataDir, 'cluster');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = { ca: join(dir, 'ca.crt'), fleetCert: join(dir, 'fleet.crt'), fleetKey: join(dir, 'fleet.key') };
  await writeAtomic(files.ca, ca.cert, 0o644);
  await writeAtomic(files.fleetCert, fleet.cert, 0o600);
  await writeAtomic(files.fleetKey, fleet.key, 0o600);
  return { ca, server, files };
}
