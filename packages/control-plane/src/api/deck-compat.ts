import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { createControlPlaneService } from '../services/control-planes.ts';
import { invalidParameters } from './errors.ts';

// What decK calls outside the Kong Admin tree (reference/konnect-api.md §7.1): the legacy runtime
// groups listing it finds the control plane in by name, and the organization `deck gateway ping`
// reads. The Kong Admin tree itself is served under both bases by core-entities.ts.

// decK asks for size=100; the Konnect list it reads from pages at most 100.
const PAGE_SIZE = 100;

function positiveInt(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw invalidParameters([{ field, rule: 'min', reason: `${field} must be a positive integer` }]);
  return n;
}

/** A stable organization id per platform: one Gatehouse is one organization. */
export function organizationOf(baseDomain: string): { id: string; name: string } {
  const hex = createHash('sha256').update(`gatehouse-organization:${baseDomain}`).digest('hex');
  // RFC 9562 UUIDv8 (custom): version nibble 8, variant bits 10.
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return { id, name: baseDomain };
}

/** Registers the decK-only endpoints: runtime groups listing and organizations/me. */
export function registerDeckCompatRoutes(app: FastifyInstance, ctx: AppContext): void {
  const controlPlanes = createControlPlaneService(ctx);

  // decK reads `data[].{id,name}`, `page` and `pageCount`, asking for `?page=N+1&size=100` while
  // `page != pageCount` (go-database-reconciler pkg/konnect/control_plane.go); pages are 1-based.
  app.get('/konnect-api/api/runtime_groups', async (request) => {
    const query = request.query as Record<string, unknown>;
    const page = positiveInt(query.page, 'page', 1);
    const size = Math.min(positiveInt(query.size, 'size', PAGE_SIZE), PAGE_SIZE);
    const list = await controlPlanes.list({ 'page[size]': String(size), 'page[number]': String(page) });
    const total = list.meta.page.total;
    return {
      data: list.data.map((cp) => ({
        id: cp.id,
        name: cp.name,
        description: cp.description ?? '',
        labels: cp.labels ?? {},
        config: { control_plane_endpoint: cp.config.control_plane_endpoint, telemetry_endpoint: cp.config.telemetry_endpoint, cluster_type: cp.config.cluster_type },
        created_at: cp.created_at,
        updated_at: cp.updated_at,
      })),
      page,
      pageCount: Math.max(1, Math.ceil(total / size)),
      total,
    };
  });

  // `deck gateway ping` prints "Successfully Konnected to the <name> organization!" from this.
  for (const version of ['v2', 'v3']) {
    app.get(`/${version}/organizations/me`, async () => ({ ...organizationOf(ctx.config.baseDomain), state: 'active' }));
  }
}
