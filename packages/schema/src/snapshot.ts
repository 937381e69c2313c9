import { createHash } from 'node:crypto';
import type { Acl, BasicAuthCredential, Consumer, ConsumerGroup, HmacAuthCredential, JwtCredential, KeyAuthCredential } from './consumers.ts';
import type { CaCertificate, Certificate, Sni } from './certificates.ts';
import type { Plugin, Route, Service } from './entities.ts';
import type { Target, Upstream } from './upstreams.ts';

/** Bumped when the snapshot shape changes incompatibly; data planes refuse formats they do not know. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** A consumer group with the ids of its member consumers (sorted). */
export type SnapshotConsumerGroup = ConsumerGroup & { members: string[] };

/**
 * A key-auth key with its expiry: epoch seconds after which the key must not authenticate, or null.
 * Keys already expired at compile time are left out; a data plane compares `expires_at` with the clock
 * on lookup for keys that expire while the snapshot is served.
 */
export type SnapshotKeyAuth = KeyAuthCredential & { expires_at: number | null };

/** The credentials of every consumer, by auth plugin. */
export interface SnapshotCredentials {
  keyAuth: SnapshotKeyAuth[];
  /** `password` is Kong's hash: hex SHA-1 of (password .. consumer id); never the plain text. */
  basicAuth: BasicAuthCredential[];
  jwt: JwtCredential[];
  hmacAuth: HmacAuthCredential[];
  acls: Acl[];
}

/**
 * A gateway's compiled configuration: everything a data plane needs to serve one gateway, immutable,
 * swapped whole. Produced by the control plane's compiler, consumed by the data plane's loader.
 *
 * Entities are the stored Kong shapes (every field present, defaults filled), sorted by id so that the
 * same configuration always hashes the same. Every collection is always present (possibly empty); a
 * data plane ignores what it does not use.
 * @example
 * { formatVersion: 1, gatewayId: 'cp-uuid', hostnames: ['kong-0123456789.localhost'], services: [], routes: [], plugins: [], ...emptySnapshotCollections(), hash: '…' }
 */
export interface Snapshot {
  formatVersion: typeof SNAPSHOT_FORMAT_VERSION;
  /** The control plane id: one gateway per control plane. */
  gatewayId: string;
  /** Lower-case hostnames (no port) whose traffic this gateway serves. */
  hostnames: string[];
  services: Service[];
  routes: Route[];
  plugins: Plugin[];
  upstreams: Upstream[];
  /** Targets of the upstreams above, enabled or not (weight 0 disables a target). */
  targets: Target[];
  consumers: Consumer[];
  consumerGroups: SnapshotConsumerGroup[];
  credentials: SnapshotCredentials;
  /** Certificates with their private keys (the data plane terminates TLS with them). */
  certificates: Certificate[];
  snis: Sni[];
  caCertificates: CaCertificate[];
  /** sha256 (first 32 hex chars) over the canonical JSON of every field above. */
  hash: string;
}

export type SnapshotBody = Omit<Snapshot, 'hash'>;

/** The collections added after services, routes and plugins, all empty: for builders and tests. */
export type SnapshotCollections = Pick<Snapshot, 'upstreams' | 'targets' | 'consumers' | 'consumerGroups' | 'credentials' | 'certificates' | 'snis' | 'caCertificates'>;

/**
 * Empty upstreams, targets, consumers, groups, credentials and certificates.
 * @example const body: SnapshotBody = { formatVersion: 1, gatewayId, hostnames, services, routes, plugins, ...emptySnapshotCollections() };
 */
export const emptySnapshotCollections = (): SnapshotCollections => ({
  upstreams: [],
  targets: [],
  consumers: [],
  consumerGroups: [],
  credentials: { keyAuth: [], basicAuth: [], jwt: [], hmacAuth: [], acls: [] },
  certificates: [],
  snis: [],
  caCertificates: [],
});

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped: the same value always
 * gives the same text. `{ b: 1, a: [{ d: 1, c: 2 }] }` gives '{"a":[{"c":2,"d":1}],"b":1}'.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * A snapshot's hash: the first 32 hex characters of the sha256 of the canonical JSON of every field
 * but `hash`. The compiler sets it; data planes check it on receipt.
 * @example hashSnapshotBody(body) // '3f9a0c12de…' (32 hex characters)
 */
export function hashSnapshotBody(body: SnapshotBody | Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 32);
}
