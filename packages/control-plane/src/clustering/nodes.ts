import type { SyncStatus } from '@gatehouse/data-plane/sync/protocol.ts';

// The node registry: every data plane that connected, by scope. A record stays after its node
// disconnects (Konnect lists recently seen nodes) and expires once it has not pinged for `expiryMs`.

/** Who a node may serve: the platform's serverless fleet, or one self-managed control plane. */
export type NodeScope = { kind: 'fleet' } | { kind: 'hybrid'; controlPlaneId: string };

export interface NodeIssue {
  code: string;
  severity: 'error' | 'warning';
  description: string;
  resolution: string;
  gatewayId?: string;
}

export interface NodeRecord {
  id: string;
  hostname: string;
  version: string;
  ip: string;
  scope: NodeScope;
  /** Fleet nodes: the regions whose gateways this node serves (its `region` label); null = every region. */
  regions: ReadonlySet<string> | null;
  plugins: Set<string>;
  /** gatewayId -> hash the node reports it serves. */
  hashes: Map<string, string>;
  status: SyncStatus;
  issues: NodeIssue[];
  isConnected: boolean;
  createdAt: number;
  updatedAt: number;
  lastPing: number;
}

/**
 * A fleet node's `region` label: `*` (or no label) for every region, else a comma-separated list.
 * @example nodeRegions('us, eu') // Set { 'us', 'eu' }
 */
export function nodeRegions(label: string | undefined): ReadonlySet<string> | null {
  const regions = (label ?? '*').split(',').map((r) => r.trim().toLowerCase()).filter((r) => r !== '');
  return regions.length === 0 || regions.includes('*') ? null : new Set(regions);
}

/** Does a node with these regions serve a gateway placed in `wanted` (undefined: everywhere)? */
export function coversAny(regions: ReadonlySet<string> | null, wanted: readonly string[] | undefined): boolean {
  return regions === null || wanted === undefined || wanted.some((r) => regions.has(r));
}

export const scopeKey = (scope: NodeScope): string => (scope.kind === 'fleet' ? 'fleet' : `cp:${scope.controlPlaneId}`);

export function createNodeRegistry(expiryMs: number) {
  const byScope = new Map<string, Map<string, NodeRecord>>();

  function purge(records: Map<string, NodeRecord>, now: number): void {
    for (const [id, node] of records) if (!node.isConnected && now - node.lastPing > expiryMs) records.delete(id);
  }

  return {
    /** Adds or replaces the record of a (re)connecting node; its hashes start from what it reported. */
    upsert(node: NodeRecord): NodeRecord {
      const key = scopeKey(node.scope);
      let records = byScope.get(key);
      if (!records) byScope.set(key, (records = new Map()));
      const previous = records.get(node.id);
      if (previous) node.createdAt = previous.createdAt;
      records.set(node.id, node);
      return node;
    },
    list(scope: NodeScope, now = Date.now()): NodeRecord[] {
      const records = byScope.get(scopeKey(scope));
      if (!records) return [];
      purge(records, now);
      return [...records.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },
    get(scope: NodeScope, id: string): NodeRecord | undefined {
      return this.list(scope).find((n) => n.id === id);
    },
    /** Forgets a record; a connected node comes back on its next ping (Konnect: delete does not prevent reconnecting). */
    delete(scope: NodeScope, id: string): boolean {
      return byScope.get(scopeKey(scope))?.delete(id) ?? false;
    },
  };
}
export type NodeRegistry = ReturnType<typeof createNodeRegistry>;
