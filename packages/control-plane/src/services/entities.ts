import { isUuid, newId, nowSeconds, validate, type FieldError, type TSchema } from '@gatehouse/schema';
import { pluginSchema, routeSchema, serviceSchema } from '@gatehouse/schema';
import { KongError } from '../api/errors.ts';
import type { PlatformEvents } from '../events.ts';
import { STORE_ERRORS } from '../store/errors.ts';
import { StoreConflictError, type EntityListQuery, type EntityRow, type Store, type StoreTx } from '../store/types.ts';
import { checkPlugin, mergePluginPatch } from './plugin-rules.ts';
import { checkRoute, checkService, expandServiceUrl, prepareRoute, pluginInputSchema, routeInputSchema, serviceInputSchema, type RuleErrors } from './entity-rules.ts';

// Kong core entities (services, routes, plugins) of one control plane, with Kong Admin API semantics
// (kong/api/endpoints.lua): lookups by id or name, PUT = create-or-replace, PATCH = merge, idempotent
// DELETE, nested endpoints taking the parent from the path. Each call is one transaction.

export type CoreEntityType = 'services' | 'routes' | 'plugins';
type Body = Record<string, any>;

/** The parent of a nested endpoint: `/services/{idOrName}/routes` has `{ type: 'services', idOrName }`. */
export interface Parent {
  type: 'services' | 'routes';
  idOrName: string;
}

export interface ListParams {
  size?: unknown;
  offset?: unknown;
  tags?: unknown;
  nameEq?: unknown;
  nameContains?: unknown;
}

export interface EntityList {
  data: Body[];
  /** The opaque cursor of the next page, or null on the last one. */
  offset: string | null;
}

interface TypeSpec {
  stored: TSchema & { properties: Record<string, TSchema> };
  input: TSchema;
  /** The field the store keeps unique per control plane and lookups by name use. */
  nameField: 'name' | 'instance_name';
}

const SPECS: Record<CoreEntityType, TypeSpec> = {
  services: { stored: serviceSchema, input: serviceInputSchema, nameField: 'name' },
  routes: { stored: routeSchema, input: routeInputSchema, nameField: 'name' },
  plugins: { stored: pluginSchema, input: pluginInputSchema, nameField: 'instance_name' },
};

// The foreign key a nested endpoint sets from its parent: `/services/{id}/routes` sets `route.service`.
const PARENT_FIELD = { services: 'service', routes: 'route' } as const;
const REFERENCED_TYPES = { service: 'services', route: 'routes', consumer: 'consumers', consumer_group: 'consumer_groups' } as const;

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Every field of the stored shape, in schema order, `null` where unset: Kong returns them all. */
export function toWire(type: CoreEntityType, body: Body): Body {
  const out: Body = {};
  for (const key of Object.keys(SPECS[type].stored.properties)) out[key] = body[key] ?? null;
  return out;
}

// Field errors name the field, not the array item ('config.add.headers', not '.0'), as Kong's core
// entities do; the reason still names the item.
const kongFields = (errors: FieldError[], prefix = ''): FieldError[] => {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix + e.field.split('.').filter((part) => !/^\d+$/.test(part)).join('.');
    if (seen.has(field)) continue;
    seen.add(field);
    // validate() starts reasons with the field's path; give them the same prefix as the field.
    out.push({ ...e, field: field || 'body', reason: prefix && e.field && e.reason.startsWith(e.field) ? `${prefix}${e.reason}` : e.reason });
  }
  return out;
};

const throwRules = (rules: RuleErrors): void => {
  if (rules.fields.length > 0 || rules.entity.length > 0) throw KongError.validation(kongFields(rules.fields), rules.entity);
};

const asObject = (body: unknown): Body => {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw KongError.validation([], ['the request body must be a JSON object']);
  return body as Body;
};

const notFound = (): KongError => KongError.notFound('Not found');

