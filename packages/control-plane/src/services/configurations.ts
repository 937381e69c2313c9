import { isUuid, newDnsPrefix, newId, type FieldError } from '@gatehouse/schema';
import type { AppContext } from '../context.ts';
import { ProblemError, invalidParameters } from '../api/errors.ts';
import { CONTROL_PLANE_GEOS, SERVERLESS_REGIONS, putConfigurationSchema, type Configuration, type GroupState } from '../api/schemas/cloud-gateway.ts';
import { canonicalClusterType, type ClusterType } from '../api/schemas/control-plane.ts';
import { assertNoQueryErrors, bodyError, pageMeta, readBody, readFilters, readPage, splitList, type Query } from '../api/schemas/request.ts';
import { StoreConflictError, type ConfigurationRow, type DataplaneGroupRow, type Store, type StoreTx } from '../store/types.ts';
import { controlPlaneNotFound } from './control-planes.ts';

// Cloud-gateway configurations (reference/konnect-api.md §6.2–§6.4, §8): one per (control plane, geo),
// created or replaced by PUT. Gatehouse provisions serverless gateways only, so a configuration is a
// set of hostnames for the control plane's gateway; the provisioner turns it into a served snapshot.

type ServerlessKind = keyof typeof SERVERLESS_REGIONS;
type DesiredGroup = { provider?: string; region: string };

const CLUSTER_TYPE_FOR: Record<ServerlessKind, ClusterType> = {
  'serverless.v0': 'CLUSTER_TYPE_SERVERLESS',
  'serverless.v1': 'CLUSTER_TYPE_SERVERLESS_V1',
};
const IDENTICAL = 'Proposed cloud gateway configuration and current cloud gateway configuration are identical.';
const HOSTNAME_ATTEMPTS = 5;

/** The public availability document (spec #AvailabilityDocument); dedicated-only lists are empty. */
export const AVAILABILITY = {
  versions: [],
  instance_types: [],
  providers: [],
  serverless_v1_providers: [{ provider: 'aws' as const, regions: SERVERLESS_REGIONS['serverless.v1'].regions.map((region) => ({ region })) }],
};

type Deps = Pick<AppContext, 'store' | 'config' | 'events'> & {
  /** The hub, when the API runs beside it (ClusterAppContext): the versions of the nodes serving a gateway. */
  cluster?: { hub: { servingVersions(controlPlaneId: string): string[] } };
};

/** How long a deleted control plane's configuration stays readable (as `terminating`/`terminated`). */
export const RETIRED_RETENTION_MS = 24 * 60 * 60_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The oldest of the versions, by numeric parts (`3.9.1` < `3.10.0`): what every node serving the
 * gateway runs at least, and the newest version once a fleet upgrade has reached every node.
 */
function oldestVersion(versions: string[]): string | undefined {
  const parts = (v: string) => v.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  let oldest: string | undefined;
  for (const v of versions) {
    if (oldest === undefined) oldest = v;
    else {
      const a = parts(v);
      const b = parts(oldest);
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if ((a[i] ?? 0) !== (b[i] ?? 0)) {
          if ((a[i] ?? 0) < (b[i] ?? 0)) oldest = v;
          break;
        }
      }
    }
  }
  return oldest;
}

/**
 * The wire form (spec #ConfigurationManifest); a serverless.v0 group sent without provider has none.
 * `version` (not in Konnect's manifest for serverless; the spec's group allows extra fields) is the
 * data-plane version serving the group, the oldest when several nodes serve it, absent when none does.
 */
export function configurationView(row: ConfigurationRow, servingVersions?: string[]): Configuration {
  const version = servingVersions ? oldestVersion(servingVersions) : undefined;
  return {
    id: row.id,
    control_plane_id: row.control_plane_id,
    control_plane_geo: row.control_plane_geo as Configuration['control_plane_geo'],
    kind: row.kind as Configuration['kind'],
    dataplane_group_config: row.dataplane_group_config,
    dataplane_groups: row.dataplane_groups.map((g) => ({
      id: g.id,
      ...(g.provider === null ? {} : { provider: g.provider }),
      region: g.region,
      state: g.state as GroupState,
      ...(g.state_metadata === null ? {} : { state_metadata: g.state_metadata }),
      hostnames: g.hostnames,
      ...(version === undefined || g.state !== 'ready' ? {} : { version }),
      created_at: iso(g.created_at),
      updated_at: iso(g.updated_at),
    })),
    entity_version: row.entity_version,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

// Where each kind may run (digest §8.1): checks every group and refuses a repeated region.
function desiredGroups(kind: ServerlessKind, groups: DesiredGroup[]): DesiredGroup[] {
  const { providers, regions } = SERVERLESS_REGIONS[kind];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    const at = `dataplane_groups.${i}`;
    if (kind === 'serverless.v1' && g.provider === undefined) errors.push({ field: `${at}.provider`, rule: 'required', reason: `${at}.provider is a required field for kind ${kind}` });
    if (g.provider !== undefined && !(providers as readonly string[]).includes(g.provider)) {
      errors.push({ field: `${at}.provider`, rule: 'enum', choices: [...providers], reason: `${at}.provider must be one of the following values for kind ${kind}: ${providers.join(', ')}` });
    }
    if (!(regions as readonly string[]).includes(g.region)) {
      errors.push({ field: `${at}.region`, rule: 'enum', choices: [...regions], reason: `${at}.region must be one of the following values for kind ${kind}: ${regions.join(', ')}` });
    } else if (seen.has(g.region)) {
      errors.push({ field: `${at}.region`, rule: 'invalid', reason: `${at}.region repeats region '${g.region}': give each region once` });
    }
    seen.add(g.region);
  });
  if (errors.length > 0) throw bodyError(errors);
  return groups.map((g) => (g.provider === undefined ? { region: g.region } : { provider: g.provider, region: g.region }));
}

