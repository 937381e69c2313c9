import { isUuid, newDnsPrefix, newId, type FieldError } from '@gatehouse/schema';
import type { AppContext } from '../context.ts';
import { ProblemError } from '../api/errors.ts';
import {
  ACCEPTED_CLUSTER_TYPES,
  RESERVED_LABEL_PREFIXES,
  canonicalClusterType,
  createControlPlaneSchema,
  updateControlPlaneSchema,
  type ClusterType,
  type ControlPlane,
} from '../api/schemas/control-plane.ts';
import { assertNoQueryErrors, assertUuid, bodyError, pageMeta, readBody, readFilters, readPage, splitList, type Query } from '../api/schemas/request.ts';
import { StoreConflictError, type ControlPlaneFilter, type ControlPlaneRow, type StoreTx } from '../store/types.ts';
import { retireConfigurations } from './configurations.ts';

// Control Planes API v2 (reference/konnect-api.md §2). Every request runs in one store transaction;
// events go out only after it commits.

export const CONTROL_PLANE_NOT_FOUND = 'The requested control plane was not found.';
const NAME_TAKEN = 'Control Plane with provided name already exists.';
const SERVERLESS_TYPES: readonly string[] = ['CLUSTER_TYPE_SERVERLESS', 'CLUSTER_TYPE_SERVERLESS_V1'];
// A 40-bit prefix collides about once in a million creates at a million control planes; a few
// retries make a failure practically impossible.
const DNS_PREFIX_ATTEMPTS = 5;

export const controlPlaneNotFound = (): ProblemError => new ProblemError(404, CONTROL_PLANE_NOT_FOUND);

type Deps = Pick<AppContext, 'store' | 'config' | 'events'>;

// Konnect's "cannot be blank" (spec example 400CannotBeBlankExample): whitespace is not a name.
function nameErrors(name: string | undefined): FieldError[] {
  return name !== undefined && name.trim() === '' ? [{ field: 'name', rule: 'invalid', reason: 'name cannot be blank' }] : [];
}

// Spec #Labels: keys 1..63 characters, none starting with a reserved prefix. Values are checked by the schema.
function labelErrors(labels: Record<string, string> | undefined): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of Object.keys(labels ?? {})) {
    const reserved = RESERVED_LABEL_PREFIXES.find((prefix) => key.toLowerCase().startsWith(prefix));
    if (key.length < 1 || key.length > 63) errors.push({ field: `labels.${key}`, rule: 'is_label', reason: 'label keys must be 1 to 63 characters long' });
    else if (reserved) errors.push({ field: `labels.${key}`, rule: 'is_label', reason: `label keys must not start with '${reserved}' (reserved prefixes: ${RESERVED_LABEL_PREFIXES.join(', ')})` });
  }
  return errors;
}

