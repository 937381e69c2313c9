import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { createEntityService, type CoreEntityType, type EntityService, type Parent } from '../services/entities.ts';
import { registerConsumerGroupRoutes } from './core-entities-groups.ts';
import { registerSchemaRoutes } from './core-entities-schemas.ts';

// Kong core entities (services, routes, plugins, upstreams, consumers, credentials, certificates...) under Konnect's two bases: the v2 core-entities API
// (specs/konnect/control-planes-config-v2.yaml) and the runtime-groups base decK uses (konnect-api.md
// §7.1). Verbs and statuses are Kong Admin's: list 200, POST 201, GET 200/404, PUT (upsert) 200,
// PATCH 200/404, DELETE 204 even when absent.

export const CORE_ENTITY_PREFIXES = ['/v2/control-planes/:controlPlaneId/core-entities', '/konnect-api/api/runtime_groups/:controlPlaneId'] as const;

interface Collection {
  path: string;
  type: CoreEntityType;
  parent: Parent['type'] | null;
  /** crud: every verb; read: list and item GET (Kong's /key-auths...); list: GET only (/targets). */
  verbs?: 'crud' | 'read' | 'list';
  /** The item GET is hand-written elsewhere (consumer groups answer with their members). */
  customGet?: boolean;
}

// The consumer credentials of the auth plugins: nested path segment, Kong DAO, read-only collection.
const CREDENTIALS = [
  ['key-auth', 'keyauth_credentials', 'key-auths'],
  ['basic-auth', 'basicauth_credentials', 'basic-auths'],
  ['jwt', 'jwt_secrets', 'jwts'],
  ['hmac-auth', 'hmacauth_credentials', 'hmac-auths'],
  ['acls', 'acls', 'acls'],
] as const;

// Every collection; each also gets an item path `${path}/:id` unless it is list-only.
const COLLECTIONS: Collection[] = [
  { path: '/services', type: 'services', parent: null },
  { path: '/routes', type: 'routes', parent: null },
  { path: '/plugins', type: 'plugins', parent: null },
  { path: '/services/:parentId/routes', type: 'routes', parent: 'services' },
  { path: '/services/:parentId/plugins', type: 'plugins', parent: 'services' },
  { path: '/routes/:parentId/plugins', type: 'plugins', parent: 'routes' },
  { path: '/consumers/:parentId/plugins', type: 'plugins', parent: 'consumers' },
  { path: '/consumer_groups/:parentId/plugins', type: 'plugins', parent: 'consumer_groups' },
  { path: '/upstreams', type: 'upstreams', parent: null },
  { path: '/upstreams/:parentId/targets', type: 'targets', parent: 'upstreams' },
  // Konnect's "all targets of all upstreams", which decK dumps from.
  { path: '/targets', type: 'targets', parent: null, verbs: 'list' },
  { path: '/consumers', type: 'consumers', parent: null },
  { path: '/consumer_groups', type: 'consumer_groups', parent: null, customGet: true },
  ...CREDENTIALS.flatMap(([segment, type, all]): Collection[] => [
    { path: `/consumers/:parentId/${segment}`, type, parent: 'consumers' },
    { path: `/${all}`, type, parent: null, verbs: 'read' },
  ]),
  { path: '/certificates', type: 'certificates', parent: null },
  { path: '/certificates/:parentId/snis', type: 'snis', parent: 'certificates' },
  { path: '/snis', type: 'snis', parent: null },
  { path: '/ca_certificates', type: 'ca_certificates', parent: null },
];

interface Params {
  controlPlaneId: string;
  parentId?: string;
  id: string;
}
type Query = Record<string, unknown>;

const parentOf = (collection: Collection, params: Params): Parent | null =>
  collection.parent === null ? null : { type: collection.parent, idOrName: params.parentId! };

/** Kong's `next`: this request's URL with the offset of the next page, or null on the last page. */
function nextUrl(request: FastifyRequest, offset: string | null): string | null {
  if (offset === null) return null;
  const [path, search = ''] = request.url.split('?');
  const query = new URLSearchParams(search);
  query.set('offset', offset);
  return `${path}?${query.toString()}`;
}

function registerCollection(app: FastifyInstance, entities: EntityService, collection: Collection): void {
  const { path, type, verbs = 'crud' } = collection;
  const item = `${path}/:id`;
  type Req = FastifyRequest<{ Params: Params; Querystring: Query; Body: unknown }>;

  app.get(path, async (request: Req) => {
    const q = request.query;
    const page = await entities.list(request.params.controlPlaneId, type, parentOf(collection, request.params), {
      size: q.size,
      offset: q.offset,
      tags: q.tags,
      nameEq: q['filter[name][eq]'],
      nameContains: q['filter[name][contains]'],
      customId: q.custom_id,
    });
    // go-kong stops paging when `offset` is absent; `next` is null on the last page as in Kong, which
    // the spec's description allows although its schema types it as a plain string.
    const next = nextUrl(request, page.offset);
    return page.offset === null ? { data: page.data, next } : { data: page.data, next, offset: page.offset };
  });
  if (verbs === 'list') return;
  if (!collection.customGet) app.get(item, async (request: Req) => entities.get(request.params.controlPlaneId, type, request.params.id, parentOf(collection, request.params)));
  if (verbs === 'read') return;
  app.post(path, async (request: Req, reply) =>
    reply.code(201).send(await entities.create(request.params.controlPlaneId, type, request.body, parentOf(collection, request.params))),
  );
  app.put(item, async (request: Req) => entities.upsert(request.params.controlPlaneId, type, request.params.id, request.body, parentOf(collection, request.params)));
  app.patch(item, async (request: Req) => entities.patch(request.params.controlPlaneId, type, request.params.id, request.body, parentOf(collection, request.params)));
  app.delete(item, async (request: Req, reply) => {
    await entities.remove(request.params.controlPlaneId, type, request.params.id, parentOf(collection, request.params));
    return reply.code(204).send();
  });
}

/** Registers every core entity collection (top level and nested) under both core-entity bases. */
export async function registerCoreEntityRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const entities = createEntityService(ctx.store, ctx.events);
  const plugin = async (scope: FastifyInstance) => {
    for (const collection of COLLECTIONS) registerCollection(scope, entities, collection);
    registerConsumerGroupRoutes(scope, entities);
    registerSchemaRoutes(scope, entities);
  };
  for (const prefix of CORE_ENTITY_PREFIXES) await app.register(plugin, { prefix });
}