// `dataplane_groups` is a set (`format: set`): order does not make two configurations different.
const groupKey = (groups: DesiredGroup[]): string => JSON.stringify(groups.map((g) => [g.region, g.provider ?? null]).sort());

// Unguessable, never reused (the store keeps every claim): V0 `kong-<hex>.<base>`, V1 `<hex>.<region>.<base>` (digest §8.3).
async function claimHostname(tx: StoreTx, kind: ServerlessKind, region: string, controlPlaneId: string, baseDomain: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const label = newDnsPrefix();
    const hostname = kind === 'serverless.v0' ? `kong-${label}.${baseDomain}` : `${label}.${region}.${baseDomain}`;
    try {
      await tx.hostnames.claim(hostname, controlPlaneId);
      return hostname;
    } catch (err) {
      if (err instanceof StoreConflictError && err.constraint === 'hostname' && attempt < HOSTNAME_ATTEMPTS) continue;
      throw err;
    }
  }
}

const FILTERS = { control_plane_id: ['eq', 'oeq', 'neq'], control_plane_geo: ['eq', 'oeq', 'neq'] } as const;

function readListQuery(query: Query) {
  const errors: FieldError[] = [];
  const page = readPage(query, errors);
  const filters = readFilters(query, FILTERS, errors);
  let controlPlaneIds: string[] | undefined;
  let excludedIds: string[] = [];
  for (const [op, value] of Object.entries(filters.control_plane_id ?? {})) {
    const ids = (op === 'oeq' ? splitList(value) : [value]).map((id) => id.toLowerCase());
    if (!ids.every(isUuid)) errors.push({ field: `filter[control_plane_id][${op}]`, rule: 'is_uuid', reason: 'invalid ID format' });
    if (op === 'neq') excludedIds = ids;
    else controlPlaneIds = controlPlaneIds === undefined ? ids : controlPlaneIds.filter((id) => ids.includes(id));
  }
  let geos: string[] | undefined;
  for (const [op, value] of Object.entries(filters.control_plane_geo ?? {})) {
    const listed = op === 'oeq' ? splitList(value) : [value];
    if (!listed.every((g) => (CONTROL_PLANE_GEOS as readonly string[]).includes(g))) {
      errors.push({ field: `filter[control_plane_geo][${op}]`, rule: 'enum', choices: [...CONTROL_PLANE_GEOS], reason: `filter[control_plane_geo][${op}] must be one of the following values: ${CONTROL_PLANE_GEOS.join(', ')}` });
    }
    // The geo enum is finite, so `neq` becomes the list of the other geos.
    const allowed = op === 'neq' ? CONTROL_PLANE_GEOS.filter((g) => !listed.includes(g)) : listed;
    geos = geos === undefined ? allowed : geos.filter((g) => allowed.includes(g));
  }
  assertNoQueryErrors(errors);
  return { page, filter: { controlPlaneIds, geos }, excludedIds };
}

