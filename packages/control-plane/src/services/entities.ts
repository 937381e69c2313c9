import { isUuid, newId, nowSeconds, validate, type FieldError } from '@gatehouse/schema';
import { KongError } from '../api/errors.ts';
import type { PlatformEvents } from '../events.ts';
import { STORE_ERRORS } from '../store/errors.ts';
import { StoreConflictError, type ControlPlaneRow, type EntityListQuery, type EntityRow, type Store, type StoreTx } from '../store/types.ts';
import { isRuleResult, PARENT_FIELD, SPECS, type BuildContext, type CoreEntityType, type ParentType, type RuleResult } from './entity-specs.ts';
import { checkServerlessPlugin, SERVERLESS_CLUSTER_TYPES } from './plugin-rules.ts';

// Kong core entities of one control plane, with Kong Admin API semantics (kong/api/endpoints.lua):
// lookups by id or endpoint key, PUT = create-or-replace, PATCH = merge, idempotent DELETE with Kong's
// cascades, nested endpoints taking the parent from the path. Each call is one transaction; the
// gateway is recompiled after a commit that changed something. Per-type rules live in entity-specs.ts.

export type { CoreEntityType } from './entity-specs.ts';
type Body = Record<string, any>;

/** The parent of a nested endpoint: `/services/{idOrName}/routes` has `{ type: 'services', idOrName }`. */
export interface Parent {
  type: ParentType;
  idOrName: string;
}

export interface ListParams {
  size?: unknown;
  offset?: unknown;
  tags?: unknown;
  nameEq?: unknown;
  nameContains?: unknown;
  /** `/consumers?custom_id=x`. */
  customId?: unknown;
}

