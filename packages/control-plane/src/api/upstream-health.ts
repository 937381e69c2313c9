import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HealthState, TargetHealth, UpstreamHealth } from '@gatehouse/data-plane';
import type { AppContext } from '../context.ts';
import type { ClusterAppContext } from '../clustering/context.ts';
import type { NodeUpstreamHealth } from '../clustering/hub.ts';
import { createEntityService, type EntityService } from '../services/entities.ts';
import { CORE_ENTITY_PREFIXES } from './core-entities.ts';

// Kong Admin's upstream health endpoints (`GET /upstreams/{u}/health`, and `?balancer_health=1`) under
// both core-entity bases, answered from the health the data planes report over the clustering
// protocol (sync/protocol.ts `health`). Targets are the stored ones; their health is merged across the
// connected nodes that reported the gateway: the worst state wins (one node that cannot reach a target
// makes it UNHEALTHY), and node_id names the node whose report is the most recent. Without any report
// every target shows HEALTHCHECKS_OFF with no addresses, as Kong shows a target without a balancer.

type Req = FastifyRequest<{ Params: { controlPlaneId: string; id: string }; Querystring: Record<string, unknown> }>;
type Body = Record<string, unknown>;

const RANK: Record<HealthState | 'DNS_ERROR', number> = { HEALTHCHECKS_OFF: 0, HEALTHY: 1, DNS_ERROR: 2, UNHEALTHY: 3 };
const worse = (a: string, b: string): boolean => (RANK[a as HealthState] ?? 0) > (RANK[b as HealthState] ?? 0);
const isOn = (v: unknown): boolean => v !== undefined && v !== '0' && v !== 'false';
const TARGET_PAGE = 1000;

async function allTargets(entities: EntityService, cp: string, upstreamId: string): Promise<Body[]> {
  const out: Body[] = [];
  let offset: string | undefined;
  // Bounded: at most 100 pages (100,000 targets).
  for (let page = 0; page < 100; page++) {
    const list = await entities.list(cp, 'targets', { type: 'upstreams', idOrName: upstreamId }, { size: String(TARGET_PAGE), offset });
    out.push(...(list.data as Body[]));
    if (list.offset === null) break;
    offset = list.offset;
  }
  return out;
}

/** Each reporting node's view of this upstream. */
function reportsOf(reports: NodeUpstreamHealth[], upstreamId: string): { nodeId: string; at: number; upstream: UpstreamHealth }[] {
  const out = [];
  for (const report of reports) {
    const upstream = report.upstreams.find((u) => u.id === upstreamId);
    if (upstream) out.push({ nodeId: report.nodeId, at: report.at, upstream });
  }
  return out;
}

/** Registers `/upstreams/:id/health` under every core-entity base. */
export async function registerUpstreamHealthRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const entities = createEntityService(ctx.store, ctx.events);
  const hub = () => (ctx as ClusterAppContext).cluster?.hub;
  const plugin = async (scope: FastifyInstance) => {
    scope.get('/upstreams/:id/health', async (request: Req) => {
      const cp = request.params.controlPlaneId;
      const upstream = await entities.get(cp, 'upstreams', request.params.id, null);
      const upstreamId = String(upstream.id);
      const cpId = String((await entities.controlPlane(cp)).id);
      const views = reportsOf(hub()?.upstreamHealth(cpId) ?? [], upstreamId);
      const latest = views.reduce<(typeof views)[number] | undefined>((a, v) => (a === undefined || v.at > a.at ? v : a), undefined);
      const nodeId = latest?.nodeId ?? null;

      if (isOn(request.query.balancer_health)) {
        let health: string = 'HEALTHCHECKS_OFF';
        for (const v of views) if (health === 'HEALTHCHECKS_OFF' || worse(v.upstream.health, health)) health = v.upstream.health;
        return { data: { id: upstreamId, health }, next: null, node_id: nodeId };
      }

      const worst = new Map<string, TargetHealth>();
      for (const v of views) {
        for (const t of v.upstream.targets) {
          const seen = worst.get(t.id);
          if (seen === undefined || worse(t.health, seen.health)) worst.set(t.id, t);
        }
      }
      const data = (await allTargets(entities, cp, upstreamId)).map((target) => {
        const reported = worst.get(String(target.id));
        return {
          ...target,
          upstream: { id: upstreamId },
          health: reported?.health ?? 'HEALTHCHECKS_OFF',
          data: { addresses: reported?.addresses ?? [] },
        };
      });
      return { data, next: null, node_id: nodeId };
    });
  };
  for (const prefix of CORE_ENTITY_PREFIXES) await app.register(plugin, { prefix });
}
