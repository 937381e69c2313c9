import { Type, type FieldError, type TSchema } from '@gatehouse/schema';
import { pluginSchema, routeSchema, serviceSchema } from '@gatehouse/schema';

// Kong's input rules for services and routes that JSON Schema cannot express: the `url` shorthand and
// the entity checks of kong/db/schema/entities/{services,routes}.lua and routes_subschemas.lua.
// Everything here is pure, so the entity service stays about storage and references.

/** What a rule check found: per-field errors and whole-entity ("@entity") messages, as Kong splits them. */
export interface RuleErrors {
  fields: FieldError[];
  entity: string[];
}

const fieldError = (field: string, reason: string, rule = 'invalid'): FieldError => ({ field, rule, reason });

// Input shapes: the stored shapes with the server-set fields optional (a client may send its own UUID,
// and decK sends the timestamps it read back, which Kong accepts and ignores).
export function inputOf(schema: TSchema & { properties: Record<string, TSchema> }, extra: Record<string, TSchema> = {}) {
  const properties: Record<string, TSchema> = { ...schema.properties };
  // Credentials have no updated_at; the others have all three.
  for (const key of ['id', 'created_at', 'updated_at']) if (properties[key]) properties[key] = Type.Optional(properties[key]);
  return Type.Object({ ...properties, ...extra }, { additionalProperties: false });
}

export const serviceInputSchema = inputOf(serviceSchema);
export const routeInputSchema = inputOf(routeSchema);
export const pluginInputSchema = inputOf(pluginSchema);

/** The fields the `url` shorthand sets (kong/db/schema/entities/services.lua `shorthand_fields`). */
const URL_FIELDS = ['protocol', 'host', 'port', 'path'] as const;
const SCHEME_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, grpc: 80, grpcs: 443 };
const SERVICE_PROTOCOLS: ReadonlySet<string> = new Set(['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss']);

/**
 * Expands a service's write-only `url` into protocol, host, port and path, in place of `url`.
 * 'https://a.test' gives { protocol: 'https', host: 'a.test', port: 443, path: null };
 * 'http://a.test:8080/v1' gives { protocol: 'http', host: 'a.test', port: 8080, path: '/v1' }.
 */