export interface EntityList {
  data: Body[];
  /** The opaque cursor of the next page, or null on the last one. */
  offset: string | null;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Every field of the stored shape, in schema order, `null` where unset: Kong returns them all. */
export function toWire(type: CoreEntityType, body: Body, now = nowSeconds()): Body {
  const spec = SPECS[type];
  const shaped = spec.wire ? spec.wire(body, now) : body;
  const out: Body = {};
  for (const [key, schema] of Object.entries(spec.stored.properties)) {
    // Optional members (an upstream's active https_sni) stay absent when unset, as the spec types them.
    if (shaped[key] === undefined && (schema as unknown as Record<symbol, unknown>)[Symbol.for('TypeBox.Optional')] === 'Optional') continue;
    out[key] = shaped[key] ?? null;
  }
  return out;
}

// Field errors name the field, not the array item ('config.add.headers', not '.0'), as Kong's core
// entities do; the reason still names the item.
export const kongFields = (errors: FieldError[], prefix = ''): FieldError[] => {
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

const throwRules = (rules: RuleResult): void => {
  if (rules.fields.length > 0 || rules.entity.length > 0) throw KongError.validation(kongFields(rules.fields, rules.prefix), rules.entity);
};

export const asObject = (body: unknown): Body => {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw KongError.validation([], ['the request body must be a JSON object']);
  return body as Body;
};

const notFound = (): KongError => KongError.notFound('Not found');
const refId = (value: unknown): string | undefined => (value as { id?: string } | null)?.id;
/** Whether `body[field]` points at `id`: a foreign key `{id}` or, for services.ca_certificates, an id list. */
const references = (body: Body, field: string, id: string): boolean => (Array.isArray(body[field]) ? body[field].includes(id) : refId(body[field]) === id);

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
  if (params.customId !== undefined && typeof params.customId !== 'string') errors.push({ field: 'custom_id', rule: 'is_string', reason: 'custom_id takes one string' });
  if (errors.length > 0) throw KongError.validation(errors);
  return query;
}

/**
 * An entity's input checked without the store: shorthands, schema (defaults filled), Kong's entity
 * checks, and the plugins a serverless control plane refuses. Throws KongError.
 */
export function checkInput(cpRow: ControlPlaneRow, type: CoreEntityType, input: Body, ctx: BuildContext): Body {
  const spec = SPECS[type];
  const prepared = spec.prepare ? spec.prepare(input, ctx) : input;
  if (isRuleResult(prepared)) throw KongError.validation(kongFields(prepared.fields, prepared.prefix), prepared.entity);
  if (type === 'plugins' && SERVERLESS_CLUSTER_TYPES.includes(cpRow.cluster_type)) throwRules({ fields: checkServerlessPlugin(prepared.name, prepared.config), entity: [] });
  const result = validate(spec.input, prepared);
  if (!result.ok) throw KongError.validation(kongFields(result.errors));
  const value = result.value as Body;
  if (spec.finish) throwRules(spec.finish(value, ctx));
  return value;
}

/**
 * The core-entities service: CRUD of every core entity type with Kong's input rules.
 * @example
 * const entities = createEntityService(store, events);
 * await entities.create(cpId, 'services', { name: 'orders', url: 'http://orders.internal' }, null);
 */
export function createEntityService(store: Store, events: PlatformEvents) {
  async function ensureControlPlane(tx: StoreTx, cp: string): Promise<ControlPlaneRow> {
    const row = await tx.controlPlanes.get(cp);
    if (!row) throw KongError.notFound('control plane not found');
    return row;
  }

  /** The entity a path key names: its id, else its endpoint key (name, username, key...) under the parent. */
  async function find(tx: StoreTx, cp: string, type: CoreEntityType, key: string, parent: EntityRow | null = null): Promise<EntityRow | undefined> {
    const spec = SPECS[type];
    let row: EntityRow | undefined;
    if (isUuid(key)) row = await tx.entities.get(cp, type, key);
    if (!row) {
      const name = spec.keyName(key, parent?.id ?? null);
      if (name !== null) row = await tx.entities.getByName(cp, type, name);
    }
    if (row && spec.isLive && !spec.isLive(row.body, nowSeconds())) return undefined;
    return row;
  }

  async function findParent(tx: StoreTx, cp: string, parent: Parent | null): Promise<EntityRow | null> {
    if (!parent) return null;
    const row = await find(tx, cp, parent.type, parent.idOrName);
    if (!row) throw notFound();
    return row;
  }

  const belongsTo = (row: EntityRow, parent: EntityRow | null): boolean =>
    parent === null || refId(row.body[PARENT_FIELD[parent.type as ParentType]]) === parent.id;

  // Input -> stored body: shorthands, schema (defaults filled), Kong's checks, references, uniqueness.
  async function build(tx: StoreTx, cpRow: ControlPlaneRow, type: CoreEntityType, input: Body, existing: EntityRow | undefined, raw: Body): Promise<Body> {
    const cp = cpRow.id;
    const spec = SPECS[type];
    const ctx: BuildContext = { raw, existing: existing?.body, now: nowSeconds() };
    const value = checkInput(cpRow, type, input, ctx);
    for (const [field, referenced] of Object.entries(spec.refs)) {
      const id = refId(value[field]);
      if (id !== undefined && !(await tx.entities.get(cp, referenced, id))) {
        throw KongError.reference(field, `the foreign key '{id="${id}"}' does not reference an existing '${referenced}' entity.`);
      }
    }
    const id = existing?.id ?? value.id ?? newId();
    const body = toWire(type, { ...value, id, created_at: existing ? existing.body.created_at : ctx.now, updated_at: ctx.now }, ctx.now);
    for (const field of spec.internal ?? []) body[field] = value[field] ?? null;
    if (type === 'plugins') await checkPluginScope(tx, cp, body);
    if (type === 'consumers' && body.custom_id !== null) {
      const clash = (await tx.entities.all(cp, 'consumers')).find((r) => r.id !== id && r.body.custom_id === body.custom_id);
      if (clash) throw KongError.conflict('custom_id');
    }
    return body;
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
    const spec = SPECS[type];
    const name = spec.nameOf(body);
    // An expired key still holds its name until something replaces it.
    if (name !== null && spec.isLive) {
      const holder = await tx.entities.getByName(cp, type, name);
      if (holder && holder.id !== body.id && !spec.isLive(holder.body, nowSeconds())) await tx.entities.delete(cp, type, holder.id);
    }
    const row: EntityRow = { id: body.id, control_plane_id: cp, type, name, body, created_at: body.created_at * 1000, updated_at: Date.now() };
    try {
      if (isUpdate) await tx.entities.update(row);
      else await tx.entities.insert(row);
    } catch (error) {
      if (error instanceof StoreConflictError) throw KongError.conflict(error.constraint.endsWith('.id') || error.constraint === 'id' ? 'id' : spec.uniqueField);
      throw error;
    }
    if (type === 'certificates' && body.snis !== null) await syncCertificateSnis(tx, cp, body.id, body.snis);
  }

  // A certificate's `snis` shorthand: the SNI entities of the certificate become exactly these names
  // (kong/db/dao/certificates.lua); a name held by another certificate is refused.
  async function syncCertificateSnis(tx: StoreTx, cp: string, certificateId: string, names: string[]): Promise<void> {
    const current = (await tx.entities.all(cp, 'snis')).filter((r) => refId(r.body.certificate) === certificateId);
    for (const name of names) {
      const holder = await tx.entities.getByName(cp, 'snis', name);
      if (holder && refId(holder.body.certificate) !== certificateId) {
        throw KongError.conflict('snis', `${name} already associated with existing certificate '${refId(holder.body.certificate)}'`);
      }
      if (!holder) {
        const now = nowSeconds();
        const sni = toWire('snis', { id: newId(), created_at: now, updated_at: now, tags: null, name, certificate: { id: certificateId } });
        await save(tx, cp, 'snis', sni, false);
      }
    }
    for (const row of current) if (!names.includes(row.body.name as string)) await tx.entities.delete(cp, 'snis', row.id);
  }

  /** Wire bodies; certificates get the names of their SNIs (stored as null, derived on read). */
  async function present(tx: StoreTx, cp: string, type: CoreEntityType, bodies: Body[]): Promise<Body[]> {
    const now = nowSeconds();
    const out = bodies.map((b) => toWire(type, b, now));
    if (type === 'certificates' && out.length > 0) {
      const names = new Map<string, string[]>();
      for (const sni of await tx.entities.all(cp, 'snis')) {
        const id = refId(sni.body.certificate)!;
        names.set(id, [...(names.get(id) ?? []), sni.body.name as string]);
      }
      for (const cert of out) cert.snis = (names.get(cert.id) ?? []).sort();
    }
    return out;
  }

  /** Deletes a row and, first, what Kong deletes with it. */
  async function deleteCascading(tx: StoreTx, cp: string, type: CoreEntityType, row: EntityRow): Promise<void> {
    for (const [childType, field] of SPECS[type].cascade ?? []) {
      for (const child of await tx.entities.all(cp, childType)) if (references(child.body, field, row.id)) await deleteCascading(tx, cp, childType, child);
    }
    await tx.entities.delete(cp, type, row.id);
  }

  // One transaction per request; the gateway is recompiled only after a commit that changed something.
  async function write<T>(cp: string, fn: (tx: StoreTx, cpRow: ControlPlaneRow) => Promise<{ result: T; changed: boolean }>): Promise<T> {
    const { result, changed } = await store.transaction(async (tx) => fn(tx, await ensureControlPlane(tx, cp)));
    if (changed) events.gatewayChanged(cp);
    return result;
  }

  async function read<T>(cp: string, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return store.transaction(async (tx) => {
      await ensureControlPlane(tx, cp);
      return fn(tx);
    });
  }

  const withParent = (input: Body, parent: EntityRow | null): Body => (parent ? { ...input, [PARENT_FIELD[parent.type as ParentType]]: { id: parent.id } } : input);

  return {
    find,
    findParent,
    present,
    write,
    read,
    build,
    save,
    deleteCascading,

    /** The control plane a core-entity request names; 404 in Kong's shape when absent. */
    async controlPlane(cp: string): Promise<ControlPlaneRow> {
      return store.transaction(async (tx) => ensureControlPlane(tx, cp));
    },

    async list(cp: string, type: CoreEntityType, parent: Parent | null, params: ListParams): Promise<EntityList> {
      return read(cp, async (tx) => {
        const parentRow = await findParent(tx, cp, parent);
        const refs = parentRow ? { [PARENT_FIELD[parent!.type]]: parentRow.id } : undefined;
        const query = toStoreQuery(params, refs);
        const spec = SPECS[type];
        if (typeof params.customId === 'string') {
          // custom_id is unique: the answer is one consumer or none, on one page.
          const rows = (await tx.entities.all(cp, type)).filter((r) => r.body.custom_id === params.customId && belongsTo(r, parentRow));
          return { data: await present(tx, cp, type, rows.map((r) => r.body)), offset: null };
        }
        try {
          const page = await tx.entities.list(cp, type, query);
          const now = nowSeconds();
          const live = page.rows.filter((r) => !spec.isLive || spec.isLive(r.body, now));
          return { data: await present(tx, cp, type, live.map((r) => r.body)), offset: page.next };
        } catch (error) {
          if ((error as { code?: string }).code === STORE_ERRORS.BAD_CURSOR) {
            throw KongError.validation([{ field: 'offset', rule: 'invalid', reason: 'offset is not a cursor this API handed out' }]);
          }
          throw error;
        }
      });
    },

    async get(cp: string, type: CoreEntityType, idOrName: string, parent: Parent | null): Promise<Body> {
      return read(cp, async (tx) => {
        const parentRow = await findParent(tx, cp, parent);
        const row = await find(tx, cp, type, idOrName, parentRow);
        if (!row || !belongsTo(row, parentRow)) throw notFound();
        return (await present(tx, cp, type, [row.body]))[0];
      });
    },

    async create(cp: string, type: CoreEntityType, rawBody: unknown, parent: Parent | null): Promise<Body> {
      const raw = asObject(rawBody);
      return write(cp, async (tx, cpRow) => {
        const parentRow = await findParent(tx, cp, parent);
        const body = await build(tx, cpRow, type, withParent(raw, parentRow), undefined, raw);
        await save(tx, cp, type, body, false);
        return { result: (await present(tx, cp, type, [body]))[0], changed: true };
      });
    },

    /** PUT: replaces the entity named by id or endpoint key, or creates it with that id or key. */
    async upsert(cp: string, type: CoreEntityType, idOrName: string, rawBody: unknown, parent: Parent | null): Promise<Body> {
      const raw = asObject(rawBody);
      return write(cp, async (tx, cpRow) => {
        const parentRow = await findParent(tx, cp, parent);
        const existing = await find(tx, cp, type, idOrName, parentRow);
        if (existing && !belongsTo(existing, parentRow)) throw notFound();
        // The path names the entity: its id, or its endpoint key when it is not a UUID.
        const spec = SPECS[type];
        const key = isUuid(idOrName) && (!existing || existing.id === idOrName) ? { id: idOrName } : { [spec.uniqueField]: idOrName };
        if (!isUuid(idOrName) && spec.keyName(idOrName, parentRow?.id ?? null) === null) throw notFound();
        const input = withParent({ ...raw, ...key }, parentRow);
        if (existing) delete input.id;
        const body = await build(tx, cpRow, type, input, existing, raw);
        await save(tx, cp, type, body, existing !== undefined);
        return { result: (await present(tx, cp, type, [body]))[0], changed: true };
      });
    },

    /** PATCH: merges the given fields into the entity (plugin configs deeply, as Kong does). */
    async patch(cp: string, type: CoreEntityType, idOrName: string, rawBody: unknown, parent: Parent | null): Promise<Body> {
      const raw = asObject(rawBody);
      return write(cp, async (tx, cpRow) => {
        const parentRow = await findParent(tx, cp, parent);
        const existing = await find(tx, cp, type, idOrName, parentRow);
        if (!existing || !belongsTo(existing, parentRow)) throw notFound();
        const spec = SPECS[type];
        const stored = { ...existing.body };
        for (const field of spec.internal ?? []) delete stored[field];
        const merged = spec.merge ? spec.merge(existing.body, raw) : { ...stored, ...raw };
        if (isRuleResult(merged)) throw KongError.validation(kongFields(merged.fields, merged.prefix), merged.entity);
        for (const field of spec.internal ?? []) delete merged[field];
        const input = withParent({ ...merged, id: existing.id }, parentRow);
        const body = await build(tx, cpRow, type, input, existing, raw);
        await save(tx, cp, type, body, true);
        return { result: (await present(tx, cp, type, [body]))[0], changed: true };
      });
    },

    /**
     * DELETE, idempotent. References Kong restricts refuse it (a service used by routes, a certificate
     * used by services); children Kong cascades go with it (plugins of a service, a consumer's
     * credentials, an upstream's targets, a certificate's SNIs).
     */
    async remove(cp: string, type: CoreEntityType, idOrName: string, parent: Parent | null): Promise<void> {
      return write(cp, async (tx) => {
        const parentRow = await findParent(tx, cp, parent);
        const existing = await find(tx, cp, type, idOrName, parentRow);
        if (!existing) return { result: undefined, changed: false };
        if (!belongsTo(existing, parentRow)) throw notFound();
        for (const [referencing, field] of SPECS[type].restrict ?? []) {
          if ((await tx.entities.all(cp, referencing)).some((r) => references(r.body, field, existing.id))) {
            throw KongError.reference(referencing, `an existing '${referencing}' entity references this '${type}' entity`);
          }
        }
        await deleteCascading(tx, cp, type, existing);
        return { result: undefined, changed: true };
      });
    },
  };
}

export type EntityService = ReturnType<typeof createEntityService>;