/** PUT, list and read cloud-gateway configurations, in Konnect's wire format. */
export function createConfigurationService(deps: Deps) {
  const { store, config, events } = deps;
  // `cluster` is read at each call: the context may get its hub after the API is built.
  const view = (row: ConfigurationRow): Configuration => configurationView(row, deps.cluster?.hub.servingVersions(row.control_plane_id));
  return {
    /**
     * Creates or replaces the configuration of (control plane, geo). Status: 201 for a new configuration,
     * 200 for a replacement (digest §6.1: the spec says 200, the docs 201; clients accept both).
     */
    async put(body: unknown): Promise<{ status: 200 | 201; configuration: Configuration }> {
      const input = readBody(putConfigurationSchema, body);
      const kind = input.kind ?? 'dedicated.v0';
      if (kind === 'dedicated.v0') {
        throw invalidParameters(
          [{ field: 'kind', rule: 'enum', choices: ['serverless.v1', 'serverless.v0'], reason: `kind ${kind} is not available: Gatehouse runs serverless gateways only (kind serverless.v1 or serverless.v0)` }],
          'Gatehouse runs serverless gateways only',
        );
      }
      // version, autoscale, cloud_gateway_network_id, environment and api_access mean nothing to a
      // serverless gateway: checked for shape, then ignored (spec #ConfigurationKind).
      const desired = desiredGroups(kind, input.dataplane_groups);
      const controlPlaneId = input.control_plane_id.toLowerCase();
      const result = await store.transaction(async (tx) => {
        const controlPlane = await tx.controlPlanes.get(controlPlaneId);
        if (!controlPlane) throw controlPlaneNotFound();
        const clusterType = canonicalClusterType(controlPlane.cluster_type);
        if (clusterType !== CLUSTER_TYPE_FOR[kind]) {
          throw invalidParameters(
            [{ field: 'kind', rule: 'invalid', reason: `kind ${kind} needs a control plane of cluster_type ${CLUSTER_TYPE_FOR[kind]}; control plane ${controlPlaneId} is ${clusterType}` }],
            'Configuration kind does not match the control plane',
          );
        }
        const current = (await tx.configurations.getByControlPlane(controlPlaneId)).find((c) => c.control_plane_geo === input.control_plane_geo);
        if (current && current.kind === kind && groupKey(current.dataplane_group_config) === groupKey(desired)) throw new ProblemError(409, IDENTICAL);
        const now = Date.now();
        // A group that stays in its region keeps its id, hostname and state; new regions start over.
        const groups: DataplaneGroupRow[] = [];
        for (const want of desired) {
          const kept = current?.kind === kind ? current.dataplane_groups.find((g) => g.region === want.region) : undefined;
          const provider = want.provider ?? null;
          if (kept) groups.push(kept.provider === provider ? kept : { ...kept, provider, updated_at: now });
          else {
            const hostname = await claimHostname(tx, kind, want.region, controlPlaneId, config.baseDomain);
            groups.push({ id: newId(), provider, region: want.region, state: 'created', state_metadata: null, hostnames: [hostname], created_at: now, updated_at: now });
          }
        }
        const row: ConfigurationRow = {
          id: newId(),
          control_plane_id: controlPlaneId,
          control_plane_geo: input.control_plane_geo,
          kind,
          dataplane_group_config: desired,
          dataplane_groups: groups,
          entity_version: (current?.entity_version ?? 0) + 1,
          created_at: now,
          updated_at: now,
        };
        await tx.configurations.put(row);
        return { status: current ? (200 as const) : (201 as const), configuration: view(row) };
      });
      events.gatewayChanged(controlPlaneId);
      return result;
    },

    async list(query: Query) {
      const { page, filter, excludedIds } = readListQuery(query);
      return store.transaction(async (tx) => {
        if (excludedIds.length === 0) {
          const { rows, total } = await tx.configurations.list(filter, { limit: page.size, offset: page.offset });
          return { meta: pageMeta(page, total), data: rows.map(view) };
        }
        // `neq` on the control plane id is not a store filter; configurations are few, so page here.
        const all = (await tx.configurations.list(filter, { limit: 1_000_000_000, offset: 0 })).rows.filter((r) => !excludedIds.includes(r.control_plane_id));
        return { meta: pageMeta(page, all.length), data: all.slice(page.offset, page.offset + page.size).map(view) };
      });
    },

    async get(id: string): Promise<Configuration> {
      // The spec declares no 400 for this operation: an id that is not a UUID is simply not found.
      // A deleted control plane's configuration stays readable a while, as terminating/terminated.
      const row = isUuid(id)
        ? await store.transaction(async (tx) => (await tx.configurations.get(id.toLowerCase())) ?? tx.retiredConfigurations.get(id.toLowerCase()))
        : undefined;
      if (!row) throw new ProblemError(404, 'The requested configuration was not found.');
      return view(row);
    },
  };
}

export type ConfigurationService = ReturnType<typeof createConfigurationService>;

/**
 * Sets the state of every data-plane group of a control plane's configuration(s), or only of the
 * groups in `regions`; the provisioner calls it when a data plane of a region serves the gateway
 * (`ready`) or stops. Groups already in that state (with the same metadata) are left alone. Returns
 * how many groups changed.
 * @example await setGatewayState(ctx.store, controlPlaneId, 'ready', undefined, ['eu'])
 */
