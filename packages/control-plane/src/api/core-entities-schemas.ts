import type { FastifyInstance, FastifyRequest } from 'fastify';
import { nowSeconds } from '@gatehouse/schema';
import { asObject, checkInput, type EntityService } from '../services/entities.ts';
import { availablePlugins, entityJsonSchema, pluginJsonSchema, pluginKongSchema, SCHEMA_ENTITY_TYPES } from '../services/entity-schemas.ts';
import { KongError } from './errors.ts';

// Schema endpoints under each core-entity base (issue 5; konnect-api.md §4.1 and §7.2): the plugins a
// control plane may configure, plugin schemas in Kong's Lua-schema JSON and in JSON Schema, entity
// JSON Schemas, and the validation of an entity without storing it.

type Req = FastifyRequest<{ Params: { controlPlaneId: string; name: string; entity: string }; Body: unknown }>;

/** Registers the schema endpoints on a core-entity base. */
export function registerSchemaRoutes(app: FastifyInstance, entities: EntityService): void {
  app.get('/v1/available-plugins', async (request: Req) => ({ names: availablePlugins((await entities.controlPlane(request.params.controlPlaneId)).cluster_type) }));
  app.get('/schemas/plugins/:name', async (request: Req) => {
    await entities.controlPlane(request.params.controlPlaneId);
    return pluginKongSchema(request.params.name);
  });
  app.get('/v1/schemas/json/plugins/:name', async (request: Req) => {
    await entities.controlPlane(request.params.controlPlaneId);
    return pluginJsonSchema(request.params.name);
  });
  app.get('/v1/schemas/json/:entity', async (request: Req) => {
    await entities.controlPlane(request.params.controlPlaneId);
    return entityJsonSchema(request.params.entity);
  });
  // Kong's schema check only: shorthands, types, defaults and entity rules; references are not looked up.
  app.post('/schemas/:entity/validate', async (request: Req) => {
    const cpRow = await entities.controlPlane(request.params.controlPlaneId);
    const type = SCHEMA_ENTITY_TYPES[request.params.entity];
    if (!type) throw KongError.notFound(`no entity type named '${request.params.entity}'`);
    const raw = asObject(request.body);
    checkInput(cpRow, type, raw, { raw, existing: undefined, now: nowSeconds() });
    return { message: 'schema validation successful' };
  });
}
