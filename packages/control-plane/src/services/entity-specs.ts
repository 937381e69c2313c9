import { Type, type FieldError, type TSchema } from '@gatehouse/schema';
import {
  aclSchema, basicAuthCredentialSchema, caCertificateSchema, certificateSchema, consumerGroupMemberSchema, consumerGroupSchema, consumerSchema,
  hmacAuthCredentialSchema, jwtCredentialSchema, keyAuthCredentialSchema, pluginSchema, routeSchema, serviceSchema, sniSchema, targetSchema, upstreamSchema,
} from '@gatehouse/schema';
import { checkCaCertificate, checkCertificate, checkSniName } from './certificate-rules.ts';
import { checkConsumer, checkJwt, hashBasicAuthPassword, prepareHmacAuth, prepareJwt, prepareKeyAuth } from './credential-rules.ts';
import { checkRoute, checkService, expandServiceUrl, inputOf, prepareRoute, type RuleErrors } from './entity-rules.ts';
import { checkPlugin, mergePluginPatch } from './plugin-rules.ts';
import { checkUpstream, normalizeTarget } from './upstream-rules.ts';

// What the entity service knows about each core entity type: its stored and input schemas, its
// unique name, its references, the Kong rules run before and after the schema, and its delete rules.
// CRUD is generated from these definitions (entities.ts); only the rules differ per type.

type Body = Record<string, any>;
type ObjectSchema = TSchema & { properties: Record<string, TSchema> };

export type CoreEntityType =
  | 'services' | 'routes' | 'plugins' | 'upstreams' | 'targets' | 'consumers' | 'consumer_groups' | 'consumer_group_consumers'
  | 'keyauth_credentials' | 'basicauth_credentials' | 'jwt_secrets' | 'hmacauth_credentials' | 'acls' | 'certificates' | 'snis' | 'ca_certificates';

/** Entity types that parent a nested collection, and the foreign key their children carry. */
export const PARENT_FIELD = {
  services: 'service', routes: 'route', upstreams: 'upstream', consumers: 'consumer', consumer_groups: 'consumer_group', certificates: 'certificate',
} as const;
export type ParentType = keyof typeof PARENT_FIELD;

/** Facts a rule may need: the request body as sent, the stored entity it replaces, the time. */
export interface BuildContext {
  raw: Body;
  existing: Body | undefined;
  now: number;
}

/** Rules fail by returning errors; `prefix` is put before field names ('config.' for plugin configs). */
export type RuleResult = RuleErrors & { prefix?: string };
const ok: RuleResult = { fields: [], entity: [] };
const fieldsOnly = (fields: FieldError[], prefix?: string): RuleResult => ({ fields, entity: [], prefix });

export interface TypeSpec {
  stored: ObjectSchema;
  input: TSchema;
  /** The unique name column of a stored body (username, key, upstream-scoped target...), or null. */
  nameOf: (body: Body) => string | null;
  /** The name a non-UUID path key stands for under the given parent id, or null if the type has no key. */
  keyName: (key: string, parentId: string | null) => string | null;
  /** The field a name collision is reported on. */
  uniqueField: string;
  /** Foreign keys checked on write: field -> referenced type. */
  refs: Record<string, CoreEntityType>;
  /** Shorthands and generated values, before the schema; may answer errors. */
  prepare?: (input: Body, ctx: BuildContext) => Body | RuleResult;
  /** Kong's entity checks after the schema (defaults filled); may rewrite `value` (derived fields). */
  finish?: (value: Body, ctx: BuildContext) => RuleResult;
  /** PATCH: how the changes merge into the stored body (default: top-level replace). */
  merge?: (existing: Body, changes: Body) => Body | RuleResult;
  /** Fields kept in the stored body beside the wire shape (key-auth's expiry). */
  internal?: readonly string[];
  /** The wire shape of a stored body at `now` (key-auth's ttl left); default: as stored. */
  wire?: (body: Body, now: number) => Body;
  /** Whether a stored entity still exists at `now` (expired keys do not). */
  isLive?: (body: Body, now: number) => boolean;
  /** On delete: children deleted with the entity, and references that forbid the delete. */
  cascade?: Array<[CoreEntityType, string]>;
  restrict?: Array<[CoreEntityType, string]>;
}

