import type { Snapshot } from '@gatehouse/schema';
import type { AppContext } from './context.ts';
import { compileSnapshot } from './compiler/snapshot-compiler.ts';
import { markInitializing, setGatewayIssue, setGatewayState, terminateRetired } from './services/configurations.ts';
import { readyDomainHostnames } from './domains/domain-service.ts';
import { isServerless } from './clustering/auth.ts';

/**
 * Where snapshots go: the clustering hub. Serverless gateways go to the fleet; a self-managed control
 * plane's gateway goes to its own nodes only.
 */
export interface SnapshotSink {
  /** `regions`: a serverless gateway's regions (the fleet nodes of those regions serve it). */
  publish(snapshot: Snapshot, audience: 'fleet' | 'hybrid', regions?: readonly string[]): Promise<void>;
  remove(gatewayId: string): Promise<void>;
  /** `regions`: those the reporting node serves; null or absent = every region. */
  onServed(listener: (gatewayId: string, hash: string, regions?: readonly string[] | null) => void): void;
  isServed(gatewayId: string, hash: string): boolean;
  /** Issue 7: whether any node still serves the gateway, and when one stops (for `terminated`). */
  servesAny?(gatewayId: string): boolean;
  onUnserved?(listener: (gatewayId: string) => void): void;
  /** A fleet node could not serve the gateway (shown as the groups' `state_metadata`). */
  onIssue?(listener: (gatewayId: string, issue: { code: string; description: string }) => void): void;
}

/**
 * Placement by region (the hub): a sink without it counts every node as serving every region.
 */
export interface RegionPlacement {
  /** Does a connected node of `region` serve this hash of the gateway? */
  isServedIn(gatewayId: string, hash: string, region: string): boolean;
  /** Is a fleet node of `region` connected? */
  hasCapacity(region: string): boolean;
}

/**
 * A self-managed data plane serves one control plane, whatever the Host: its snapshot's hostname is
 * the catch-all `*` (the data plane's lookup falls back to it), and routes select by their own hosts.
 */
export const CATCH_ALL_HOSTNAME = '*';

/**
 * Keeps data planes in step with the store: compiles a gateway's snapshot after each change and
 * publishes it through the hub; marks a serverless gateway `ready` once a node reports serving that
 * hash. Groups go `created` (PUT) -> `initializing` (compiled, handed to the fleet) -> `ready`; a
 * deleted control plane's retired configuration goes `terminating` -> `terminated` once no node serves
 * the gateway. Changes to one gateway that arrive while it is compiling are coalesced into one more compile,
 * never lost.
 */
