import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import type { Snapshot } from '@gatehouse/schema';
import type { DataPlane } from '../server/data-plane.ts';
import type { UpstreamHealth } from '../upstream/balancer.ts';
import { createCacheWriter, type SnapshotCache } from './cache.ts';
import { CLOSE, HEARTBEAT_MS, MAX_FRAME_BYTES, OUTLET_PATH, decodeMessage, encodeMessage, type ControlPlaneMessage, type DataPlaneMessage } from './protocol.ts';

// The data plane's side of clustering: connect with the client certificate, say who we are, apply
// what the control plane pushes (each snapshot swapped in whole by applySnapshot), report the hashes
// served, ping, and on any loss reconnect with jittered exponential backoff while serving on.

export interface SyncClientOptions {
  /** The control plane's cluster endpoint: `https://<prefix>.cp.<domain>:8005` (Konnect's control_plane_endpoint). */
  controlPlane: string;
  /** PEM contents. `ca` verifies the control plane; without it the system's CAs do. */
  cert: string;
  key: string;
  ca?: string;
  dataPlane: Pick<DataPlane, 'applySnapshot' | 'removeGateway' | 'gatewayHashes' | 'setAcmeChallenge' | 'setPlatformCertificates' | 'healthReport'>;
  cache: SnapshotCache;
  nodeId: string;
  hostname: string;
  version: string;
  plugins: { name: string; version: string }[];
  /** Sent in basic_info; a fleet node's `region` label (`*` or a comma-separated list) places gateways on it. */
  labels?: Record<string, string>;
  logger: Logger;
  heartbeatMs?: number;
  /** How often upstream health is compared with what was last reported (a report goes only when it changed). */
  healthReportMs?: number;
  /** Reconnect delays: the n-th attempt waits a random time in [d/2, d], d = min(maxMs, minMs * 2^n). */
  backoff?: { minMs: number; maxMs: number };
}

// RFC 6761 §6.3: `*.localhost` names are loopback; resolvers differ on that, so answer it here (also
// used for the telemetry endpoint).
export function clusterLookup(hostname: string, options: { all?: boolean }, callback: (...args: any[]) => void): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) return callback(null, [{ address: '127.0.0.1', family: 4 }] satisfies LookupAddress[]);
    return callback(null, '127.0.0.1', 4);
  }
  dnsLookup(hostname, options as never, callback as never);
}

/** Health is compared this often by default: twice per heartbeat, at most every 5 s. */
export const healthReportInterval = (heartbeatMs: number): number => Math.max(100, Math.min(5000, Math.round(heartbeatMs / 2)));

/**
 * Keeps a data plane in step with its control plane.
 * @example
 * const client = createSyncClient({ controlPlane: 'https://abc.cp.localhost:8005', cert, key, ca, dataPlane, cache, nodeId, hostname, version, plugins, logger });
 * await client.start();
 */
