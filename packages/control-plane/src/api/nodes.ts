import type { FastifyInstance } from 'fastify';
import { isUuid } from '@gatehouse/schema';
import type { AppContext } from '../context.ts';
import type { ClusterAppContext } from '../clustering/context.ts';
import { isServerless } from '../clustering/auth.ts';
import type { NodeRecord } from '../clustering/nodes.ts';
import type { ControlPlaneRow } from '../store/types.ts';

type CpParams = { Params: { controlPlaneId: string } };
type NodeParams = { Params: { controlPlaneId: string; nodeId: string } };

const seconds = (ms: number): number => Math.floor(ms / 1000);
const ZERO_HASH = '0'.repeat(32);

/**
 * Konnect's Node (reference/konnect-api.md §3), plus Kong's `sync_status` (clustering_data_planes.lua).
 * A fleet node serves many gateways; for a serverless control plane its `config_hash` is the one it
 * runs for that control plane's gateway.
 */
function nodeView(node: NodeRecord, gatewayId: string) {
  return {
    id: node.id,
    version: node.version,
    hostname: node.hostname,
    last_ping: seconds(node.lastPing),
    type: 'kong-proxy',
    created_at: seconds(node.createdAt),
    updated_at: seconds(Math.max(node.updatedAt, node.lastPing)),
    config_hash: node.hashes.get(gatewayId) ?? ZERO_HASH,
    sync_status: node.status,
    compatibility_status: {
      state: node.issues.length === 0 ? 'COMPATIBILITY_STATE_FULLY_COMPATIBLE' : 'COMPATIBILITY_STATE_INCOMPATIBLE',
      issues: node.issues.map((i) => ({ code: i.code, severity: i.severity, description: i.description, resolution: i.resolution, affected_resources: [], documentation_url: '' })),
    },
  };
}

/** Data-plane nodes and the expected config hash (reference/konnect-api.md §3, "DP Nodes"). */
export function registerNodeRoutes(app: FastifyInstance, ctx: AppContext): void {
  const cluster = (ctx as ClusterAppContext).cluster;
  const base = '/v2/control-planes/:controlPlaneId';
  const find = async (id: string): Promise<ControlPlaneRow | undefined> => (isUuid(id) ? ctx.store.controlPlanes.get(id.toLowerCase()) : undefined);
  const nodesOf = (cp: ControlPlaneRow): NodeRecord[] => cluster?.hub.nodes(cp.id, isServerless(cp.cluster_type)) ?? [];

  app.get<CpParams>(`${base}/nodes`, async (request, reply) => {
    const cp = await find(request.params.controlPlaneId);
    if (!cp) return reply.code(404).send({ message: 'Not Found' });
    const query = request.query as Record<string, unknown>;
    const size = Math.min(Math.max(Number(query['page[size]'] ?? 100) || 100, 1), 1000);
    const after = typeof query['page[after]'] === 'string' ? Number(query['page[after]']) || 0 : 0;
    const all = nodesOf(cp);
    const page = all.slice(after, after + size);
    const next = after + size < all.length ? String(after + size) : undefined;
    return { items: page.map((n) => nodeView(n, cp.id)), page: { total_count: all.length, ...(next ? { next } : {}) } };
  });

  app.get<NodeParams>(`${base}/nodes/:nodeId`, async (request, reply) => {
    const cp = await find(request.params.controlPlaneId);
    const node = cp ? nodesOf(cp).find((n) => n.id === request.params.nodeId) : undefined;
    if (!cp || !node) return reply.code(404).send({ message: 'Not Found' });
    return { item: nodeView(node, cp.id) };
  });

  app.delete<NodeParams>(`${base}/nodes/:nodeId`, async (request, reply) => {
    const cp = await find(request.params.controlPlaneId);
    if (!cp || !cluster?.hub.deleteNode(cp.id, isServerless(cp.cluster_type), request.params.nodeId)) return reply.code(404).send({ message: 'Not Found' });
    return reply.code(204).send();
  });

  app.get<CpParams>(`${base}/expected-config-hash`, async (request, reply) => {
    const cp = await find(request.params.controlPlaneId);
    if (!cp) return reply.code(404).send({ message: 'Not Found' });
    const expected = cluster?.hub.expected(cp.id) ?? { hash: ZERO_HASH, publishedAt: 0 };
    return { expected_hash: expected.hash, created_at: seconds(cp.created_at), updated_at: seconds(expected.publishedAt || cp.updated_at) };
  });
}
