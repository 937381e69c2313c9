import { gunzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { hashSnapshotBody, type Snapshot } from '@gatehouse/schema';
import type { UpstreamHealth } from '../upstream/balancer.ts';

// The clustering protocol between the control plane's hub and data planes, shaped after Kong's v1
// outlet (reference/kong-dataplane.md §6.3): the data plane connects to `wss://<cp>/v1/outlet` with
// `node_id`, `node_hostname` and `node_version` in the query and its client certificate, says what it
// has in a first `basic_info` message, then every message either way is one binary frame of gzipped
// JSON. Unlike Kong, the control plane pushes one gateway's snapshot at a time (a serverless fleet
// serves thousands of gateways; resending all of them on every change would not scale).

export const OUTLET_PATH = '/v1/outlet';
/** Kong's `cluster_max_payload`: the largest compressed frame either side accepts. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** The largest decompressed message: a gzip bomb stops here. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Both sides ping this often; a peer silent for 3 intervals is dropped. */
export const HEARTBEAT_MS = 10_000;

/** Close codes (RFC 6455 §7.4.2: 4000-4999 are the application's). */
export const CLOSE = {
  MALFORMED: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  VERSION_INCOMPATIBLE: 4001,
  NOT_ALLOWED: 4003,
  REMOVED: 4004,
} as const;

/** Kong's sync_status values (clustering_data_planes.lua), plus `unknown` before the first report. */
export type SyncStatus = 'unknown' | 'normal' | 'kong_version_incompatible' | 'plugin_set_incompatible' | 'plugin_version_incompatible';

export interface BasicInfo {
  type: 'basic_info';
  plugins: { name: string; version: string }[];
  /** gatewayId -> hash the data plane already serves (from its disk cache): the hub sends only what differs. */
  hashes: Record<string, string>;
  labels?: Record<string, string>;
}
/** Data plane -> control plane: these gateways now serve these hashes (a delta; '' = removed). */
export interface Applied {
  type: 'applied';
  hashes: Record<string, string>;
}
/**
 * Data plane -> control plane: the upstream and target health of these gateways (a delta: only the
 * gateways whose health changed since the last report on this connection; null = no longer reported).
 * The first report after connecting holds every gateway with upstreams. Kong's `/upstreams/{u}/health`
 * is answered from these on the control plane.
 */
export interface HealthMessage {
  type: 'health';
  gateways: Record<string, UpstreamHealth[] | null>;
}
/** Either way: something could not be done; `gatewayId` names the gateway it concerns. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
  gatewayId?: string;
  hash?: string;
}
/** Control plane -> data plane: serve this gateway's snapshot (replacing the one with the same id). */
export interface SnapshotMessage {
  type: 'snapshot';
  snapshot: Snapshot;
}
/** Control plane -> data plane: stop serving these gateways. */
export interface RemoveMessage {
  type: 'remove';
  gatewayIds: string[];
}
/** Control plane -> data plane, once after basic_info: the complete set of gateways this node must serve. */
export interface InventoryMessage {
  type: 'inventory';
  hashes: Record<string, string>;
}

/**
 * Control plane -> fleet data planes: ACME HTTP-01 answers to publish on the HTTP port (token -> key
 * authorization; null withdraws). At connect the complete set, afterwards the changes.
 */
export interface AcmeChallengesMessage {
  type: 'acme_challenges';
  challenges: Record<string, string | null>;
}
/**
 * Control plane -> fleet data planes: the platform's certificates (PEM pairs) for the generated
 * hostnames, served by SNI when no gateway has a certificate for the name; replaces the previous set.
 */
export interface PlatformTlsMessage {
  type: 'platform_tls';
  certificates: { cert: string; key: string }[];
}

export type DataPlaneMessage = BasicInfo | Applied | HealthMessage | ErrorMessage;
export type ControlPlaneMessage = SnapshotMessage | RemoveMessage | InventoryMessage | ErrorMessage | AcmeChallengesMessage | PlatformTlsMessage;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

// A gateway's snapshot is a few KiB: compressing it on the event loop takes a fraction of a millisecond,
// less than the hop to libuv's thread pool and back (which waits behind disk work such as the cache's
// fsync). Larger messages (a whole inventory, a big gateway) go to the pool so they never stall the loop.
/** JSON text up to this size is gzipped on the event loop. */
const SYNC_ENCODE_BYTES = 64 * 1024;
/** Frames up to this size are gunzipped on the event loop (deflate expands at most ~1,000:1, so ≤ 8 MiB). */
const SYNC_DECODE_BYTES = 8 * 1024;

/** One message as a frame: gzipped JSON. */
export async function encodeMessage(message: DataPlaneMessage | ControlPlaneMessage): Promise<Buffer> {
  const text = JSON.stringify(message);
  return text.length <= SYNC_ENCODE_BYTES ? gzipSync(text) : gzipAsync(text);
}

/** Thrown for a frame that is not a gzipped JSON message of a known type; the connection is closed. */
export class ProtocolError extends Error {
  readonly code = 'ERR_CLUSTER_PROTOCOL';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isHashes = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((h) => typeof h === 'string');

/** Decodes and checks a frame's envelope; entity shapes are checked when a snapshot is applied. */
export async function decodeMessage(frame: Buffer, isBinary: boolean): Promise<DataPlaneMessage | ControlPlaneMessage> {
  if (!isBinary) throw new ProtocolError('text frames are not part of the protocol (expected binary gzipped JSON)');
  let text: string;
  try {
    const options = { maxOutputLength: MAX_MESSAGE_BYTES };
    text = (frame.length <= SYNC_DECODE_BYTES ? gunzipSync(frame, options) : await gunzipAsync(frame, options)).toString('utf8');
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /maxOutputLength|Cannot create a Buffer larger/.test(String(err));
    throw new ProtocolError(tooBig ? `message larger than ${MAX_MESSAGE_BYTES} bytes once decompressed` : 'frame is not gzip data');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('message is not JSON');
  }
  if (!isObject(value) || typeof value.type !== 'string') throw new ProtocolError('message must be an object with a type');
  const ok =
    (value.type === 'basic_info' && Array.isArray(value.plugins) && isHashes(value.hashes ?? {})) ||
    (value.type === 'applied' && isHashes(value.hashes)) ||
    (value.type === 'inventory' && isHashes(value.hashes)) ||
    (value.type === 'health' && isObject(value.gateways) && Object.values(value.gateways).every((v) => v === null || (Array.isArray(v) && v.every(isObject)))) ||
    (value.type === 'error' && typeof value.code === 'string' && typeof value.message === 'string') ||
    (value.type === 'snapshot' && isObject(value.snapshot) && typeof value.snapshot.gatewayId === 'string' && typeof value.snapshot.hash === 'string') ||
    (value.type === 'acme_challenges' && isObject(value.challenges) && Object.values(value.challenges).every((v) => v === null || typeof v === 'string')) ||
    (value.type === 'platform_tls' && Array.isArray(value.certificates) && value.certificates.every((c) => isObject(c) && typeof c.cert === 'string' && typeof c.key === 'string')) ||
    (value.type === 'remove' && Array.isArray(value.gatewayIds) && value.gatewayIds.every((id) => typeof id === 'string'));
  if (!ok) throw new ProtocolError(`malformed or unknown message of type '${String(value.type).slice(0, 40)}'`);
  if (value.type === 'snapshot') {
    const { hash, ...body } = value.snapshot as Record<string, unknown>;
    const actual = snapshotContentHash(body);
    if (actual !== hash) throw new ProtocolError(`snapshot of gateway '${String((body.gatewayId as string).slice(0, 64))}' has hash '${String(hash).slice(0, 64)}' but its content hashes to '${actual}' (corrupt or altered)`);
  }
  return value as unknown as DataPlaneMessage | ControlPlaneMessage;
}

export const snapshotContentHash = (body: Record<string, unknown>): string => hashSnapshotBody(body);

/**
 * Kong's rule (clustering/compat): majors must match and the data plane's minor must not be newer
 * than the control plane's. Returns the reason for refusal, or null.
 * @example versionIncompatibility('0.1.0', '0.2.0') // 'data plane version 0.2.0 is newer than ...'
 */
export function versionIncompatibility(cpVersion: string, dpVersion: string): string | null {
  const cp = /^(\d+)\.(\d+)/.exec(cpVersion);
  const dp = /^(\d+)\.(\d+)/.exec(dpVersion);
  if (!cp || !dp) return `data plane version '${dpVersion}' is not a version number`;
  if (cp[1] !== dp[1]) return `data plane version ${dpVersion} has a different major version than the control plane (${cpVersion})`;
  if (Number(dp[2]) > Number(cp[2])) return `data plane version ${dpVersion} is newer than the control plane (${cpVersion}); upgrade the control plane first`;
  return null;
}

/** Plugins a snapshot uses that the node does not have; the snapshot is then withheld, and the node told why. */
export function missingPlugins(snapshot: Snapshot, nodePlugins: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const plugin of snapshot.plugins) if (!nodePlugins.has(plugin.name)) missing.add(plugin.name);
  return [...missing].sort();
}