export function createSyncClient(options: SyncClientOptions) {
  const log = options.logger;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const healthReportMs = options.healthReportMs ?? healthReportInterval(heartbeatMs);
  const backoff = options.backoff ?? { minMs: 500, maxMs: 10_000 };
  let ws: WebSocket | null = null;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let isStopped = false;
  let isConnected = false;
  let connections = 0;
  // What this node serves (gatewayId -> hash), kept here so that a snapshot is checked against it in
  // O(1) rather than by listing every gateway the data plane holds.
  const served = new Map<string, string>();
  const cacheWriter = createCacheWriter(options.cache, (gatewayId, err) => log.error({ gatewayId, err: err.message }, 'could not update the snapshot cache; still serving'));

  const base = new URL(options.controlPlane);
  base.protocol = base.protocol === 'http:' || base.protocol === 'ws:' ? 'ws:' : 'wss:';
  base.pathname = OUTLET_PATH;
  base.search = new URLSearchParams({ node_id: options.nodeId, node_hostname: options.hostname, node_version: options.version }).toString();

  // Upstream health as last reported on this connection (gatewayId -> JSON of its upstreams): a report
  // carries only the gateways whose health changed, so a steady node sends nothing.
  const reportedHealth = new Map<string, string>();
  function reportHealth(): void {
    if (!isConnected) return;
    const gateways: Record<string, UpstreamHealth[] | null> = {};
    let changes = 0;
    const seen = new Set<string>();
    for (const gw of options.dataPlane.healthReport()) {
      if (gw.upstreams.length === 0) continue;
      seen.add(gw.gatewayId);
      const text = JSON.stringify(gw.upstreams);
      if (reportedHealth.get(gw.gatewayId) === text) continue;
      reportedHealth.set(gw.gatewayId, text);
      gateways[gw.gatewayId] = gw.upstreams;
      changes++;
    }
    for (const gatewayId of reportedHealth.keys()) {
      if (seen.has(gatewayId)) continue;
      reportedHealth.delete(gatewayId);
      gateways[gatewayId] = null;
      changes++;
    }
    if (changes > 0) void send({ type: 'health', gateways });
  }
  const healthTimer = setInterval(reportHealth, healthReportMs);
  healthTimer.unref();

  async function send(message: DataPlaneMessage): Promise<void> {
    const frame = await encodeMessage(message);
    if (ws?.readyState === WebSocket.OPEN) ws.send(frame, { binary: true });
  }

  /** Serves what the disk cache holds; refuses (and says so) any file that fails its checksum. */
  async function loadCache(): Promise<number> {
    let count = 0;
    for (const entry of await options.cache.readAll()) {
      if (!entry.ok) {
        log.error({ file: entry.file, reason: entry.reason }, 'cached snapshot refused; not serving it, waiting for the control plane to send this gateway again');
        continue;
      }
      try {
        options.dataPlane.applySnapshot(entry.snapshot);
        count++;
      } catch (err) {
        log.error({ gatewayId: entry.snapshot.gatewayId, err: (err as Error).message, code: (err as { code?: string }).code }, 'cached snapshot could not be loaded; waiting for the control plane');
      }
    }
    if (count > 0) log.info({ gateways: count }, 'serving cached snapshots until the control plane answers');
    for (const [gatewayId, hash] of options.dataPlane.gatewayHashes()) served.set(gatewayId, hash);
    return count;
  }

  async function applyOne(snapshot: Snapshot): Promise<void> {
    const isNew = served.get(snapshot.gatewayId) !== snapshot.hash;
    if (isNew) {
      try {
        options.dataPlane.applySnapshot(snapshot);
        served.set(snapshot.gatewayId, snapshot.hash);
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'ERR_DP_SNAPSHOT_INVALID';
        log.error({ gatewayId: snapshot.gatewayId, hash: snapshot.hash, code, err: (err as Error).message }, 'snapshot refused; still serving the previous one');
        return send({ type: 'error', code, message: (err as Error).message, gatewayId: snapshot.gatewayId, hash: snapshot.hash });
      }
    }
    // Written behind: the report (and the next message) does not wait for the disk.
    if (isNew) cacheWriter.write(snapshot);
    await send({ type: 'applied', hashes: { [snapshot.gatewayId]: snapshot.hash } });
  }

  async function removeAll(gatewayIds: string[]): Promise<void> {
    if (gatewayIds.length === 0) return;
    const hashes: Record<string, string> = {};
    for (const id of gatewayIds) {
      options.dataPlane.removeGateway(id);
      served.delete(id);
      cacheWriter.remove(id);
      hashes[id] = '';
    }
    await send({ type: 'applied', hashes });
  }

  async function onMessage(message: ControlPlaneMessage): Promise<void> {
    switch (message.type) {
      case 'snapshot':
        return applyOne(message.snapshot);
      case 'remove':
        return removeAll(message.gatewayIds);
      case 'inventory':
        return removeAll([...served.keys()].filter((id) => !(id in message.hashes)));
      case 'acme_challenges':
        for (const [token, keyAuthorization] of Object.entries(message.challenges)) options.dataPlane.setAcmeChallenge(token, keyAuthorization);
        return;
      case 'platform_tls':
        try {
          options.dataPlane.setPlatformCertificates(message.certificates);
          log.info({ certificates: message.certificates.length }, 'platform certificates applied');
        } catch (err) {
          log.error({ err: (err as Error).message }, 'platform certificates refused; keeping the previous ones');
        }
        return;
      case 'error':
        log.error({ code: message.code, gatewayId: message.gatewayId, hash: message.hash }, `control plane: ${message.message}`);
    }
  }

  function scheduleReconnect(): void {
    if (isStopped || reconnectTimer) return;
    const ceiling = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(attempt, 20));
    const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    attempt++;
    log.info({ delayMs, attempt }, 'reconnecting to the control plane');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect();
    }, delayMs);
  }

  function connect(): void {
    if (isStopped) return;
    const socket = new WebSocket(base, {
      cert: options.cert,
      key: options.key,
      ca: options.ca,
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: 5000,
      perMessageDeflate: false,
      lookup: clusterLookup as never,
    });
    ws = socket;
    let lastSeen = Date.now();
    let heartbeat: NodeJS.Timeout | null = null;
    let queue = Promise.resolve();

    socket.on('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body = (body + chunk).slice(0, 2000)));
      res.on('end', () => {
        let reason = body;
        try {
          reason = JSON.parse(body).message ?? body;
        } catch {
          /* not JSON: log it as it came */
        }
        log.error({ status: res.statusCode, reason }, 'control plane refused this data plane');
        req.destroy();
        socket.terminate();
        scheduleReconnect();
      });
    });
    socket.on('open', () => {
      isConnected = true;
      connections++;
      attempt = 0;
      log.info({ controlPlane: options.controlPlane }, 'connected to the control plane');
      const hashes = Object.fromEntries(served);
      void send({ type: 'basic_info', plugins: options.plugins, hashes, ...(options.labels ? { labels: options.labels } : {}) });
      reportedHealth.clear();
      heartbeat = setInterval(() => {
        if (Date.now() - lastSeen > heartbeatMs * 3) {
          log.warn('control plane silent; reconnecting');
          socket.terminate();
        } else socket.ping();
      }, heartbeatMs);
    });
    socket.on('message', (data, isBinary) => {
      lastSeen = Date.now();
      const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      queue = queue
        .then(async () => onMessage((await decodeMessage(frame, isBinary)) as ControlPlaneMessage))
        .catch((err) => {
          log.error({ err: (err as Error).message }, 'malformed message from the control plane; reconnecting');
          socket.close(CLOSE.MALFORMED, (err as Error).message.slice(0, 120));
        });
    });
    socket.on('pong', () => (lastSeen = Date.now()));
    socket.on('ping', () => (lastSeen = Date.now()));
    socket.on('error', (err) => {
      // ws refuses a frame over maxPayload as soon as its header announces the length (close 1009).
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') log.error({ err: `frame over ${MAX_FRAME_BYTES} bytes` }, 'oversized message from the control plane refused; reconnecting');
      else log.warn({ err: err.message }, 'control plane connection failed');
    });
    socket.on('close', (code, reason) => {
      if (heartbeat) clearInterval(heartbeat);
      if (ws === socket) {
        ws = null;
        isConnected = false;
      }
      const text = reason.toString();
      if (code === CLOSE.VERSION_INCOMPATIBLE) log.error({ code, reason: text }, 'control plane refused this data plane version');
      else if (text !== '') log.warn({ code, reason: text }, 'control plane connection closed');
      scheduleReconnect();
    });
  }

  return {
    /** Serves the disk cache, then connects (and keeps reconnecting) in the background. */
    async start(): Promise<void> {
      await loadCache();
      connect();
    },
    get isConnected(): boolean {
      return isConnected;
    },
    /** How many times a connection was established (tests watch reconnects with it). */
    get connections(): number {
      return connections;
    },
    async stop(): Promise<void> {
      isStopped = true;
      clearInterval(healthTimer);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const socket = ws;
      if (socket && socket.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          socket.once('close', () => resolve());
          socket.close(1001, 'data plane stopping');
          setTimeout(() => {
            socket.terminate();
            resolve();
          }, 1000).unref();
        });
      }
      await cacheWriter.flush();
    },
  };
}
export type SyncClient = ReturnType<typeof createSyncClient>;
