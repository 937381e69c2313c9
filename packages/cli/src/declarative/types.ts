import { aclSchema, basicAuthCredentialSchema, consumerSchema, hmacAuthCredentialSchema, jwtCredentialSchema, keyAuthCredentialSchema, pluginSchema, routeSchema, serviceSchema, type TSchema } from '@gatehouse/schema';

// The entity types a declarative file may hold, and what the reader, planner and dump need to know
// about each: schema, references, what nests under it, and the field that names it.

export type EntityType = 'services' | 'routes' | 'consumers' | 'plugins' | 'keyauth_credentials' | 'basicauth_credentials' | 'jwt_secrets' | 'hmacauth_credentials' | 'acls';
export type RefField = 'service' | 'route' | 'consumer';

export const CREDENTIAL_TYPES = ['keyauth_credentials', 'basicauth_credentials', 'jwt_secrets', 'hmacauth_credentials', 'acls'] as const;

/** Creates and updates run in this order; deletes in reverse. */
export const ENTITY_ORDER: EntityType[] = ['services', 'routes', 'consumers', 'plugins', ...CREDENTIAL_TYPES];

export const REF_TYPES: Record<RefField, EntityType> = { service: 'services', route: 'routes', consumer: 'consumers' };

export interface TypeInfo {
  singular: string;
  schema: TSchema & { properties: Record<string, TSchema> };
  /** References this type may carry (as nested parent or top-level field). */
  refs: RefField[];
  /** Reference fields that exist in Kong but that Gatehouse files do not support yet. */
  unsupportedRefs: string[];
  /** Child collections that may be nested under an entity of this type. */
  nested: EntityType[];
  /** Fields that identify an entity besides its id, in order of preference (Kong endpoint keys). */
  keys: string[];
  /** Fields the server generates or transforms, compared only when the file writes them (or never). */
  looseFields: string[];
  neverCompared: string[];
}

const credential = (singular: string, schema: TSchema & { properties: Record<string, TSchema> }, keys: string[], loose: string[] = [], never: string[] = []): TypeInfo => ({
  singular,
  schema,
  refs: ['consumer'],
  unsupportedRefs: [],
  nested: [],
  keys,
  looseFields: loose,
  neverCompared: never,
});

export const TYPES: Record<EntityType, TypeInfo> = {
  services: { singular: 'service', schema: serviceSchema, refs: [], unsupportedRefs: ['client_certificate'], nested: ['routes', 'plugins'], keys: ['name'], looseFields: [], neverCompared: [] },
  routes: { singular: 'route', schema: routeSchema, refs: ['service'], unsupportedRefs: [], nested: ['plugins'], keys: ['name'], looseFields: [], neverCompared: [] },
  consumers: { singular: 'consumer', schema: consumerSchema, refs: [], unsupportedRefs: [], nested: ['plugins', ...CREDENTIAL_TYPES], keys: ['username', 'custom_id'], looseFields: [], neverCompared: [] },
  plugins: { singular: 'plugin', schema: pluginSchema, refs: ['service', 'route', 'consumer'], unsupportedRefs: ['consumer_group'], nested: [], keys: [], looseFields: [], neverCompared: [] },
  // Kong generates keys and secrets when absent; key-auth's ttl reads back as the time left, and
  // basic-auth's password is stored hashed, so neither can be compared with the file.
  keyauth_credentials: credential('key-auth credential', keyAuthCredentialSchema, ['key'], ['key'], ['ttl']),
  basicauth_credentials: credential('basic-auth credential', basicAuthCredentialSchema, ['username'], [], ['password']),
  jwt_secrets: credential('jwt secret', jwtCredentialSchema, ['key'], ['key', 'secret']),
  hmacauth_credentials: credential('hmac-auth credential', hmacAuthCredentialSchema, ['username'], ['secret']),
  acls: credential('acl', aclSchema, ['group']),
};

/** Every reference-like field of a type (supported or not), which is not a plain field. */
export const foreignKeysOf = (type: EntityType): string[] => [...TYPES[type].refs, ...TYPES[type].unsupportedRefs];
export const isCredential = (type: EntityType): boolean => (CREDENTIAL_TYPES as readonly string[]).includes(type);
