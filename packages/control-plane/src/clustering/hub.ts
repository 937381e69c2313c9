import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Snapshot } from '@gatehouse/schema';
import {
  CLOSE,
  HEARTBEAT_MS,
  MAX_FRAME_BYTES,
  OUTLET_PATH,
  decodeMessage,
  encodeMessage,
  missingPlugins,
  versionIncompatibility,
  type BasicInfo,
  type ControlPlaneMessage,
} from '@gatehouse/data-plane/sync/protocol.ts';
import type { UpstreamHealth } from '@gatehouse/data-plane';
import type { Store } from '../store/types.ts';
import { authenticateNode, isFleetCertificate, type AuthResult } from './auth.ts';
import type { CertPair } from './certs.ts';
import type { DpCertificateService } from './dp-certificates.ts';
import { coversAny, createNodeRegistry, nodeRegions, scopeKey, type NodeRecord, type NodeScope } from './nodes.ts';

// The clustering hub (reference/kong-dataplane.md §6): an HTTPS server on the cluster port that asks
// for client certificates, upgrades `/v1/outlet` to a WebSocket after checking the certificate, and
// keeps every node in step: at connect it sends the inventory and the snapshots the node lacks, then
// one gateway's snapshot per change, compressed once and shared by every node of that audience.

export type Audience = 'fleet' | 'hybrid';

export interface HubOptions {
  store: Store;
  logger: Logger;
  version: string;
  /** The cluster CA (fleet certificates are signed by it) and the hub's server certificate. */
  ca: CertPair;
  server: CertPair;
  /** `<dns_prefix>.cp.<baseDomain>`: how a self-managed node names its control plane (Host/SNI). */
  clusterDomain: string;
  certificates: DpCertificateService;
  heartbeatMs?: number;
  /** Records of nodes silent this long are dropped from /nodes. */
  nodeExpiryMs?: number;
  /** Asked for a gateway a node needs that has no snapshot yet (a self-managed control plane nobody compiled). */
  requestSync?: (gatewayId: string) => void;
}

interface Published {
  snapshot: Snapshot;
  audience: Audience;
  /** Fleet gateways: the regions of the configuration's groups; only fleet nodes of these regions get it. */
  regions?: readonly string[];
  frame: Buffer;
  publishedAt: number;
}

interface Peer {
  ws: WebSocket;
  node: NodeRecord;
  lastSeen: number;
  /** gatewayId -> hash this node was told it cannot serve (so it is told once). */
  withheld: Map<string, string>;
  peerCert: X509Certificate | undefined;
  /** gatewayId -> the upstream health this node last reported for it, and when. */
  health: Map<string, { upstreams: UpstreamHealth[]; at: number }>;
}

/** One node's latest upstream health report for a gateway. */
export interface NodeUpstreamHealth {
  nodeId: string;
  at: number;
  upstreams: UpstreamHealth[];
}

const ZERO_HASH = '0'.repeat(32);

