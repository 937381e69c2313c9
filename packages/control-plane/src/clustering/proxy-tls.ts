import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/types.ts';
import { createSelfSigned, issueCertificate, type CertPair } from './certs.ts';

// HTTPS for the generated hostnames (issue 7). In production the operator supplies a wildcard
// certificate for the base domain (GATEHOUSE_TLS_CERT, GATEHOUSE_TLS_KEY). On the embedded default
// the platform makes a local CA on first start (kept in the store like the cluster CA, so restarts
// and replicas issue alike; written to `<data dir>/tls/ca.crt` for `curl --cacert`) and issues from
// it, at each start, a certificate for `*.<region>.<base>` (V1) and `*.<base>` (V0). Clients refuse a
// wildcard over a single label (`*.localhost`: curl's hostcheck, OpenSSL, Node's checkServerIdentity),
// so under such a base domain the V0 hostnames are named one by one and the certificate is issued
// again when a new one appears. Fleet nodes get the pair over the clustering protocol.

const CA_SETTING = 'proxy.local_ca';
const V0_LABEL = /^kong-[0-9a-f]+$/;

export interface ProxyTlsOptions {
  dataDir: string;
  baseDomain: string;
  /** Every region a V1 hostname may carry. */
  regions: readonly string[];
  /** Operator-supplied certificate and key files (PEM); both or neither. */
  certFile?: string;
  keyFile?: string;
  /** Receives the certificates whenever they change (the hub, which forwards them to the fleet). */
  publish: (certificates: CertPair[]) => Promise<void>;
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, path);
}

async function loadLocalCa(store: Store): Promise<CertPair> {
  return store.transaction(async (tx) => {
    const raw = await tx.settings.get(CA_SETTING);
    if (raw !== undefined) return JSON.parse(raw) as CertPair;
    const ca = await createSelfSigned({ commonName: 'Gatehouse local CA', isCa: true });
    await tx.settings.set(CA_SETTING, JSON.stringify(ca));
    return ca;
  });
}

/**
 * @example
 * const tls = await createProxyTls(store, { dataDir, baseDomain: 'localhost', regions: ['us', 'eu'], publish: (c) => hub.setPlatformCertificates(c) });
 * tls.caFile; // '<data dir>/tls/ca.crt' (undefined with an operator certificate)
 * await tls.track(snapshot.hostnames); // resolves once the published certificate covers them
 */
export async function createProxyTls(store: Store, options: ProxyTlsOptions) {
  const base = options.baseDomain;
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) throw new Error('GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY go together: set both or neither');
  if (options.certFile !== undefined && options.keyFile !== undefined) {
    const pair = { cert: await readFile(options.certFile, 'utf8'), key: await readFile(options.keyFile, 'utf8') };
    await options.publish([pair]);
    return { caFile: undefined as string | undefined, async track(_hostnames: readonly string[]): Promise<void> {}, hold(): void {}, async release(): Promise<void> {} };
  }

  const ca = await loadLocalCa(store);
  const dir = join(options.dataDir, 'tls');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.crt');
  await writeAtomic(caFile, ca.cert, 0o644);

  const isWildcardAllowed = base.includes('.');
  const fixedNames = [...(isWildcardAllowed ? [`*.${base}`] : []), ...options.regions.map((r) => `*.${r}.${base}`)];
  const exactNames = new Set<string>();
  let issuedFor = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  let isHeld = false;

  async function issue(): Promise<void> {
    const names = [...exactNames];
    const pair = await issueCertificate(ca, { commonName: `*.${options.regions[0]}.${base}`, dnsNames: [...fixedNames, ...names], isServer: true });
    issuedFor = new Set(names);
    await options.publish([pair]);
  }
  /** A V0 hostname under a single-label base domain that the current certificate does not name. */
  const needsName = (hostname: string): boolean => !isWildcardAllowed && hostname.endsWith(`.${base}`) && V0_LABEL.test(hostname.slice(0, -base.length - 1));
  const enqueue = (): Promise<void> => (chain = chain.then(async () => {
    if ([...exactNames].some((n) => !issuedFor.has(n))) await issue();
  }));

  await issue();
  return {
    caFile: caFile as string | undefined,
    /** Makes sure the certificate names these hostnames; resolves once it is published (at once while held). */
    track(hostnames: readonly string[]): Promise<void> {
      let isNew = false;
      for (const h of hostnames) {
        const name = h.toLowerCase();
        if (needsName(name) && !exactNames.has(name)) {
          exactNames.add(name);
          isNew = true;
        }
      }
      if (!isNew || isHeld) return Promise.resolve();
      return enqueue();
    },
    /** Collects names without issuing (the first sync of every gateway at start)... */
    hold(): void {
      isHeld = true;
    },
    /** ...then issues once for all of them. */
    release(): Promise<void> {
      isHeld = false;
      return enqueue();
    },
  };
}
export type ProxyTls = Awaited<ReturnType<typeof createProxyTls>>;
