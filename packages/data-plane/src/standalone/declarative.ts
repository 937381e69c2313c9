import { createHash, randomBytes } from 'node:crypto';
import {
  aclSchema, basicAuthCredentialSchema, consumerSchema, emptySnapshotCollections, hashSnapshotBody, hmacAuthCredentialSchema, jwtCredentialSchema, keyAuthCredentialSchema, pluginSchema,
  routeSchema, serviceSchema, SNAPSHOT_FORMAT_VERSION, targetSchema, upstreamSchema, validate, type Snapshot, type SnapshotBody, type TSchema,
} from '@gatehouse/schema';
import { validatePluginConfig } from '@gatehouse/plugins/schemas.ts';
import { parseSource, substituteEnv, type Path, type Source } from '@gatehouse/cli/declarative/source.ts';
import { readDesired, type DesiredEntity, type EntityType } from '@gatehouse/cli/declarative/model.ts';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';

// DB-less mode, as Kong's (reference §7): a Kong declarative file (`_format_version: "3.0"`, nested or
// flat) becomes the snapshot of one gateway, served for any Host ('*'). The CLI's reader checks the
// file's shape, entity fields and references (naming file, line, entity and field); this adds
// upstreams and targets (which the CLI does not carry yet), plugin configs checked against their
// schemas, ids, Kong's defaults and credential transforms.

/** Kong's namespace for the UUIDv5 of entities declared without an id. */
const KONG_NAMESPACE = 'fd02801f-0957-4a15-a55a-c8d9606f30b5';

/** A name-based UUID (RFC 9562 v5): the same file always gives the same ids. */
export function uuidV5(name: string, namespace = KONG_NAMESPACE): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const SERVED = new Set(['services', 'routes', 'consumers', 'plugins', 'keyauth_credentials', 'basicauth_credentials', 'jwt_secrets', 'hmacauth_credentials', 'acls', 'selectTags']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);


/**
 * Reads a Kong declarative file's text into a snapshot for gateway `gatewayId` serving every Host.
 * Throws `ERR_DP_DECLARATIVE_INVALID` naming `<file>:<line>`, the entity and the field.
 * @example declarativeSnapshot('_format_version: "3.0"\nservices: [{ name: a, url: "http://127.0.0.1:3000", routes: [{ paths: [/] }] }]', 'kong.yaml')
 */
export function declarativeSnapshot(text: string, file: string, env: NodeJS.ProcessEnv = {}, gatewayId = uuidV5(`gateway:${file}`)): Snapshot {
  try {
    return build(parseSource(substituteEnv(text, file, env), file), gatewayId);
  } catch (error) {
    if (error instanceof DataPlaneError) throw error;
    // The CLI's errors (CliError) carry `<file>:<line>: <entity>: <reason>`.
    throw new DataPlaneError(DP_ERRORS.DECLARATIVE_INVALID, (error as Error).message);
  }
}