const isResult = (value: Body | RuleResult): value is RuleResult => Array.isArray((value as RuleResult).fields) && Array.isArray((value as RuleResult).entity);
export { isResult as isRuleResult };

const byName = (field: string) => (body: Body) => (body[field] ?? null) as string | null;
const key = (k: string) => k;
const scoped = (parentField: string, field: string) => ({
  nameOf: (body: Body) => `${body[parentField]?.id}/${body[field]}`,
  keyName: (k: string, parentId: string | null) => (parentId === null ? null : `${parentId}/${k}`),
});
const CONSUMER_REF = { consumer: 'consumers' } as const;

const services: TypeSpec = {
  stored: serviceSchema, input: inputOf(serviceSchema), nameOf: byName('name'), keyName: key, uniqueField: 'name',
  refs: { client_certificate: 'certificates' },
  prepare: (input) => {
    const expanded = expandServiceUrl(input);
    return 'errors' in expanded ? fieldsOnly(expanded.errors) : expanded.value;
  },
  finish: (value) => checkService(value),
  merge: (existing, changes) => {
    const expanded = expandServiceUrl(changes);
    return 'errors' in expanded ? fieldsOnly(expanded.errors) : { ...existing, ...expanded.value };
  },
  restrict: [['routes', 'service']],
  cascade: [['plugins', 'service']],
};

const routes: TypeSpec = {
  stored: routeSchema, input: inputOf(routeSchema), nameOf: byName('name'), keyName: key, uniqueField: 'name',
  refs: { service: 'services' },
  prepare: (input, ctx) => prepareRoute(input, ctx.raw),
  finish: (value) => checkRoute(value),
  cascade: [['plugins', 'route']],
};

const plugins: TypeSpec = {
  stored: pluginSchema, input: inputOf(pluginSchema), nameOf: byName('instance_name'), keyName: key, uniqueField: 'instance_name',
  refs: { service: 'services', route: 'routes', consumer: 'consumers', consumer_group: 'consumer_groups' },
  finish: (value) => {
    const checked = checkPlugin(value);
    if ('errors' in checked) return fieldsOnly(checked.errors, checked.prefix);
    value.config = checked.config;
    return ok;
  },
  merge: mergePluginPatch,
};

const upstreams: TypeSpec = {
  stored: upstreamSchema, input: inputOf(upstreamSchema), nameOf: byName('name'), keyName: key, uniqueField: 'name',
  refs: { client_certificate: 'certificates' },
  finish: (value) => checkUpstream(value),
  cascade: [['targets', 'upstream']],
};

const targets: TypeSpec = {
  stored: targetSchema, input: inputOf(targetSchema), ...scoped('upstream', 'target'), uniqueField: 'target',
  refs: { upstream: 'upstreams' },
  finish: (value) => {
    const normalized = normalizeTarget(value.target);
    if ('errors' in normalized) return fieldsOnly(normalized.errors);
    value.target = normalized.target;
    return ok;
  },
};

const consumers: TypeSpec = {
  stored: consumerSchema, input: inputOf(consumerSchema), nameOf: byName('username'), keyName: key, uniqueField: 'username',
  refs: {},
  finish: (value) => ({ fields: [], entity: checkConsumer(value) }),
  cascade: [
    ['plugins', 'consumer'], ['keyauth_credentials', 'consumer'], ['basicauth_credentials', 'consumer'], ['jwt_secrets', 'consumer'],
    ['hmacauth_credentials', 'consumer'], ['acls', 'consumer'], ['consumer_group_consumers', 'consumer'],
  ],
};

const consumerGroups: TypeSpec = {
  stored: consumerGroupSchema, input: inputOf(consumerGroupSchema), nameOf: byName('name'), keyName: key, uniqueField: 'name',
  refs: {},
  cascade: [['plugins', 'consumer_group'], ['consumer_group_consumers', 'consumer_group']],
};

const consumerGroupConsumers: TypeSpec = {
  stored: consumerGroupMemberSchema, input: inputOf(consumerGroupMemberSchema), ...scoped('consumer_group', 'consumer'), uniqueField: 'consumer',
  refs: { consumer_group: 'consumer_groups', consumer: 'consumers' },
};
// Membership names are group/consumer ids, so the stored name must use the consumer's id too.
consumerGroupConsumers.nameOf = (body) => `${body.consumer_group?.id}/${body.consumer?.id}`;

