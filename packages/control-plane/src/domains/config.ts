import { readFileSync } from 'node:fs';
import { LETS_ENCRYPT_DIRECTORY, LETS_ENCRYPT_STAGING_DIRECTORY } from './acme.ts';

/** Custom-domain settings from the environment (README "Configuration"). */
export interface DomainConfig {
  /** GATEHOUSE_DNS_SERVERS: comma-separated `host[:port]`; empty = the system's resolvers. */
  dnsServers: string[];
  /** GATEHOUSE_ACME_DIRECTORY, else Let's Encrypt (GATEHOUSE_ACME_STAGING=1: its staging directory). */
  directoryUrl: string;
  /** GATEHOUSE_ACME_CA_FILE: PEM trusted for the directory's TLS (a private or test CA). */
  directoryCa: string | undefined;
  /** GATEHOUSE_ACME_CAA_IDENTITY: the CA's CAA identity, comma-separated (default letsencrypt.org). */
  caaIdentities: string[];
  /** GATEHOUSE_ACME_EMAIL: account contact. */
  email: string | undefined;
}

/**
 * @example loadDomainConfig({ GATEHOUSE_ACME_STAGING: '1' }).directoryUrl // Let's Encrypt staging
 */
export function loadDomainConfig(env: NodeJS.ProcessEnv = process.env): DomainConfig {
  const list = (raw: string | undefined) => (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const staging = env.GATEHOUSE_ACME_STAGING === '1' || env.GATEHOUSE_ACME_STAGING === 'true';
  const identities = list(env.GATEHOUSE_ACME_CAA_IDENTITY).map((s) => s.toLowerCase());
  return {
    dnsServers: list(env.GATEHOUSE_DNS_SERVERS),
    directoryUrl: env.GATEHOUSE_ACME_DIRECTORY || (staging ? LETS_ENCRYPT_STAGING_DIRECTORY : LETS_ENCRYPT_DIRECTORY),
    directoryCa: env.GATEHOUSE_ACME_CA_FILE ? readFileSync(env.GATEHOUSE_ACME_CA_FILE, 'utf8') : undefined,
    caaIdentities: identities.length > 0 ? identities : ['letsencrypt.org'],
    email: env.GATEHOUSE_ACME_EMAIL || undefined,
  };
}
