import type { TSchema } from '@gatehouse/schema';
import { PLUGIN_SCHEMAS } from '@gatehouse/plugins/schemas.ts';
import { KongError } from '../api/errors.ts';
import { SPECS, type CoreEntityType } from './entity-specs.ts';
import { SERVERLESS_CLUSTER_TYPES, SERVERLESS_UNSUPPORTED_PLUGINS } from './plugin-rules.ts';

// What tools read to learn Gatehouse's schemas (issue 5, konnect-api.md §7.2): the plugin names, each
// plugin's schema in Kong's Lua-schema JSON ({fields: [...]}, read by go-kong's defaulter and Kong
// Manager) and in JSON Schema, and every entity's JSON Schema. Everything derives from the TypeBox
// schemas, read when asked so that plugins added to the registry appear without a restart.

type Json = Record<string, any>;

/** decK's entity type names (go-database-reconciler pkg/schema/fetchers.go) and Kong's DAO names. */
export const SCHEMA_ENTITY_TYPES: Readonly<Record<string, CoreEntityType>> = {
  service: 'services', route: 'routes', plugin: 'plugins', upstream: 'upstreams', target: 'targets', consumer: 'consumers',
  consumer_group: 'consumer_groups', certificate: 'certificates', ca_certificate: 'ca_certificates', sni: 'snis',
  'key-auth': 'keyauth_credentials', 'basic-auth': 'basicauth_credentials', jwt: 'jwt_secrets', 'hmac-auth': 'hmacauth_credentials', acl: 'acls',
  services: 'services', routes: 'routes', plugins: 'plugins', upstreams: 'upstreams', targets: 'targets', consumers: 'consumers',
  consumer_groups: 'consumer_groups', certificates: 'certificates', ca_certificates: 'ca_certificates', snis: 'snis',
  keyauth_credentials: 'keyauth_credentials', basicauth_credentials: 'basicauth_credentials', jwt_secrets: 'jwt_secrets',
  hmacauth_credentials: 'hmacauth_credentials', acls: 'acls',
};

/** Plugin names a control plane of this cluster type can configure, sorted. */
export function availablePlugins(clusterType: string): string[] {
  const isServerless = SERVERLESS_CLUSTER_TYPES.includes(clusterType);
  return Object.keys(PLUGIN_SCHEMAS)
    .filter((name) => !isServerless || !SERVERLESS_UNSUPPORTED_PLUGINS[name] || SERVERLESS_UNSUPPORTED_PLUGINS[name].when)
    .sort();
}

function pluginConfigSchema(name: string): TSchema {
  const schema = PLUGIN_SCHEMAS[name];
  if (!schema) throw KongError.notFound(`no plugin named '${name}'`);
  return schema;
}

// TypeBox schemas carry symbols; JSON keeps the plain JSON Schema.
const plain = (schema: unknown): Json => JSON.parse(JSON.stringify(schema));

const enumOf = (schema: Json): unknown[] | undefined =>
  Array.isArray(schema.anyOf) && schema.anyOf.every((s: Json) => 'const' in s) ? schema.anyOf.map((s: Json) => s.const) : undefined;

/**
 * One JSON Schema node as a Kong Lua-schema field. `{type: 'string', enum-as-anyOf, default}` gives
 * `{type: 'string', one_of: [...], default}`; objects give records; records of a value type give maps;
 * arrays with uniqueItems give sets; Nullable(X) gives X (not required).
 */
export function toKongField(schema: Json, isRequired: boolean): Json {
  const field: Json = {};
  let node = schema;
  // Nullable(X) = anyOf [X, null]: the field is X and may be null.
  if (Array.isArray(node.anyOf) && node.anyOf.some((s: Json) => s.type === 'null')) {
    const members = node.anyOf.filter((s: Json) => s.type !== 'null');
    node = members.length === 1 ? { ...members[0], default: node.default ?? members[0].default } : { ...node, anyOf: members };
    isRequired = false;
  }
  const choices = enumOf(node);
  if (choices) {
    field.type = typeof choices[0] === 'number' ? 'integer' : 'string';
    field.one_of = choices;
  } else if (node.type === 'object' && node.properties) {
    field.type = 'record';
    field.fields = toKongFields(node);
  } else if (node.type === 'object') {
    field.type = 'map';
    field.keys = { type: 'string' };
    field.values = node.additionalProperties && typeof node.additionalProperties === 'object' ? toKongField(node.additionalProperties, false) : { type: 'string' };
    if (node.patternProperties) field.values = toKongField(Object.values(node.patternProperties)[0] as Json, false);
  } else if (node.type === 'array') {
    field.type = node.uniqueItems ? 'set' : 'array';
    field.elements = toKongField(node.items ?? {}, false);
  } else if (typeof node.type === 'string') {
    field.type = node.type;
  } else {
    field.type = 'any';
  }
  if (isRequired) field.required = true;
  if (node.default !== undefined) field.default = node.default;
  if (node.minLength !== undefined) field.len_min = node.minLength;
  if (node.maxLength !== undefined) field.len_max = node.maxLength;
  if (node.minimum !== undefined || node.maximum !== undefined) field.between = [node.minimum ?? null, node.maximum ?? null];
  if (node.pattern !== undefined) field.match = node.pattern;
  if (node.description !== undefined) field.description = node.description;
  return field;
}

/** The `fields` array of an object schema: `[{name: field}, ...]` in property order. */
export function toKongFields(schema: Json): Json[] {
  const required = new Set<string>(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({ [name]: toKongField(property as Json, required.has(name)) }));
}

/** GET /schemas/plugins/{name}: the plugin entity's Kong schema with its `config` record. */
export function pluginKongSchema(name: string): Json {
  const config = plain(pluginConfigSchema(name));
  const entity = plain(SPECS.plugins.stored);
  const fields = toKongFields({ ...entity, properties: Object.fromEntries(Object.entries(entity.properties).filter(([k]) => !['id', 'created_at', 'updated_at', 'config', 'name'].includes(k))) });
  return { fields: [...fields, { config: { ...toKongField(config, true), type: 'record', required: true } }] };
}

/** GET /v1/schemas/json/plugins/{name}: JSON Schema of the plugin entity with the plugin's config. */
export function pluginJsonSchema(name: string): Json {
  const entity = plain(SPECS.plugins.stored);
  return { ...entity, properties: { ...entity.properties, name: { type: 'string', const: name }, config: plain(pluginConfigSchema(name)) }, required: ['name'] };
}

/** GET /v1/schemas/json/{type}: JSON Schema of an entity's stored shape (defaults included). */
export function entityJsonSchema(type: string): Json {
  const entity = SCHEMA_ENTITY_TYPES[type];
  if (!entity) throw KongError.notFound(`no entity type named '${type}'`);
  return plain(SPECS[entity].stored);
}