function toStoreQuery(params: ListParams, refs: EntityListQuery['refs']): EntityListQuery {
  const errors: FieldError[] = [];
  let limit = DEFAULT_PAGE_SIZE;
  if (params.size !== undefined) {
    limit = typeof params.size === 'string' && /^\d+$/.test(params.size) ? Number(params.size) : NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) errors.push({ field: 'size', rule: 'invalid', reason: `size must be an integer between 1 and ${MAX_PAGE_SIZE}` });
  }
  const query: EntityListQuery = { limit, refs };
  if (params.offset !== undefined) {
    if (typeof params.offset !== 'string' || params.offset === '') errors.push({ field: 'offset', rule: 'invalid', reason: 'offset must be a cursor returned by the previous page' });
    else query.after = params.offset;
  }
  if (params.tags !== undefined) {
    const tags = typeof params.tags === 'string' ? params.tags : '';
    if (tags === '' || (tags.includes(',') && tags.includes('/'))) {
      errors.push({ field: 'tags', rule: 'invalid', reason: "tags must be tags joined by ',' (all of them) or by '/' (any of them), not both" });
    } else if (tags.includes('/')) query.tags = { any: tags.split('/') };
    else query.tags = { all: tags.split(',') };
  }
  for (const [key, param] of [['nameEq', params.nameEq], ['nameContains', params.nameContains]] as const) {
    if (param === undefined) continue;
    if (typeof param !== 'string') errors.push({ field: key === 'nameEq' ? 'filter[name][eq]' : 'filter[name][contains]', rule: 'is_string', reason: 'name filters take one string' });
    else query[key] = param;
  }
  if (errors.length > 0) throw KongError.validation(errors);
  return query;
}

/**
 * The core-entities service: CRUD of services, routes and plugins with Kong's input rules.
 * @example
 * const entities = createEntityService(store, events);
 * await entities.create(cpId, 'services', { name: 'orders', url: 'http://orders.internal' }, null);
 */