function build(source: Source, gatewayId: string): Snapshot {
  const failAt = (line: number | undefined, message: string): never => {
    throw new DataPlaneError(DP_ERRORS.DECLARATIVE_INVALID, `${source.file}${line ? `:${line}` : ''}: ${message}`);
  };
  const fail = (path: Path, message: string): never => failAt(source.lineOf(path), message);
  const top = isObject(source.data) ? source.data : {};
  // Upstreams and targets are read here; the CLI's reader takes the rest.
  const { upstreams: rawUpstreams, targets: rawTargets, ...rest } = top;
  const desired = readDesired({ ...source, data: isObject(source.data) ? rest : source.data });
  // Collections the CLI's reader may accept but this builder does not serve yet: refused, never dropped.
  for (const [type, entities] of Object.entries(desired)) {
    if (!Array.isArray(entities) || entities.length === 0 || SERVED.has(type)) continue;
    const first = entities[0] as DesiredEntity;
    failAt(first.line, `${first.label}: ${type} are not supported in DB-less mode yet`);
  }
  const isTransform = top._transform !== false;
  const now = Math.floor(Date.now() / 1000);

  const ids = new Map<DesiredEntity, string>();
  const idOf = (e: DesiredEntity, index: number): string => {
    let id = ids.get(e);
    if (id === undefined) {
      id = e.id ?? uuidV5(`${e.type}:${e.key ?? `${e.label}#${index}`}`);
      ids.set(e, id);
    }
    return id;
  };
  // Defaults (generated keys, null names) give way to the file's fields; `extra` (ids, references) does not.
  const complete = (schema: TSchema, e: DesiredEntity, index: number, extra: Record<string, unknown>, defaults: Record<string, unknown> = {}): any => {
    const result = validate(schema, { ...defaults, ...e.fields, ...extra, id: idOf(e, index) });
    if (!result.ok) return failAt(e.line, `${e.label}: ${result.errors[0].reason}`);
    return result.value;
  };
  const refsOf = (e: DesiredEntity, fields: readonly string[]): Record<string, { id: string } | null> => {
    const out: Record<string, { id: string } | null> = {};
    for (const f of fields) {
      const ref = e.refs[f as 'service' | 'route' | 'consumer'];
      out[f] = ref === undefined ? null : { id: idOf(ref, desired[`${f}s` as EntityType].indexOf(ref)) };
    }
    return out;
  };
  const stamps = { created_at: now, updated_at: now };

  const services = desired.services.map((e, i) => complete(serviceSchema, e, i, stamps));
  const enabledServices = new Set(services.filter((s) => s.enabled !== false).map((s) => s.id));
  const routes = desired.routes.map((e, i) => complete(routeSchema, e, i, { ...stamps, ...refsOf(e, ['service']) })).filter((r) => r.service === null || enabledServices.has(r.service.id));
  const routeIds = new Set(routes.map((r) => r.id));
  const consumers = desired.consumers.map((e, i) => complete(consumerSchema, e, i, stamps, { username: null, custom_id: null }));
  const plugins = desired.plugins
    .map((e, i) => {
      const config = validatePluginConfig(String(e.fields.name), e.fields.config ?? {});
      if (!config.ok) {
        const first = config.errors[0];
        return failAt(e.line, `${e.label}: ${first.field === 'name' ? first.reason : `config.${first.field}: ${first.reason}`}`);
      }
      return complete(pluginSchema, e, i, { ...stamps, ...refsOf(e, ['service', 'route', 'consumer']), config: config.value });
    })
    .filter((p) => p.enabled !== false && (p.service === null || enabledServices.has(p.service.id)) && (p.route === null || routeIds.has(p.route.id)));

  const credentials = emptySnapshotCollections().credentials;
  const credential = (e: DesiredEntity, i: number, schema: TSchema, defaults: Record<string, unknown>) => complete(schema, e, i, { created_at: now, ...refsOf(e, ['consumer']) }, defaults);
  desired.keyauth_credentials.forEach((e, i) => credentials.keyAuth.push({ ...credential(e, i, keyAuthCredentialSchema, { key: randomKey(), ttl: null }), expires_at: e.fields.ttl ? now + Number(e.fields.ttl) : null }));
  desired.basicauth_credentials.forEach((e, i) => {
    const c = credential(e, i, basicAuthCredentialSchema, {});
    // Kong's basic-auth hash (_transform: true): hex SHA-1 of password .. consumer id.
    if (isTransform) c.password = createHash('sha1').update(`${c.password}${c.consumer.id}`).digest('hex');
    credentials.basicAuth.push(c);
  });
  desired.jwt_secrets.forEach((e, i) => credentials.jwt.push(credential(e, i, jwtCredentialSchema, { key: randomKey(), secret: e.fields.rsa_public_key ? null : randomKey(), rsa_public_key: null })));
  desired.hmacauth_credentials.forEach((e, i) => credentials.hmacAuth.push(credential(e, i, hmacAuthCredentialSchema, { secret: randomKey() })));
  desired.acls.forEach((e, i) => credentials.acls.push(credential(e, i, aclSchema, {})));

  const { upstreams, targets } = readUpstreams(rawUpstreams, rawTargets, fail, now);
  const byId = <T extends { id: string }>(xs: T[]): T[] => xs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const body: SnapshotBody = {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    gatewayId,
    hostnames: ['*'],
    services: byId(services.filter((s) => enabledServices.has(s.id))),
    routes: byId(routes),
    plugins: byId(plugins),
    ...emptySnapshotCollections(),
    upstreams: byId(upstreams),
    targets: byId(targets),
    consumers: byId(consumers),
    credentials: { keyAuth: byId(credentials.keyAuth), basicAuth: byId(credentials.basicAuth), jwt: byId(credentials.jwt), hmacAuth: byId(credentials.hmacAuth), acls: byId(credentials.acls) },
  };
  return { ...body, hash: hashSnapshotBody(body) };
}

const randomKey = (): string => randomBytes(16).toString('hex');

type Fail = (path: Path, message: string) => never;

/** `upstreams[]` (with nested `targets[]`) and top-level `targets[]` naming their upstream by name or id. */
function readUpstreams(rawUpstreams: unknown, rawTargets: unknown, fail: Fail, now: number): { upstreams: any[]; targets: any[] } {
  const upstreams: any[] = [];
  const targets: any[] = [];
  const list = (value: unknown, path: Path): unknown[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return fail(path, `${path.join('.')} must be a list`);
    return value;
  };
  const check = (schema: TSchema, input: Record<string, unknown>, path: Path, label: string): any => {
    const result = validate(schema, input);
    if (!result.ok) return fail([...path, result.errors[0].field.split('.')[0]], `${label}: ${result.errors[0].reason}`);
    return result.value;
  };
  const addTarget = (value: unknown, path: Path, upstream: { id: string; name: string } | null): void => {
    if (!isObject(value)) return fail(path, 'each target must be a mapping');
    const { _comment, _ignore, upstream: ref, ...fields } = value;
    if (_ignore === true) return;
    const label = `target '${String(fields.target ?? '?')}'`;
    let owner = upstream;
    if (owner !== null && ref !== undefined) fail([...path, 'upstream'], `${label}: 'upstream' must not be set on a target nested under an upstream`);
    if (owner === null) {
      const name = isObject(ref) ? (ref.id ?? ref.name) : ref;
      owner = upstreams.find((u) => u.id === name || u.name === name) ?? null;
      if (owner === null) return fail([...path, 'upstream'], `${label} references upstream '${String(name)}', which is not in this file`);
    }
    const id = typeof fields.id === 'string' ? fields.id : uuidV5(`targets:${owner.id}:${String(fields.target)}`);
    targets.push(check(targetSchema, { created_at: now, updated_at: now, ...fields, id, upstream: { id: owner.id } }, path, `${label} of upstream '${owner.name}'`));
  };
  const pending: Array<[unknown[], Path, { id: string; name: string }]> = [];
  list(rawUpstreams, ['upstreams']).forEach((value, i) => {
    const path: Path = ['upstreams', i];
    if (!isObject(value)) return fail(path, 'each entry of upstreams must be a mapping');
    const { _comment, _ignore, targets: nested, ...fields } = value;
    if (_ignore === true) return;
    const label = `upstream '${String(fields.name ?? `#${i}`)}'`;
    const id = typeof fields.id === 'string' ? fields.id : uuidV5(`upstreams:${String(fields.name)}`);
    const upstream = check(upstreamSchema, { created_at: now, updated_at: now, ...fields, id }, path, label);
    if (upstreams.some((u) => u.name === upstream.name)) fail(path, `${label} is defined twice`);
    upstreams.push(upstream);
    pending.push([list(nested, [...path, 'targets']), [...path, 'targets'], upstream]);
  });
  for (const [items, path, upstream] of pending) items.forEach((t, i) => addTarget(t, [...path, i], upstream));
  list(rawTargets, ['targets']).forEach((t, i) => addTarget(t, ['targets', i], null));
  return { upstreams, targets };
}
