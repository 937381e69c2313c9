import type { Plugin, Route, Service } from './entities.ts';

/** Bumped when the snapshot shape changes incompatibly; data planes refuse formats they do not know. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/**
 * A gateway's compiled configuration: everything a data plane needs to serve one gateway, immutable,
 * swapped whole. Produced by the control plane's compiler, consumed by the data plane's loader.
 *
 * Entities are the stored Kong shapes (every field present, defaults filled), sorted by id so that the
 * same configuration always hashes the same.
 * @example
 * { formatVersion: 1, gatewayId: 'cp-uuid', hostnames: ['kong-0123456789.localhost'], services: [], routes: [], plugins: [], hash: '…' }
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
  /** sha256 (first 32 hex chars) over the canonical JSON of every field above. */
  hash: string;
}

export type SnapshotBody = Omit<Snapshot, 'hash'>;