export function createProvisioner(ctx: AppContext, sink: SnapshotSink & Partial<RegionPlacement>) {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  /** gatewayId -> hash of its latest serverless snapshot and the regions whose groups are not yet `ready`. */
  const awaitingReady = new Map<string, { hash: string; regions: Set<string> }>();

  /** Marks `ready` the waiting groups of the regions a node serving `hash` covers (null: every region). */
  async function markReady(controlPlaneId: string, hash: string, nodeRegions: readonly string[] | null): Promise<void> {
    const waiting = awaitingReady.get(controlPlaneId);
    if (waiting?.hash !== hash) return;
    const regions = [...waiting.regions].filter((r) => nodeRegions === null || nodeRegions.includes(r));
    if (regions.length === 0) return;
    for (const region of regions) waiting.regions.delete(region);
    if (waiting.regions.size === 0) awaitingReady.delete(controlPlaneId);
    await setGatewayState(ctx.store, controlPlaneId, 'ready', undefined, regions);
  }
  sink.onServed((gatewayId, hash, regions) => {
    if (awaitingReady.get(gatewayId)?.hash === hash) void markReady(gatewayId, hash, regions ?? null).catch((err) => ctx.logger.error({ err, gatewayId }, 'could not mark gateway ready'));
  });

  /** Gateways removed from the fleet whose retired configuration waits for the nodes to drop them. */
  const awaitingRemoval = new Set<string>();
  async function terminateIfUnserved(gatewayId: string): Promise<void> {
    if (sink.servesAny?.(gatewayId)) {
      awaitingRemoval.add(gatewayId);
      return;
    }
    awaitingRemoval.delete(gatewayId);
    await terminateRetired(ctx.store, gatewayId);
  }
  sink.onUnserved?.((gatewayId) => {
    if (awaitingRemoval.has(gatewayId)) void terminateIfUnserved(gatewayId).catch((err) => ctx.logger.error({ err, gatewayId }, 'could not mark gateway terminated'));
  });
  sink.onIssue?.((gatewayId, issue) => {
    const metadata = { reported_status: issue.code.toUpperCase(), reason: issue.description };
    void setGatewayIssue(ctx.store, gatewayId, metadata).catch((err) => ctx.logger.error({ err, gatewayId }, 'could not record gateway issue'));
  });

  async function sync(controlPlaneId: string): Promise<void> {
    const controlPlane = await ctx.store.controlPlanes.get(controlPlaneId);
    if (!controlPlane) {
      awaitingReady.delete(controlPlaneId);
      await sink.remove(controlPlaneId);
      return terminateIfUnserved(controlPlaneId);
    }
    if (!isServerless(controlPlane.cluster_type)) {
      return sink.publish(await compileSnapshot(ctx.store, controlPlaneId, [CATCH_ALL_HOSTNAME]), 'hybrid');
    }
    const configurations = await ctx.store.configurations.getByControlPlane(controlPlaneId);
    const own = configurations.flatMap((c) => c.dataplane_groups.flatMap((g) => g.hostnames));
    // A gateway also serves its ready custom domains (issue 8), by Host and, with their certificates, by SNI.
    const hostnames = own.length === 0 ? own : [...own, ...(await readyDomainHostnames(ctx.store, controlPlaneId))];
    if (hostnames.length === 0) {
      awaitingReady.delete(controlPlaneId);
      return sink.remove(controlPlaneId);
    }
    const snapshot = await compileSnapshot(ctx.store, controlPlaneId, hostnames);
    // Placement (issue 7): the fleet nodes of the groups' regions serve the gateway; each group is
    // `ready` once a node of its region reports the hash.
    const regions = [...new Set(configurations.flatMap((c) => c.dataplane_groups.map((g) => g.region)))];
    const waiting = new Set(configurations.flatMap((c) => c.dataplane_groups.filter((g) => g.state !== 'ready').map((g) => g.region)));
    if (waiting.size > 0) awaitingReady.set(controlPlaneId, { hash: snapshot.hash, regions: waiting });
    else awaitingReady.delete(controlPlaneId);
    if (configurations.some((c) => c.dataplane_groups.some((g) => g.state === 'created'))) await markInitializing(ctx.store, controlPlaneId);
    await sink.publish(snapshot, 'fleet', regions);
    for (const region of waiting) {
      const isServed = sink.isServedIn ? sink.isServedIn(controlPlaneId, snapshot.hash, region) : sink.isServed(controlPlaneId, snapshot.hash);
      if (isServed) await markReady(controlPlaneId, snapshot.hash, [region]);
      else if (sink.hasCapacity && !sink.hasCapacity(region)) {
        const metadata = { reported_status: 'NO_CAPACITY', reason: `no data-plane node serves region ${region} yet` };
        await setGatewayIssue(ctx.store, controlPlaneId, metadata, [region]);
      }
    }
  }

  function schedule(controlPlaneId: string): Promise<void> {
    const current = running.get(controlPlaneId);
    if (current) {
      again.add(controlPlaneId);
      return current;
    }
    const run = (async () => {
      try {
        do {
          again.delete(controlPlaneId);
          await sync(controlPlaneId);
        } while (again.has(controlPlaneId));
      } catch (err) {
        ctx.logger.error({ err, controlPlaneId }, 'gateway sync failed');
      } finally {
        running.delete(controlPlaneId);
      }
    })();
    running.set(controlPlaneId, run);
    return run;
  }

  ctx.events.on('gatewayChanged', (id) => void schedule(id));
  ctx.events.on('gatewayRemoved', (id) => void schedule(id));

  return {
    /** Compiles and publishes one gateway now (coalesced with a sync already running). */
    sync: schedule,
    /** Publishes every gateway, serverless and self-managed (at start-up). Returns how many. */
    async syncAll(): Promise<number> {
      // Deleted control planes whose configuration was still terminating when the platform stopped.
      for (let offset = 0; ; offset += 100) {
        const retired = await ctx.store.retiredConfigurations.list({ limit: 100, offset });
        const due = new Set(retired.filter((c) => c.dataplane_groups.some((g) => g.state !== 'terminated')).map((c) => c.control_plane_id));
        await Promise.all([...due].map((id) => schedule(id)));
        if (retired.length < 100) break;
      }
      let count = 0;
      for (let offset = 0; ; offset += 100) {
        const { rows } = await ctx.store.controlPlanes.list({}, { limit: 100, offset });
        await Promise.all(rows.map((row) => schedule(row.id)));
        count += rows.length;
        if (rows.length < 100) return count;
      }
    },
    /** Resolves when no sync is in flight (tests and shutdown). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}
export type Provisioner = ReturnType<typeof createProvisioner>;