export async function setGatewayState(
  store: Store,
  controlPlaneId: string,
  state: 'initializing' | 'ready' | 'terminating' | 'terminated',
  metadata?: { reported_status?: string; reason?: string },
  regions?: readonly string[],
): Promise<number> {
  const stateMetadata = metadata ?? null;
  return store.transaction(async (tx) => {
    let changed = 0;
    for (const configuration of await tx.configurations.getByControlPlane(controlPlaneId)) {
      const now = Date.now();
      let isDirty = false;
      const groups = configuration.dataplane_groups.map((g) => {
        if (g.state === state && JSON.stringify(g.state_metadata) === JSON.stringify(stateMetadata)) return g;
        if (regions !== undefined && !regions.includes(g.region)) return g;
        isDirty = true;
        changed++;
        return { ...g, state, state_metadata: stateMetadata, updated_at: now };
      });
      if (isDirty) await tx.configurations.put({ ...configuration, dataplane_groups: groups });
    }
    return changed;
  });
}

/**
 * Keeps a control plane's configurations before the control plane is deleted (in the same
 * transaction): every group `terminating` until no data plane serves the gateway. Prunes what was
 * retired more than RETIRED_RETENTION_MS ago.
 * @example await retireConfigurations(tx, controlPlaneId); await tx.controlPlanes.delete(controlPlaneId);
 */
export async function retireConfigurations(tx: StoreTx, controlPlaneId: string, now = Date.now()): Promise<number> {
  await tx.retiredConfigurations.prune(now - RETIRED_RETENTION_MS);
  const configurations = await tx.configurations.getByControlPlane(controlPlaneId);
  for (const c of configurations) {
    const groups = c.dataplane_groups.map((g) => ({ ...g, state: 'terminating', state_metadata: null, updated_at: now }));
    await tx.retiredConfigurations.put({ ...c, dataplane_groups: groups, updated_at: now }, now);
  }
  return configurations.length;
}

/**
 * Moves the groups of a deleted control plane's retired configurations to `terminated` (no data plane
 * serves the gateway any more). Returns how many groups changed.
 */
export async function terminateRetired(store: Store, controlPlaneId: string): Promise<number> {
  return store.transaction(async (tx) => {
    let changed = 0;
    const now = Date.now();
    for (const c of await tx.retiredConfigurations.getByControlPlane(controlPlaneId)) {
      if (c.dataplane_groups.every((g) => g.state === 'terminated')) continue;
      changed += c.dataplane_groups.filter((g) => g.state !== 'terminated').length;
      const groups = c.dataplane_groups.map((g) => (g.state === 'terminated' ? g : { ...g, state: 'terminated', updated_at: now }));
      // retired_at is kept by put (only the body is replaced), so retention counts from the deletion.
      await tx.retiredConfigurations.put({ ...c, dataplane_groups: groups, updated_at: now }, now);
    }
    return changed;
  });
}

/**
 * Moves a control plane's groups still `created` to `initializing` (the provisioner has compiled the
 * gateway and is handing it to the fleet); other groups keep their state. Returns how many changed.
 */
export async function markInitializing(store: Store, controlPlaneId: string): Promise<number> {
  return store.transaction(async (tx) => {
    let changed = 0;
    const now = Date.now();
    for (const c of await tx.configurations.getByControlPlane(controlPlaneId)) {
      if (!c.dataplane_groups.some((g) => g.state === 'created')) continue;
      const groups = c.dataplane_groups.map((g) => (g.state === 'created' ? (changed++, { ...g, state: 'initializing', updated_at: now }) : g));
      await tx.configurations.put({ ...c, dataplane_groups: groups });
    }
    return changed;
  });
}

/**
 * Records why a data plane could not serve the gateway (`state_metadata`, e.g. reported_status
 * `PLUGIN_SET_INCOMPATIBLE`, or `NO_CAPACITY` for a region no node serves) on every group not yet
 * `ready` (only those in `regions`, when given); the state itself is unchanged, and becoming `ready`
 * clears it. Returns how many groups changed.
 */
export async function setGatewayIssue(store: Store, controlPlaneId: string, metadata: { reported_status: string; reason: string }, regions?: readonly string[]): Promise<number> {
  return store.transaction(async (tx) => {
    let changed = 0;
    const now = Date.now();
    for (const c of await tx.configurations.getByControlPlane(controlPlaneId)) {
      let isDirty = false;
      const groups = c.dataplane_groups.map((g) => {
        if (g.state === 'ready' || JSON.stringify(g.state_metadata) === JSON.stringify(metadata)) return g;
        if (regions !== undefined && !regions.includes(g.region)) return g;
        isDirty = true;
        changed++;
        return { ...g, state_metadata: metadata, updated_at: now };
      });
      if (isDirty) await tx.configurations.put({ ...c, dataplane_groups: groups });
    }
    return changed;
  });
}