export function createEntityService(store: Store, events: PlatformEvents) {
  async function ensureControlPlane(tx: StoreTx, cp: string): Promise<void> {
    if (!(await tx.controlPlanes.get(cp))) throw KongError.notFound('control plane not found');
  }

  async function find(tx: StoreTx, cp: string, type: CoreEntityType, idOrName: string): Promise<EntityRow | undefined> {
    if (isUuid(idOrName)) {
      const row = await tx.entities.get(cp, type, idOrName);
      if (row) return row;
    }
    return tx.entities.getByName(cp, type, idOrName);
  }

  async function findParent(tx: StoreTx, cp: string, parent: Parent | null): Promise<EntityRow | null> {
    if (!parent) return null;
    const row = await find(tx, cp, parent.type, parent.idOrName);
    if (!row) throw notFound();
    return row;
  }

  const belongsTo = (row: EntityRow, parent: EntityRow | null): boolean =>
    parent === null || (row.body[PARENT_FIELD[parent.type as Parent['type']]] as { id?: string } | null)?.id === parent.id;

  // Input -> stored body: shorthand, schema (defaults filled), entity checks, references.
  async function build(tx: StoreTx, cp: string, type: CoreEntityType, input: Body, existing: EntityRow | undefined, raw: Body): Promise<Body> {
    let candidate = input;
    if (type === 'services') {
      const expanded = expandServiceUrl(candidate);
      if ('errors' in expanded) throw KongError.validation(expanded.errors);
      candidate = expanded.value;
    }
    if (type === 'routes') candidate = prepareRoute(candidate, raw);
    const result = validate(SPECS[type].input, candidate);
    if (!result.ok) throw KongError.validation(kongFields(result.errors));
    const value = result.value as Body;
    if (type === 'services') throwRules(checkService(value));
    if (type === 'routes') throwRules(checkRoute(value));
    if (type === 'plugins') {
      const checked = checkPlugin(value);
      if ('errors' in checked) throw KongError.validation(kongFields(checked.errors, checked.prefix));
      value.config = checked.config;
    }
    await checkReferences(tx, cp, type, value);
    const now = nowSeconds();
    const id = existing?.id ?? value.id ?? newId();
    const body = toWire(type, { ...value, id, created_at: existing ? existing.body.created_at : now, updated_at: now });
    if (type === 'plugins') await checkPluginScope(tx, cp, body);
    return body;
  }

  async function checkReferences(tx: StoreTx, cp: string, type: CoreEntityType, value: Body): Promise<void> {
    const refs: [string, string][] = [];
    if (type === 'routes') refs.push(['service', 'services']);
    if (type === 'plugins') refs.push(...Object.entries(REFERENCED_TYPES));
    if (type === 'services') refs.push(['client_certificate', 'certificates']);
    for (const [field, referenced] of refs) {
      const ref = value[field] as { id: string } | null;
      if (ref === null || ref === undefined) continue;
      if (!(await tx.entities.get(cp, referenced as CoreEntityType, ref.id))) {
        throw KongError.reference(field, `the foreign key '{id="${ref.id}"}' does not reference an existing '${referenced}' entity.`);
      }
    }
  }

  // Kong's plugins.cache_key is unique: one plugin of a name per (route, service, consumer, group).
  async function checkPluginScope(tx: StoreTx, cp: string, body: Body): Promise<void> {
    const scope = (p: Body) => ['route', 'service', 'consumer', 'consumer_group'].map((f) => p[f]?.id ?? null).join('|');
    const key = scope(body);
    for (const row of await tx.entities.all(cp, 'plugins')) {
      if (row.id !== body.id && row.body.name === body.name && scope(row.body) === key) {
        throw KongError.conflict('name', `a '${body.name}' plugin is already configured for this scope (cache_key (type: unique) constraint failed)`);
      }
    }
  }

  async function save(tx: StoreTx, cp: string, type: CoreEntityType, body: Body, isUpdate: boolean): Promise<void> {
    const nameField = SPECS[type].nameField;
    const row: EntityRow = { id: body.id, control_plane_id: cp, type, name: body[nameField] ?? null, body, created_at: body.created_at * 1000, updated_at: Date.now() };
    try {
      if (isUpdate) await tx.entities.update(row);
      else await tx.entities.insert(row);
    } catch (error) {
      if (error instanceof StoreConflictError) throw KongError.conflict(error.constraint.endsWith('.id') || error.constraint === 'id' ? 'id' : nameField);
      throw error;
    }
  }

  // One transaction per request; the gateway is recompiled only after a commit that changed something.
  async function write<T>(cp: string, fn: (tx: StoreTx) => Promise<{ result: T; changed: boolean }>): Promise<T> {
    const { result, changed } = await store.transaction(async (tx) => {
      await ensureControlPlane(tx, cp);
      return fn(tx);
    });
    if (changed) events.gatewayChanged(cp);
    return result;
  }

  const withParent = (input: Body, parent: EntityRow | null): Body =>
    parent ? { ...input, [PARENT_FIELD[parent.type as Parent['type']]]: { id: parent.id } } : input;

  return {
    async list(cp: string, type: CoreEntityType, parent: Parent | null, params: ListParams): Promise<EntityList> {
      return store.transaction(async (tx) => {
        await ensureControlPlane(tx, cp);
        const parentRow = await findParent(tx, cp, parent);
        const refs = parentRow ? { [PARENT_FIELD[parent!.type]]: parentRow.id } : undefined;
        try {
          const page = await tx.entities.list(cp, type, toStoreQuery(params, refs));
          return { data: page.rows.map((r) => toWire(type, r.body)), offset: page.next };
        } catch (error) {
          if ((error as { code?: string }).code === STORE_ERRORS.BAD_CURSOR) {
            throw KongError.validation([{ field: 'offset', rule: 'invalid', reason: 'offset is not a cursor this API handed out' }]);
          }
          throw error;
        }
      });
    },

    async get(cp: string, type: CoreEntityType, idOrName: string, parent: Parent | null): Promise<Body> {
      return store.transaction(async (tx) => {
        await ensureControlPlane(tx, cp);
        const parentRow = await findParent(tx, cp, parent);
        const row = await find(tx, cp, type, idOrName);
        if (!row || !belongsTo(row, parentRow)) throw notFound();
        return toWire(type, row.body);
      });
    },

    async create(cp: string, type: CoreEntityType, rawBody: unknown, parent: Parent | null): Promise<Body> {
      const raw = asObject(rawBody);
      return write(cp, async (tx) => {
        const parentRow = await findParent(tx, cp, parent);
        const body = await build(tx, cp, type, withParent(raw, parentRow), undefined, raw);
        await save(tx, cp, type, body, false);
        return { result: body, changed: true };
      });
    },

    /** PUT: replaces the entity named by id or name, or creates it with that id or name. */
    async upsert(cp: string, type: CoreEntityType, idOrName: string, rawBody: unknown, parent: Parent | null): Promise<Body> {
      const raw = asObject(rawBody);
      return write(cp, async (tx) => {
        const parentRow = await findParent(tx, cp, parent);
        const existing = await find(tx, cp, type, idOrName);
        // The path names the entity: its id, or its name when it is not a UUID.
        const key = isUuid(idOrName) && (!existing || existing.id === idOrName) ? { id: idOrName } : { [SPECS[type].nameField]: idOrName };
        const input = withParent({ ...raw, ...key }, parentRow);
        if (existing) delete input.id;
        const body = await build(tx, cp, type, input, existing, raw);
        await save(tx, cp, type, body, existing !== undefined);
        return { result: body, changed: true };
      });
    },

    /** PATCH: merges the given fields into the entity (plugin configs deeply, as Kong does). */
    async patch(cp: string, type: CoreEntityType, idOrName: string, rawBody: unknown, parent: Parent | null): Promise<Body> {
      const raw = asObject(rawBody);
      return write(cp, async (tx) => {
        const parentRow = await findParent(tx, cp, parent);
        const existing = await find(tx, cp, type, idOrName);
        if (!existing || !belongsTo(existing, parentRow)) throw notFound();
        let changes = raw;
        if (type === 'services') {
          const expanded = expandServiceUrl(raw);
          if ('errors' in expanded) throw KongError.validation(expanded.errors);
          changes = expanded.value;
        }
        const merged = type === 'plugins' ? mergePluginPatch(existing.body, changes) : { ...existing.body, ...changes };
        const input = withParent({ ...merged, id: existing.id }, parentRow);
        const body = await build(tx, cp, type, input, existing, raw);
        await save(tx, cp, type, body, true);
        return { result: body, changed: true };
      });
    },

    /**
     * DELETE, idempotent. A service still used by routes is refused; plugins scoped to a deleted
     * service or route go with it (Kong: routes.service restricts, plugins.service/route cascade).
     */
    async remove(cp: string, type: CoreEntityType, idOrName: string, parent: Parent | null): Promise<void> {
      return write(cp, async (tx) => {
        const parentRow = await findParent(tx, cp, parent);
        const existing = await find(tx, cp, type, idOrName);
        if (!existing) return { result: undefined, changed: false };
        if (!belongsTo(existing, parentRow)) throw notFound();
        if (type === 'services' && (await tx.entities.count(cp, 'routes', { service: existing.id })) > 0) {
          throw KongError.reference('routes', "an existing 'routes' entity references this 'services' entity");
        }
        if (type === 'services' || type === 'routes') {
          const field = type === 'services' ? 'service' : 'route';
          for (const plugin of await tx.entities.all(cp, 'plugins')) {
            if ((plugin.body[field] as { id?: string } | null)?.id === existing.id) await tx.entities.delete(cp, 'plugins', plugin.id);
          }
        }
        await tx.entities.delete(cp, type, existing.id);
        return { result: undefined, changed: true };
      });
    },
  };
}

export type EntityService = ReturnType<typeof createEntityService>;