const keyAuth: TypeSpec = {
  stored: keyAuthCredentialSchema, input: inputOf(keyAuthCredentialSchema), nameOf: byName('key'), keyName: key, uniqueField: 'key',
  refs: CONSUMER_REF,
  prepare: (input) => prepareKeyAuth(input),
  // Kong keeps a TTL'd row for `ttl` seconds from its last write and answers the time left.
  finish: (value, ctx) => {
    value.expires_at = value.ttl === null || value.ttl === 0 ? null : ctx.now + value.ttl;
    return ok;
  },
  merge: (existing, changes) => {
    const merged = { ...existing, ...changes };
    // A PATCH without ttl keeps the expiry it had: carry the time left, not the original ttl.
    if (!('ttl' in changes) && existing.expires_at != null) merged.ttl = Math.max(1, existing.expires_at - Math.floor(Date.now() / 1000));
    return merged;
  },
  internal: ['expires_at'],
  wire: (body, now) => ({ ...body, ttl: body.expires_at == null ? body.ttl : Math.max(0, body.expires_at - now) }),
  isLive: (body, now) => body.expires_at == null || body.expires_at > now,
};

const basicAuth: TypeSpec = {
  stored: basicAuthCredentialSchema, input: inputOf(basicAuthCredentialSchema), nameOf: byName('username'), keyName: key, uniqueField: 'username',
  refs: CONSUMER_REF,
  // Kong hashes on every write that carries a password (a PUT always does); a PATCH without one keeps the hash.
  finish: (value, ctx) => {
    if (ctx.raw.password !== undefined || !ctx.existing) value.password = hashBasicAuthPassword(value.password, value.consumer.id);
    return ok;
  },
};

const jwt: TypeSpec = {
  stored: jwtCredentialSchema, input: inputOf(jwtCredentialSchema), nameOf: byName('key'), keyName: key, uniqueField: 'key',
  refs: CONSUMER_REF,
  prepare: (input) => prepareJwt(input),
  finish: (value) => fieldsOnly(checkJwt(value)),
};

const hmacAuth: TypeSpec = {
  stored: hmacAuthCredentialSchema, input: inputOf(hmacAuthCredentialSchema), nameOf: byName('username'), keyName: key, uniqueField: 'username',
  refs: CONSUMER_REF,
  prepare: (input) => prepareHmacAuth(input),
};

const acls: TypeSpec = {
  stored: aclSchema, input: inputOf(aclSchema), ...scoped('consumer', 'group'), uniqueField: 'group',
  refs: CONSUMER_REF,
};

const certificates: TypeSpec = {
  stored: certificateSchema, input: inputOf(certificateSchema), nameOf: () => null, keyName: () => null, uniqueField: 'id',
  refs: {},
  finish: (value) => fieldsOnly(checkCertificate(value)),
  restrict: [['services', 'client_certificate'], ['upstreams', 'client_certificate']],
  cascade: [['snis', 'certificate']],
};

const snis: TypeSpec = {
  stored: sniSchema, input: inputOf(sniSchema), nameOf: byName('name'), keyName: key, uniqueField: 'name',
  refs: { certificate: 'certificates' },
  finish: (value) => fieldsOnly(checkSniName(value.name)),
};

const caCertificates: TypeSpec = {
  stored: caCertificateSchema,
  // cert_digest is computed; a client may send it back (decK does) and it is recomputed.
  input: inputOf(caCertificateSchema, { cert_digest: Type.Optional(Type.String()) }),
  nameOf: byName('cert_digest'), keyName: () => null, uniqueField: 'cert',
  refs: {},
  prepare: (input) => ({ ...input, cert_digest: '0'.repeat(64) }),
  finish: (value) => {
    const checked = checkCaCertificate(value);
    if ('errors' in checked) return fieldsOnly(checked.errors);
    value.cert_digest = checked.digest;
    return ok;
  },
  restrict: [['services', 'ca_certificates']],
};

export const SPECS: Record<CoreEntityType, TypeSpec> = {
  services, routes, plugins, upstreams, targets, consumers, consumer_groups: consumerGroups, consumer_group_consumers: consumerGroupConsumers,
  keyauth_credentials: keyAuth, basicauth_credentials: basicAuth, jwt_secrets: jwt, hmacauth_credentials: hmacAuth, acls,
  certificates, snis, ca_certificates: caCertificates,
};
