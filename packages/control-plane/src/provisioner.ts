import type { Snapshot } from '@gatehouse/schema';
import type { AppContext } from './context.ts';
import { compileSnapshot } from './compiler/snapshot-compiler.ts';
import { setGatewayState } from './services/configurations.ts';
import { readyDomainHostnames } from './domains/domain-service.ts';

/** What the provisioner needs of a data plane: today the in-process one, later the clustering hub. */
export interface SnapshotSink {
  applySnapshot(snapshot: Snapshot): void;
  removeGateway(gatewayId: string): void;
  /** gatewayId -> hash of the snapshot being served. */
  gatewayHashes(): Map<string, string>;
}

/**
 * Keeps data planes in step with the store: compiles a gateway's snapshot after each change and
 * pushes it; marks the gateway `ready` once the data plane serves that hash. Changes to one gateway
 * that arrive while it is compiling are coalesced into one more compile, never lost.
 */
export function createProvisioner(ctx: AppContext, sink: SnapshotSink) {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();

  async function sync(controlPlaneId: string): Promise<void> {
    const configurations = await ctx.store.configurations.getByControlPlane(controlPlaneId);
    const own = configurations.flatMap((c) => c.dataplane_groups.flatMap((g) => g.hostnames));
    // A gateway also serves its ready custom domains (issue 8), by Host and, with their certificates, by SNI.
    const hostnames = own.length === 0 ? own : [...own, ...(await readyDomainHostnames(ctx.store, controlPlaneId))];
    if (hostnames.length === 0) {
      sink.removeGateway(controlPlaneId);
      return;
    }
    const snapshot = await compileSnapshot(ctx.store, controlPlaneId, hostnames);
    if (sink.gatewayHashes().get(controlPlaneId) !== snapshot.hash) sink.applySnapshot(snapshot);
    const served = sink.gatewayHashes().get(controlPlaneId) === snapshot.hash;
    const isReady = configurations.every((c) => c.dataplane_groups.every((g) => g.state === 'ready'));
    if (served && !isReady) await setGatewayState(ctx.store, controlPlaneId, 'ready');
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
  ctx.events.on('gatewayRemoved', (id) => {
    again.delete(id);
    sink.removeGateway(id);
  });

  return {
    /** Pushes every provisioned gateway (at start-up). */
    async syncAll(): Promise<number> {
      let count = 0;
      for (let offset = 0; ; offset += 100) {
        const { rows } = await ctx.store.configurations.list({}, { limit: 100, offset });
        for (const row of rows) {
          await schedule(row.control_plane_id);
          count++;
        }
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