export function expandServiceUrl(input: Record<string, unknown>): { value: Record<string, unknown> } | { errors: FieldError[] } {
  if (!('url' in input)) return { value: input };
  const { url, ...rest } = input;
  if (url === null) return { value: rest };
  if (typeof url !== 'string') return { errors: [fieldError('url', 'url must be a string', 'is_string')] };
  const combined = URL_FIELDS.filter((f) => f in rest);
  if (combined.length > 0) {
    return { errors: [fieldError('url', `url cannot be combined with ${combined.map((f) => `'${f}'`).join(', ')}: set either url or its parts`)] };
  }
  const parts = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(url);
  let parsed: URL | undefined;
  try {
    parsed = parts ? new URL(`http://${parts[2]}`) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parts || !parsed || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') {
    return { errors: [fieldError('url', `url must be a valid URL such as http://example.internal:8080/path, got '${url}'`)] };
  }
  const protocol = parts[1].toLowerCase();
  if (!SERVICE_PROTOCOLS.has(protocol)) {
    return { errors: [fieldError('url', `url scheme must be one of: ${[...SERVICE_PROTOCOLS].join(', ')}`, 'enum')] };
  }
  // WHATWG URL drops the default port of http; read the port from the authority as written.
  const portMatch = /:(\d+)$/.exec(parts[2]);
  const port = portMatch ? Number(portMatch[1]) : (SCHEME_PORTS[protocol] ?? 80);
  // Keep the host's case and brackets off IPv6, as Kong stores the host as given.
  const host = parts[2].replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return { value: { ...rest, protocol, host, port, path: parts[3] === '' ? null : parts[3] } };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const LABEL = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** A hostname (labels of letters, digits, '-' and '_'), an IPv4 or an IPv6 address, as Kong's typedefs.host. */
export function isValidHost(host: string): boolean {
  if (IPV4.test(host)) return true;
  if (host.includes(':')) return /^[0-9A-Fa-f:.]+$/.test(host) && URL.canParse(`http://[${host}]`);
  if (host.length > 253) return false;
  return host.split('.').every((label) => LABEL.test(label));
}

/** Entity checks of services.lua. */
export function checkService(service: Record<string, any>): RuleErrors {
  const fields: FieldError[] = [];
  if (typeof service.host === 'string' && !isValidHost(service.host)) fields.push(fieldError('host', `invalid hostname: ${service.host}`));
  if (typeof service.path === 'string' && service.path.includes('//')) fields.push(fieldError('path', 'must not have empty segments'));
  if (['tcp', 'tls', 'tls_passthrough', 'udp', 'grpc', 'grpcs'].includes(service.protocol) && service.path !== null) {
    fields.push(fieldError('path', `value must be null when protocol is '${service.protocol}'`));
  }
  if (!['https', 'tls', 'wss'].includes(service.protocol)) {
    for (const field of ['client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates'] as const) {
      if (service[field] !== null) fields.push(fieldError(field, `value must be null when protocol is not 'https', 'tls' or 'wss'`));
    }
  }
  return { fields, entity: [] };
}

// Protocol families of routes_subschemas.lua; a route's protocols must come from one family.
const FAMILIES = [['http', 'https'], ['tcp', 'tls', 'udp'], ['tls_passthrough'], ['grpc', 'grpcs'], ['ws', 'wss']] as const;
const SNI_PROTOCOLS = ['grpcs', 'https', 'tls', 'tls_passthrough', 'wss'];

const isSet = (value: unknown): boolean =>
  value !== null && value !== undefined && (Array.isArray(value) ? value.length > 0 : typeof value !== 'object' || Object.keys(value).length > 0);
const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

function atLeastOne(route: Record<string, unknown>, names: readonly string[], when: string, entity: string[]): void {
  if (!names.some((n) => isSet(route[n]))) entity.push(`must set one of ${quoted(names)} when 'protocols' is ${when}`);
}

function mustBeEmpty(route: Record<string, unknown>, names: readonly string[], when: string, fields: FieldError[]): void {
  for (const n of names) if (isSet(route[n])) fields.push(fieldError(n, `cannot set '${n}' when 'protocols' is ${when}`));
}

/** Route host: a hostname with an optional port and at most one '*' as the leftmost or rightmost label. */
function checkRouteHost(host: string, field: string, fields: FieldError[]): void {
  const bare = host.replace(/:\d{1,5}$/, '');
  const stars = bare.split('*').length - 1;
  if (stars > 1) return void fields.push(fieldError(field, `invalid wildcard: must have at most one wildcard: ${host}`));
  if (stars === 1 && !(/^\*\./.test(bare) || /\.\*$/.test(bare))) {
    return void fields.push(fieldError(field, `invalid wildcard: must be placed at leftmost or rightmost label: ${host}`));
  }
  if (!isValidHost(bare.replace(/^\*\./, 'x.').replace(/\.\*$/, '.x'))) fields.push(fieldError(field, `invalid hostname: ${host}`));
}

/** Route path: '/' for a prefix, '~' for a regex (PCRE's named groups `(?P<n>` read as JS's `(?<n>`). */
function checkRoutePath(path: string, field: string, fields: FieldError[]): void {
  if (path.startsWith('~')) {
    try {
      new RegExp(path.slice(1).replaceAll('(?P<', '(?<'));
    } catch (error) {
      fields.push(fieldError(field, `invalid regex: '${path.slice(1)}' (${(error as Error).message})`));
    }
    return;
  }
  if (!path.startsWith('/')) return void fields.push(fieldError(field, `should start with: / (fixed path) or ~/ (regex path): ${path}`));
  if (path.includes('//')) fields.push(fieldError(field, `must not have empty segments: ${path}`));
}

/**
 * Entity checks of routes.lua and routes_subschemas.lua: one protocol family, the matching fields that
 * family needs and allows, and the shapes of hosts, paths and headers.
 */
export function checkRoute(route: Record<string, any>): RuleErrors {
  const fields: FieldError[] = [];
  const entity: string[] = [];
  const protocols: string[] = route.protocols;
  const families = FAMILIES.filter((family) => protocols.some((p) => (family as readonly string[]).includes(p)));
  if (families.length > 1) {
    fields.push(fieldError('protocols', `these sets are mutually exclusive: ${FAMILIES.map((f) => `(${quoted(f)})`).join(', ')}`));
    return { fields, entity };
  }
  const family = families[0]?.[0];
  if (family === 'http' || family === 'ws') {
    const secure = family === 'http' ? 'https' : 'wss';
    mustBeEmpty(route, ['sources', 'destinations'], family === 'http' ? "'http' or 'https'" : "'ws' or 'wss'", fields);
    if (protocols.includes(secure)) atLeastOne(route, ['methods', 'hosts', 'headers', 'paths', 'snis'], `'${secure}'`, entity);
    else atLeastOne(route, ['methods', 'hosts', 'headers', 'paths'], `'${family}'`, entity);
  } else if (family === 'grpc') {
    mustBeEmpty(route, ['methods', 'sources', 'destinations'], "'grpc' or 'grpcs'", fields);
    if (route.strip_path === true) fields.push(fieldError('strip_path', "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'"));
    if (protocols.includes('grpcs')) atLeastOne(route, ['hosts', 'headers', 'paths', 'snis'], "'grpcs'", entity);
    else atLeastOne(route, ['hosts', 'headers', 'paths'], "'grpc'", entity);
  } else if (family === 'tcp' || family === 'tls_passthrough') {
    const when = family === 'tcp' ? "'tcp', 'tls' or 'udp'" : "'tls_passthrough'";
    mustBeEmpty(route, ['methods', 'hosts', 'paths', 'headers'], when, fields);
    if (family === 'tcp') atLeastOne(route, ['sources', 'destinations', 'snis'], when, entity);
    else if (!isSet(route.snis)) entity.push("must set 'snis' when 'protocols' is 'tls_passthrough'");
  }
  if (isSet(route.snis) && !protocols.some((p) => SNI_PROTOCOLS.includes(p))) {
    entity.push(`'snis' can only be set when 'protocols' is ${SNI_PROTOCOLS.slice(0, -1).map((p) => `'${p}'`).join(', ')} or '${SNI_PROTOCOLS.at(-1)}'`);
  }
  // Fields name the array, not the item, as Kong's core-entity errors do; the message names the value.
  for (const host of route.hosts ?? []) checkRouteHost(host, 'hosts', fields);
  for (const sni of route.snis ?? []) checkRouteHost(sni, 'snis', fields);
  for (const path of route.paths ?? []) checkRoutePath(path, 'paths', fields);
  for (const name of Object.keys(route.headers ?? {})) {
    if (name.toLowerCase() === 'host') fields.push(fieldError('headers', "cannot contain 'host' header, which must be specified in the 'hosts' attribute"));
  }
  return { fields, entity };
}

/**
 * Kong's grpc route subschema defaults `strip_path` to false: a gRPC route without an explicit
 * `strip_path` gets false instead of the HTTP default true.
 */
export function prepareRoute(candidate: Record<string, unknown>, raw: Record<string, unknown>): Record<string, unknown> {
  const protocols = candidate.protocols;
  const isGrpc = Array.isArray(protocols) && protocols.length > 0 && protocols.every((p) => p === 'grpc' || p === 'grpcs');
  return isGrpc && raw.strip_path === undefined ? { ...candidate, strip_path: false } : candidate;
}
