import { createHash } from 'node:crypto';
import {
  aclSchema, basicAuthCredentialSchema, caCertificateSchema, certificateSchema, consumerGroupMemberSchema, consumerGroupSchema, consumerSchema, hmacAuthCredentialSchema,
  jwtCredentialSchema, keyAuthCredentialSchema, pluginSchema, routeSchema, serviceSchema, sniSchema, targetSchema, upstreamSchema, type TSchema,
} from '@gatehouse/schema';

// The entity types a declarative file may hold, and what the reader, planner and dump need to know
// about each: schema, references, what nests under it, and the field that names it.

export type EntityType =
  | 'certificates' | 'snis' | 'ca_certificates' | 'upstreams' | 'targets' | 'services' | 'routes' | 'consumer_groups' | 'consumers' | 'consumer_group_members' | 'plugins'
  | 'keyauth_credentials' | 'basicauth_credentials' | 'jwt_secrets' | 'hmacauth_credentials' | 'acls';
export type RefField = 'service' | 'route' | 'consumer' | 'upstream' | 'certificate' | 'consumer_group';

export const CREDENTIAL_TYPES = ['keyauth_credentials', 'basicauth_credentials', 'jwt_secrets', 'hmacauth_credentials', 'acls'] as const;

/** Creates and updates run in this order (what is referred to first); deletes in reverse. */
export const ENTITY_ORDER: EntityType[] = [
  'certificates', 'snis', 'ca_certificates', 'upstreams', 'targets', 'services', 'routes', 'consumer_groups', 'consumers', 'consumer_group_members', 'plugins', ...CREDENTIAL_TYPES,
];

/** Types that are a file's top-level keys (memberships are written on consumers as `groups`). */
export type FileType = Exclude<EntityType, 'consumer_group_members'>;
export const FILE_TYPES = ENTITY_ORDER.filter((t): t is FileType => t !== 'consumer_group_members');

export const REF_TYPES: Record<RefField, EntityType> = {
  service: 'services', route: 'routes', consumer: 'consumers', upstream: 'upstreams', certificate: 'certificates', consumer_group: 'consumer_groups',
};

/** The reference a child nested under an entity of this type gets. */
export const NEST_FIELD: Partial<Record<EntityType, RefField>> = {
  services: 'service', routes: 'route', consumers: 'consumer', upstreams: 'upstream', certificates: 'certificate', consumer_groups: 'consumer_group',
};

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

const info = (singular: string, schema: TypeInfo['schema'], rest: Partial<TypeInfo> = {}): TypeInfo => ({
  singular, schema, refs: [], unsupportedRefs: [], nested: [], keys: [], looseFields: [], neverCompared: [], ...rest,
});
const credential = (singular: string, schema: TypeInfo['schema'], keys: string[], loose: string[] = [], never: string[] = []): TypeInfo =>
  info(singular, schema, { refs: ['consumer'], keys, looseFields: loose, neverCompared: never });

export const TYPES: Record<EntityType, TypeInfo> = {
  // Certificates are known by their PEM (Kong files give them no name); `snis` on a certificate is
  // Kong's shorthand for the SNI entities, which files nest as `snis: [{name}]`.
  certificates: info('certificate', certificateSchema, { nested: ['snis'], keys: ['cert'], neverCompared: ['snis'] }),
  snis: info('sni', sniSchema, { refs: ['certificate'], keys: ['name'] }),
  ca_certificates: info('ca certificate', caCertificateSchema, { keys: ['cert'], neverCompared: ['cert_digest'] }),
  upstreams: info('upstream', upstreamSchema, { unsupportedRefs: ['client_certificate'], nested: ['targets'], keys: ['name'] }),
  targets: info('target', targetSchema, { refs: ['upstream'], keys: ['target'] }),
  services: info('service', serviceSchema, { unsupportedRefs: ['client_certificate'], nested: ['routes', 'plugins'], keys: ['name'] }),
  routes: info('route', routeSchema, { refs: ['service'], nested: ['plugins'], keys: ['name'] }),
  consumer_groups: info('consumer group', consumerGroupSchema, { nested: ['plugins'], keys: ['name'] }),
  consumers: info('consumer', consumerSchema, { nested: ['plugins', ...CREDENTIAL_TYPES], keys: ['username', 'custom_id'] }),
  consumer_group_members: info('membership', consumerGroupMemberSchema, { refs: ['consumer', 'consumer_group'] }),
  plugins: info('plugin', pluginSchema, { refs: ['service', 'route', 'consumer', 'consumer_group'] }),
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
/** Types known within their parent's scope (a consumer's key, an upstream's target), matched by scope and key. */
export const isScoped = (type: EntityType): boolean => isCredential(type) || type === 'targets' || type === 'consumer_group_members';
/** Types written under their parent's path (`/consumers/{id}/key-auth`, `/upstreams/{id}/targets`). */
export const PARENT_PATH: Partial<Record<EntityType, { field: RefField; type: 'consumers' | 'upstreams' }>> = {
  ...Object.fromEntries(CREDENTIAL_TYPES.map((t) => [t, { field: 'consumer', type: 'consumers' }])),
  targets: { field: 'upstream', type: 'upstreams' },
};

/** PEMs compare without surrounding whitespace or CRs, as Kong stores them. */
export const normalizePem = (pem: unknown): unknown => (typeof pem === 'string' ? pem.replace(/\r\n/g, '\n').trim() : pem);

/** The value an entity is known by: its key field (a PEM shortened to its digest for people). */
export function displayKey(type: EntityType, value: string): string {
  if (type === 'certificates' || type === 'ca_certificates') return `sha256:${createHash('sha256').update(String(normalizePem(value))).digest('hex').slice(0, 12)}`;
  return value;
}