// Serverless control planes have a fixed answer (digest §2.2, Insomnia's mapping): V1 is a cloud
// gateway, V0 is not. Others take what the caller says, false by default.
function cloudGatewayFor(clusterType: ClusterType, requested: boolean | undefined, errors: FieldError[]): boolean {
  const fixed = clusterType === 'CLUSTER_TYPE_SERVERLESS_V1' ? true : clusterType === 'CLUSTER_TYPE_SERVERLESS' ? false : undefined;
  if (fixed === undefined) return requested ?? false;
  if (requested !== undefined && requested !== fixed) {
    errors.push({ field: 'cloud_gateway', rule: 'invalid', reason: `cloud_gateway must be ${fixed} for cluster_type ${clusterType} (Serverless V1 control planes are cloud gateways, Serverless V0 ones are not)` });
  }
  return fixed;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The wire form. `config.proxy_urls` adds, for a serverless control plane, one entry per hostname of
 * its cloud-gateway configuration (digest §2.4: clients read `proxy_urls[0]` as the gateway's URL),
 * after the ones the user stored; the spec caps the set at 5 items.
 */
export async function controlPlaneView(tx: StoreTx, config: Deps['config'], row: ControlPlaneRow): Promise<ControlPlane> {
  const proxyUrls = [...row.proxy_urls];
  if (SERVERLESS_TYPES.includes(row.cluster_type)) {
    for (const configuration of await tx.configurations.getByControlPlane(row.id)) {
      for (const group of configuration.dataplane_groups) {
        for (const host of group.hostnames) proxyUrls.push({ host, port: config.proxyPort, protocol: 'http' });
        // HTTPS on the TLS port (issue 7), once the data planes' TLS port is known.
        if (config.proxyTlsPort > 0) for (const host of group.hostnames) proxyUrls.push({ host, port: config.proxyTlsPort, protocol: 'https' });
      }
    }
  }
  const seen = new Set<string>();
  const unique = proxyUrls.filter((u) => {
    const key = `${u.protocol}://${u.host}:${u.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    labels: row.labels,
    config: {
      control_plane_endpoint: `https://${row.dns_prefix}.cp.${config.baseDomain}:${config.clusterPort}`,
      telemetry_endpoint: `https://${row.dns_prefix}.tp.${config.baseDomain}:${config.telemetryPort}`,
      cluster_type: canonicalClusterType(row.cluster_type),
      auth_type: row.auth_type as ControlPlane['config']['auth_type'],
      cloud_gateway: row.cloud_gateway,
      proxy_urls: unique.slice(0, 5),
    },
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

const FILTERS = { id: ['eq', 'oeq'], name: ['eq', 'neq', 'contains'], cluster_type: ['eq', 'neq', 'oeq'], cloud_gateway: ['eq'] } as const;

function clusterTypesOf(value: string, field: string, errors: FieldError[]): string[] {
  const types = splitList(value);
  const bad = types.filter((t) => !ACCEPTED_CLUSTER_TYPES.includes(t));
  if (bad.length > 0) errors.push({ field, rule: 'enum', choices: [...ACCEPTED_CLUSTER_TYPES], reason: `${field} must be one of the following values: ${ACCEPTED_CLUSTER_TYPES.join(', ')}` });
  return types.map(canonicalClusterType);
}

const intersect = (a: string[] | undefined, b: string[]): string[] => (a === undefined ? b : a.filter((x) => b.includes(x)));

function readListQuery(query: Query) {
  const errors: FieldError[] = [];
  const page = readPage(query, errors);
  const filters = readFilters(query, FILTERS, errors);
  const filter: ControlPlaneFilter = {};
  if (filters.id) {
    for (const [op, value] of Object.entries(filters.id)) {
      const ids = op === 'oeq' ? splitList(value) : [value];
      if (!ids.every(isUuid)) errors.push({ field: `filter[id][${op}]`, rule: 'is_uuid', reason: 'invalid ID format' });
      filter.ids = intersect(filter.ids, ids.map((id) => id.toLowerCase()));
    }
  }
  if (filters.name) {
    filter.nameEq = filters.name.eq;
    filter.nameNeq = filters.name.neq;
    filter.nameContains = filters.name.contains;
  }
  if (filters.cluster_type) {
    const { eq, oeq, neq } = filters.cluster_type;
    if (eq !== undefined) filter.clusterTypes = intersect(filter.clusterTypes, clusterTypesOf(eq, 'filter[cluster_type][eq]', errors).slice(0, 1));
    if (oeq !== undefined) filter.clusterTypes = intersect(filter.clusterTypes, clusterTypesOf(oeq, 'filter[cluster_type][oeq]', errors));
    if (neq !== undefined) filter.clusterTypesNot = clusterTypesOf(neq, 'filter[cluster_type][neq]', errors).slice(0, 1);
  }
  if (filters.cloud_gateway) {
    const value = filters.cloud_gateway.eq;
    if (value === 'true' || value === 'false') filter.cloudGateway = value === 'true';
    else errors.push({ field: 'filter[cloud_gateway]', rule: 'is_boolean', reason: 'filter[cloud_gateway] must be true or false' });
  }
  const labels = readLabelsQuery(query.labels, errors);
  const sort = readSort(query.sort, errors);
  assertNoQueryErrors(errors);
  return { page, filter, labels, sort };
}

// `labels=key:value,existCheck` (spec #FilterByLabels): `key:value` matches a value, a bare key its presence.
function readLabelsQuery(raw: unknown, errors: FieldError[]): ((labels: Record<string, string>) => boolean) | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') {
    errors.push({ field: 'labels', rule: 'is_string', reason: 'labels must be given once, as a string' });
    return undefined;
  }
  const terms = splitList(raw).map((term) => {
    const at = term.indexOf(':');
    return at < 0 ? { key: term, value: undefined } : { key: term.slice(0, at), value: term.slice(at + 1) };
  });
  return (labels) => terms.every(({ key, value }) => Object.hasOwn(labels, key) && (value === undefined || labels[key] === value));
}

// Spec #ControlPlaneSort: only `created_at`, ascending by default.
function readSort(raw: unknown, errors: FieldError[]): 'asc' | 'desc' {
  if (raw === undefined || raw === '') return 'asc';
  const match = typeof raw === 'string' ? /^\s*created_at(?:\s+(asc|desc))?\s*$/i.exec(raw) : null;
  if (!match) {
    errors.push({ field: 'sort', rule: 'enum', choices: ['created_at', 'created_at asc', 'created_at desc'], reason: 'sort supports only created_at, ascending (default) or desc' });
    return 'asc';
  }
  return match[1]?.toLowerCase() === 'desc' ? 'desc' : 'asc';
}

/** Create, list, read, update and delete control planes, in Konnect's wire format. */
export function createControlPlaneService({ store, config, events }: Deps) {
  async function find(tx: StoreTx, id: string): Promise<ControlPlaneRow> {
    assertUuid(id);
    const row = await tx.controlPlanes.get(id.toLowerCase());
    if (!row) throw controlPlaneNotFound();
    return row;
  }

  return {
    async create(body: unknown): Promise<ControlPlane> {
      const input = readBody(createControlPlaneSchema, body);
      const errors = [...nameErrors(input.name), ...labelErrors(input.labels)];
      const clusterType = canonicalClusterType(input.cluster_type ?? 'CLUSTER_TYPE_CONTROL_PLANE');
      const cloudGateway = cloudGatewayFor(clusterType, input.cloud_gateway, errors);
      if (errors.length > 0) throw bodyError(errors);
      return store.transaction(async (tx) => {
        if (await tx.controlPlanes.getByName(input.name)) throw new ProblemError(409, NAME_TAKEN);
        const now = Date.now();
        for (let attempt = 1; ; attempt++) {
          const row: ControlPlaneRow = {
            id: newId(),
            name: input.name,
            description: input.description ?? '',
            labels: input.labels ?? {},
            cluster_type: clusterType,
            auth_type: input.auth_type ?? 'pinned_client_certs',
            cloud_gateway: cloudGateway,
            proxy_urls: input.proxy_urls ?? [],
            dns_prefix: newDnsPrefix(),
            created_at: now,
            updated_at: now,
          };
          try {
            await tx.controlPlanes.insert(row);
            return controlPlaneView(tx, config, row);
          } catch (err) {
            if (err instanceof StoreConflictError && err.constraint === 'name') throw new ProblemError(409, NAME_TAKEN);
            if (err instanceof StoreConflictError && err.constraint === 'dns_prefix' && attempt < DNS_PREFIX_ATTEMPTS) continue;
            throw err;
          }
        }
      });
    },

    async list(query: Query) {
      const { page, filter, labels, sort } = readListQuery(query);
      return store.transaction(async (tx) => {
        let rows: ControlPlaneRow[];
        let total: number;
        if (labels === undefined && sort === 'asc') {
          ({ rows, total } = await tx.controlPlanes.list(filter, { limit: page.size, offset: page.offset }));
        } else {
          // Labels and descending order are not store filters; control planes are few, so page here.
          const all = (await tx.controlPlanes.list(filter, { limit: 1_000_000_000, offset: 0 })).rows.filter((r) => labels === undefined || labels(r.labels));
          if (sort === 'desc') all.reverse();
          rows = all.slice(page.offset, page.offset + page.size);
          total = all.length;
        }
        const data: ControlPlane[] = [];
        for (const row of rows) data.push(await controlPlaneView(tx, config, row));
        return { meta: pageMeta(page, total), data };
      });
    },

    async get(id: string): Promise<ControlPlane> {
      return store.transaction(async (tx) => controlPlaneView(tx, config, await find(tx, id)));
    },

    async update(id: string, body: unknown): Promise<ControlPlane> {
      assertUuid(id);
      const input = readBody(updateControlPlaneSchema, body);
      const errors = [...nameErrors(input.name), ...labelErrors(input.labels)];
      if (errors.length > 0) throw bodyError(errors);
      return store.transaction(async (tx) => {
        const current = await find(tx, id);
        // PATCH replaces each given field whole; labels and proxy_urls are not merged (digest §2.3).
        const next: ControlPlaneRow = {
          ...current,
          name: input.name ?? current.name,
          description: input.description ?? current.description,
          auth_type: input.auth_type ?? current.auth_type,
          proxy_urls: input.proxy_urls ?? current.proxy_urls,
          labels: input.labels ?? current.labels,
        };
        if (JSON.stringify(next) !== JSON.stringify(current)) {
          next.updated_at = Math.max(Date.now(), current.updated_at + 1);
          if (next.name !== current.name) {
            const holder = await tx.controlPlanes.getByName(next.name);
            if (holder && holder.id !== current.id) throw new ProblemError(409, NAME_TAKEN);
          }
          try {
            await tx.controlPlanes.update(next);
          } catch (err) {
            if (err instanceof StoreConflictError && err.constraint === 'name') throw new ProblemError(409, NAME_TAKEN);
            throw err;
          }
        }
        return controlPlaneView(tx, config, next);
      });
    },

    /** Deletes the control plane with its configuration and entities (the store cascades). */
    async remove(id: string): Promise<void> {
      assertUuid(id);
      // Its configurations stay readable as terminating/terminated a while (issue 7).
      const deleted = await store.transaction(async (tx) => {
        await retireConfigurations(tx, id.toLowerCase());
        return tx.controlPlanes.delete(id.toLowerCase());
      });
      if (!deleted) throw controlPlaneNotFound();
      events.gatewayRemoved(id.toLowerCase());
    },
  };
}

export type ControlPlaneService = ReturnType<typeof createControlPlaneService>;