export function createClusterHub(options: HubOptions) {
  const log = options.logger;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const nodes = createNodeRegistry(options.nodeExpiryMs ?? 10 * 60_000);
  const clusterCa = new X509Certificate(options.ca.cert);
  const published = new Map<string, Published>();
  const peers = new Set<Peer>();
  /** Called with the serving node's regions (null: every region). */
  const servedListeners: ((gatewayId: string, hash: string, regions: readonly string[] | null) => void)[] = [];
  // Issue 7: a node dropped a gateway (removal confirmed or node gone), or could not serve it.
  const unservedListeners: ((gatewayId: string) => void)[] = [];
  const issueListeners: ((gatewayId: string, issue: { code: string; description: string }) => void)[] = [];
  const notifyIssue = (gatewayId: string, code: string, description: string): void => {
    for (const listener of issueListeners) listener(gatewayId, { code, description });
  };
  const prefixToId = new Map<string, string>();
  // What every fleet node gets besides snapshots (never a self-managed node: the key is the platform's).
  const challenges = new Map<string, string>();
  let platformTls: Buffer | null = null;
  const fleetPeers = (): Peer[] => [...peers].filter((peer) => peer.node.scope.kind === 'fleet');

  const server: Server = createServer({ cert: options.server.cert, key: options.server.key, requestCert: true, rejectUnauthorized: false });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  server.on('request', (_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `the cluster port serves only ${OUTLET_PATH}` }));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => void onUpgrade(req, socket, head));
  server.on('tlsClientError', (err) => log.warn({ err: err.message }, 'cluster TLS handshake failed'));

  // A fleet node gets a serverless gateway when it serves one of the gateway's regions (issue 7).
  const inScope = (node: NodeRecord, gatewayId: string, p: Published): boolean =>
    node.scope.kind === 'fleet'
      ? p.audience === 'fleet' && coversAny(node.regions, p.regions)
      : p.audience === 'hybrid' && gatewayId === node.scope.controlPlaneId;
  const regionList = (node: NodeRecord): readonly string[] | null => (node.regions === null ? null : [...node.regions]);
  const notifyServed = (node: NodeRecord, gatewayId: string, hash: string): void => {
    const regions = regionList(node);
    for (const listener of servedListeners) listener(gatewayId, hash, regions);
  };

  function refuse(socket: Socket, status: number, reason: string, meta: Record<string, unknown>): void {
    log.warn({ ...meta, status, reason }, 'data plane refused');
    const body = JSON.stringify({ message: reason });
    socket.end(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  async function controlPlaneByHost(host: string): Promise<string | undefined> {
    const name = host.toLowerCase().replace(/:\d+$/, '');
    const suffix = `.${options.clusterDomain}`;
    if (!name.endsWith(suffix)) return undefined;
    const prefix = name.slice(0, -suffix.length);
    if (!prefixToId.has(prefix)) {
      for (let offset = 0; ; offset += 500) {
        const { rows } = await options.store.controlPlanes.list({}, { limit: 500, offset });
        for (const row of rows) prefixToId.set(row.dns_prefix, row.id);
        if (rows.length < 500) break;
      }
    }
    return prefixToId.get(prefix);
  }

  async function authenticate(req: IncomingMessage, peerCert: X509Certificate | undefined): Promise<AuthResult> {
    if (peerCert && isFleetCertificate(peerCert, clusterCa)) return { ok: true, scope: { kind: 'fleet' } };
    const host = req.headers.host ?? '';
    const controlPlaneId = await controlPlaneByHost(host);
    if (!controlPlaneId) return { ok: false, status: 404, reason: `no control plane answers at '${host}' (expected <dns_prefix>.${options.clusterDomain})` };
    const row = await options.store.controlPlanes.get(controlPlaneId);
    if (!row) return { ok: false, status: 404, reason: `control plane ${controlPlaneId} no longer exists` };
    const registered = await options.certificates.pems(options.store, row.id);
    return authenticateNode(peerCert, row, registered, `${row.dns_prefix}.${options.clusterDomain}`);
  }

  async function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://cluster');
    const meta = { ip: socket.remoteAddress, host: req.headers.host, nodeId: url.searchParams.get('node_id') };
    if (url.pathname !== OUTLET_PATH) return refuse(socket, 404, `unknown path ${url.pathname}; data planes connect to ${OUTLET_PATH}`, meta);
    const nodeId = url.searchParams.get('node_id') ?? '';
    const nodeVersion = url.searchParams.get('node_version') ?? '';
    if (!/^[\w.-]{1,64}$/.test(nodeId) || nodeVersion === '') return refuse(socket, 400, 'node_id and node_version are required', meta);
    let auth: AuthResult;
    const peerCert = (socket as TLSSocket).getPeerX509Certificate?.();
    try {
      auth = await authenticate(req, peerCert);
    } catch (err) {
      log.error({ err }, 'data plane authentication failed');
      return refuse(socket, 403, 'authentication failed', meta);
    }
    if (!auth.ok) return refuse(socket, auth.status, auth.reason, meta);
    const scope = auth.scope;
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, scope, peerCert, {
      id: nodeId,
      hostname: (url.searchParams.get('node_hostname') ?? '').slice(0, 255),
      version: nodeVersion.slice(0, 64),
      ip: socket.remoteAddress ?? '',
    }));
  }

  async function send(ws: WebSocket, message: ControlPlaneMessage | Buffer): Promise<void> {
    const frame = Buffer.isBuffer(message) ? message : await encodeMessage(message);
    if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
  }

  function closeWith(ws: WebSocket, code: number, reason: string): void {
    // RFC 6455 §5.5: a close reason fits in 123 bytes.
    ws.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  /** Sends one gateway's snapshot to a peer, or tells it why it cannot have it. */
  async function deliver(peer: Peer, p: Published): Promise<void> {
    const missing = missingPlugins(p.snapshot, peer.node.plugins);
    const gatewayId = p.snapshot.gatewayId;
    peer.node.issues = peer.node.issues.filter((i) => i.gatewayId !== gatewayId);
    if (missing.length > 0) {
      const description = `the configuration of gateway ${gatewayId} uses plugins this node does not have: ${missing.join(', ')}`;
      peer.node.issues.push({ code: 'plugin_set_incompatible', severity: 'error', description, resolution: 'upgrade the data plane or remove these plugins', gatewayId });
      peer.node.status = 'plugin_set_incompatible';
      if (peer.withheld.get(gatewayId) === p.snapshot.hash) return;
      peer.withheld.set(gatewayId, p.snapshot.hash);
      if (peer.node.scope.kind === 'fleet') notifyIssue(gatewayId, 'plugin_set_incompatible', description);
      log.warn({ nodeId: peer.node.id, gatewayId, missing }, 'snapshot withheld from data plane');
      return send(peer.ws, { type: 'error', code: 'plugin_set_incompatible', message: description, gatewayId, hash: p.snapshot.hash });
    }
    peer.withheld.delete(gatewayId);
    if (peer.node.issues.length === 0) peer.node.status = 'normal';
    return send(peer.ws, p.frame);
  }

  function accept(ws: WebSocket, scope: NodeScope, peerCert: X509Certificate | undefined, who: { id: string; hostname: string; version: string; ip: string }): void {
    const now = Date.now();
    const node: NodeRecord = { ...who, scope, regions: null, plugins: new Set(), hashes: new Map(), status: 'unknown', issues: [], isConnected: true, createdAt: now, updatedAt: now, lastPing: now };
    const peer: Peer = { ws, node, lastSeen: now, withheld: new Map(), peerCert, health: new Map() };
    const logMeta = { nodeId: who.id, hostname: who.hostname, version: who.version, scope: scopeKey(scope) };
    const incompatible = versionIncompatibility(options.version, who.version);
    if (incompatible) {
      node.status = 'kong_version_incompatible';
      node.isConnected = false;
      node.issues.push({ code: 'kong_version_incompatible', severity: 'error', description: incompatible, resolution: 'run a data plane no newer than the control plane' });
      nodes.upsert(node);
      log.warn({ ...logMeta, reason: incompatible }, 'data plane refused');
      void send(ws, { type: 'error', code: 'kong_version_incompatible', message: incompatible }).then(() => closeWith(ws, CLOSE.VERSION_INCOMPATIBLE, incompatible));
      return;
    }
    let isGreeted = false;
    const greetTimer = setTimeout(() => closeWith(ws, CLOSE.POLICY, 'expected basic_info within 10 s'), 10_000);
    // Messages are handled one at a time, in order: decoding is asynchronous.
    let queue = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      peer.lastSeen = Date.now();
      const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      queue = queue.then(() => onMessage(frame, isBinary)).catch((err) => {
        log.warn({ ...logMeta, err: (err as Error).message }, 'malformed message from data plane; closing');
        closeWith(ws, CLOSE.MALFORMED, (err as Error).message);
      });
    });
    ws.on('ping', () => {
      peer.lastSeen = node.lastPing = Date.now();
      if (!nodes.get(scope, node.id) && node.isConnected) nodes.upsert(node);
    });
    ws.on('pong', () => (peer.lastSeen = Date.now()));
    ws.on('error', (err) => log.warn({ ...logMeta, err: err.message }, 'data plane connection error'));
    ws.on('close', (code, reason) => {
      clearTimeout(greetTimer);
      peers.delete(peer);
      node.isConnected = false;
      for (const gatewayId of node.hashes.keys()) for (const listener of unservedListeners) listener(gatewayId);
      node.updatedAt = Date.now();
      log.info({ ...logMeta, code, reason: reason.toString() }, 'data plane disconnected');
    });

    async function onMessage(frame: Buffer, isBinary: boolean): Promise<void> {
      const message = await decodeMessage(frame, isBinary);
      if (!isGreeted) {
        if (message.type !== 'basic_info') throw new Error(`expected basic_info first, got ${message.type}`);
        isGreeted = true;
        clearTimeout(greetTimer);
        return greet(message);
      }
      if (message.type === 'applied') {
        node.lastPing = node.updatedAt = Date.now();
        for (const [gatewayId, hash] of Object.entries(message.hashes)) {
          if (hash === '') {
            node.hashes.delete(gatewayId);
            for (const listener of unservedListeners) listener(gatewayId);
          } else node.hashes.set(gatewayId, hash);
          if (hash !== '') notifyServed(node, gatewayId, hash);
        }
      } else if (message.type === 'health') {
        const at = Date.now();
        for (const [gatewayId, upstreams] of Object.entries(message.gateways)) {
          if (upstreams === null) peer.health.delete(gatewayId);
          else peer.health.set(gatewayId, { upstreams, at });
        }
      } else if (message.type === 'error') {
        log.warn({ ...logMeta, code: message.code, gatewayId: message.gatewayId, message: message.message }, 'data plane reports an error');
        node.issues = node.issues.filter((i) => i.gatewayId !== message.gatewayId || message.gatewayId === undefined);
        node.issues.push({ code: message.code, severity: 'error', description: message.message, resolution: 'see the data plane log', gatewayId: message.gatewayId });
        if (message.gatewayId !== undefined && scope.kind === 'fleet') notifyIssue(message.gatewayId, message.code, message.message);
      } else throw new Error(`unexpected message type ${message.type} from a data plane`);
    }

    async function greet(info: BasicInfo): Promise<void> {
      node.plugins = new Set(info.plugins.filter((p) => p && typeof p.name === 'string').map((p) => p.name));
      if (scope.kind === 'fleet') node.regions = nodeRegions(typeof info.labels?.region === 'string' ? info.labels.region : undefined);
      for (const [gatewayId, hash] of Object.entries(info.hashes ?? {})) node.hashes.set(gatewayId, hash);
      nodes.upsert(node);
      peers.add(peer);
      if (scope.kind === 'hybrid' && !published.has(scope.controlPlaneId)) options.requestSync?.(scope.controlPlaneId);
      log.info({ ...logMeta, plugins: node.plugins.size, cached: node.hashes.size, regions: regionList(node) ?? '*' }, 'data plane connected');
      const inventory: Record<string, string> = {};
      const due: Published[] = [];
      for (const [gatewayId, p] of published) {
        if (!inScope(node, gatewayId, p)) continue;
        inventory[gatewayId] = p.snapshot.hash;
        if (node.hashes.get(gatewayId) !== p.snapshot.hash) due.push(p);
      }
      for (const gatewayId of node.hashes.keys()) if (!(gatewayId in inventory)) node.hashes.delete(gatewayId);
      await send(ws, { type: 'inventory', hashes: inventory });
      if (scope.kind === 'fleet') {
        if (platformTls !== null) await send(ws, platformTls);
        if (challenges.size > 0) await send(ws, { type: 'acme_challenges', challenges: Object.fromEntries(challenges) });
      }
      if (due.length === 0) node.status = 'normal';
      for (const p of due) await deliver(peer, p);
      for (const [gatewayId, hash] of node.hashes) notifyServed(node, gatewayId, hash);
    }
  }

  // Heartbeats (Kong: ping every 30 s, drop after 45 s of silence): ping every node, drop the silent.
  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const peer of peers) {
      if (now - peer.lastSeen > heartbeatMs * 3) {
        log.warn({ nodeId: peer.node.id }, 'data plane silent; dropping it');
        peer.ws.terminate();
      } else peer.ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    async listen(port: number, host: string): Promise<{ port: number }> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return { port: (server.address() as AddressInfo).port };
    },

    /**
     * Makes `snapshot` the gateway's current one and pushes it to every node that serves it: for the
     * fleet, the nodes of `regions` (undefined: every fleet node). A node no longer in those regions is
     * told to drop the gateway.
     */
    async publish(snapshot: Snapshot, audience: Audience, regions?: readonly string[]): Promise<void> {
      const current = published.get(snapshot.gatewayId);
      const sameRegions = String(current?.regions?.toSorted()) === String(regions?.toSorted());
      if (current && current.snapshot.hash === snapshot.hash && current.audience === audience && sameRegions) return;
      const p: Published = { snapshot, audience, regions, frame: await encodeMessage({ type: 'snapshot', snapshot }), publishedAt: Date.now() };
      published.set(snapshot.gatewayId, p);
      const leaving = current ? [...peers].filter((peer) => inScope(peer.node, snapshot.gatewayId, current) && !inScope(peer.node, snapshot.gatewayId, p)) : [];
      const removal = leaving.length > 0 ? await encodeMessage({ type: 'remove', gatewayIds: [snapshot.gatewayId] }) : undefined;
      await Promise.all([
        ...[...peers].filter((peer) => inScope(peer.node, snapshot.gatewayId, p)).map((peer) => deliver(peer, p)),
        ...leaving.map((peer) => send(peer.ws, removal!)),
      ]);
    },

    /** Stops every node serving the gateway. */
    async remove(gatewayId: string): Promise<void> {
      const p = published.get(gatewayId);
      if (!p) return;
      published.delete(gatewayId);
      const frame = await encodeMessage({ type: 'remove', gatewayIds: [gatewayId] });
      for (const peer of peers) if (inScope(peer.node, gatewayId, p)) await send(peer.ws, frame);
    },

    /**
     * ACME HTTP-01 (the domain service's challenge sink): every fleet node answers the token on its
     * HTTP port until withdrawn with null; a node that connects later gets the current set.
     */
    setAcmeChallenge(token: string, keyAuthorization: string | null): void {
      if (keyAuthorization === null) challenges.delete(token);
      else challenges.set(token, keyAuthorization);
      const message: ControlPlaneMessage = { type: 'acme_challenges', challenges: { [token]: keyAuthorization } };
      void encodeMessage(message).then((frame) => Promise.all(fleetPeers().map((peer) => send(peer.ws, frame))));
    },

    /** The platform's certificates for the generated hostnames: sent to every fleet node now and at each connect. */
    async setPlatformCertificates(certificates: { cert: string; key: string }[]): Promise<void> {
      platformTls = await encodeMessage({ type: 'platform_tls', certificates });
      const frame = platformTls;
      await Promise.all(fleetPeers().map((peer) => send(peer.ws, frame)));
    },

    /** Called with (gatewayId, hash, the node's regions or null for every region) each time a node reports serving a hash. */
    onServed(listener: (gatewayId: string, hash: string, regions: readonly string[] | null) => void): void {
      servedListeners.push(listener);
    },

    /** Called with a gateway id when a node stops serving it (removal applied, or the node disconnected). */
    onUnserved(listener: (gatewayId: string) => void): void {
      unservedListeners.push(listener);
    },

    /** Called when a fleet node cannot serve a gateway (withheld for missing plugins, or an `error` it reports). */
    onIssue(listener: (gatewayId: string, issue: { code: string; description: string }) => void): void {
      issueListeners.push(listener);
    },

    /** Does any connected node serve some hash of the gateway? */
    servesAny(gatewayId: string): boolean {
      for (const peer of peers) if (peer.node.hashes.has(gatewayId)) return true;
      return false;
    },

    /** The `node_version`s of the connected nodes serving the gateway (any hash), one per node. */
    servingVersions(gatewayId: string): string[] {
      const versions: string[] = [];
      for (const peer of peers) if (peer.node.hashes.has(gatewayId)) versions.push(peer.node.version);
      return versions;
    },

    /** The latest upstream health each connected node reported for the gateway (none: no node reported). */
    upstreamHealth(gatewayId: string): NodeUpstreamHealth[] {
      const out: NodeUpstreamHealth[] = [];
      for (const peer of peers) {
        const report = peer.health.get(gatewayId);
        if (report) out.push({ nodeId: peer.node.id, at: report.at, upstreams: report.upstreams });
      }
      return out;
    },

    /** Does any connected node serve this hash of the gateway? */
    isServed(gatewayId: string, hash: string): boolean {
      for (const peer of peers) if (peer.node.hashes.get(gatewayId) === hash) return true;
      return false;
    },

    /** Does a connected node of `region` serve this hash of the gateway? */
    isServedIn(gatewayId: string, hash: string, region: string): boolean {
      for (const peer of peers) if (peer.node.hashes.get(gatewayId) === hash && coversAny(peer.node.regions, [region])) return true;
      return false;
    },

    /** Is a fleet node of `region` connected (a gateway placed there has capacity)? */
    hasCapacity(region: string): boolean {
      for (const peer of peers) if (peer.node.scope.kind === 'fleet' && coversAny(peer.node.regions, [region])) return true;
      return false;
    },

    /** Nodes shown for a control plane: its own (self-managed) or the fleet nodes of its gateway's regions (serverless). */
    nodes(controlPlaneId: string, isServerlessControlPlane: boolean): NodeRecord[] {
      if (!isServerlessControlPlane) return nodes.list({ kind: 'hybrid', controlPlaneId });
      const regions = published.get(controlPlaneId)?.regions;
      return nodes.list({ kind: 'fleet' }).filter((node) => coversAny(node.regions, regions));
    },

    deleteNode(controlPlaneId: string, isServerlessControlPlane: boolean, nodeId: string): boolean {
      return nodes.delete(isServerlessControlPlane ? { kind: 'fleet' } : { kind: 'hybrid', controlPlaneId }, nodeId);
    },

    /** The hash nodes should report for this gateway, and when it was published. */
    expected(gatewayId: string): { hash: string; publishedAt: number } {
      const p = published.get(gatewayId);
      return p ? { hash: p.snapshot.hash, publishedAt: p.publishedAt } : { hash: ZERO_HASH, publishedAt: 0 };
    },

    /** Re-checks the certificates of a control plane's connected nodes (after a certificate change). */
    async recheck(controlPlaneId: string): Promise<void> {
      const row = await options.store.controlPlanes.get(controlPlaneId);
      const registered = row ? await options.certificates.pems(options.store, controlPlaneId) : [];
      for (const peer of peers) {
        const scope = peer.node.scope;
        if (scope.kind !== 'hybrid' || scope.controlPlaneId !== controlPlaneId) continue;
        const result = row ? authenticateNode(peer.peerCert, row, registered, `${row.dns_prefix}.${options.clusterDomain}`) : { ok: false as const, reason: 'control plane deleted' };
        if (!result.ok) {
          log.warn({ nodeId: peer.node.id, reason: result.reason }, 'disconnecting data plane whose certificate is no longer accepted');
          closeWith(peer.ws, CLOSE.NOT_ALLOWED, result.reason);
        }
      }
    },

    async close(): Promise<void> {
      clearInterval(heartbeat);
      for (const peer of peers) peer.ws.terminate();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
export type ClusterHub = ReturnType<typeof createClusterHub>;
