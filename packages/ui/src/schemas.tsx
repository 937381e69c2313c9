import { coreBase, optional } from './api.tsx';
import type { JsonSchema } from './components/schema-form.tsx';

// The API serves the JSON Schemas it validates with (`.../core-entities/v1/schemas/json/{entity}` and
// `.../v1/schemas/json/plugins/{name}`). Until a server has them, these small stand-ins keep the
// forms usable: the common Kong fields, with the API still the judge of what is valid.

export type EntityType = 'services' | 'routes' | 'plugins' | 'consumers' | 'upstreams';
export type CredentialType = 'key-auth' | 'basic-auth' | 'jwt' | 'hmac-auth' | 'acls';

const str = (description?: string): JsonSchema => ({ type: 'string', description });
const int = (description?: string, def?: number): JsonSchema => ({ type: 'integer', description, default: def });
const bool = (def: boolean, description?: string): JsonSchema => ({ type: 'boolean', default: def, description });
const lines = (description?: string): JsonSchema => ({ type: 'array', items: { type: 'string' }, description });
const ref = (): JsonSchema => ({ type: 'object', properties: { id: { type: 'string' } } });
const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'udp', 'ws', 'wss'];

const FALLBACK: Record<EntityType, JsonSchema> = {
  services: {
    type: 'object',
    properties: {
      name: str('A unique name.'),
      url: str('Shorthand for protocol, host, port and path, e.g. http://127.0.0.1:9000/api.'),
      protocol: { type: 'string', enum: ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'] },
      host: str('The upstream host.'),
      port: int(undefined, 80),
      path: str('The path to use in requests to the upstream.'),
      retries: int(undefined, 5),
      connect_timeout: int('Milliseconds.', 60000),
      write_timeout: int('Milliseconds.', 60000),
      read_timeout: int('Milliseconds.', 60000),
      enabled: bool(true),
      tags: lines(),
    },
  },
  routes: {
    type: 'object',
    properties: {
      name: str('A unique name.'),
      service: ref(),
      paths: lines('Paths that match this route, e.g. /demo.'),
      hosts: lines('Host header values that match this route.'),
      methods: lines('HTTP methods, e.g. GET.'),
      protocols: { type: 'array', items: { type: 'string', enum: PROTOCOLS }, default: ['http', 'https'] },
      strip_path: bool(true, 'Remove the matched path prefix before proxying.'),
      preserve_host: bool(false, 'Send the client’s Host header upstream.'),
      tags: lines(),
    },
  },
  consumers: {
    type: 'object',
    properties: { username: str('A unique user name.'), custom_id: str('Your own identifier for this consumer.'), tags: lines() },
  },
  upstreams: {
    type: 'object',
    required: ['name'],
    properties: {
      name: str('A hostname: services whose host is this name are balanced over its targets.'),
      algorithm: { type: 'string', enum: ['round-robin', 'consistent-hashing', 'least-connections', 'latency'], default: 'round-robin' },
      slots: int(undefined, 10000),
      tags: lines(),
    },
  },
  plugins: {
    type: 'object',
    properties: {
      config: { description: 'The plugin’s configuration.', default: {} },
      service: ref(),
      route: ref(),
      consumer: ref(),
      enabled: bool(true),
      protocols: { type: 'array', items: { type: 'string', enum: PROTOCOLS }, default: ['grpc', 'grpcs', 'http', 'https'] },
      instance_name: str(),
      tags: lines(),
    },
  },
};

const CREDENTIAL_FALLBACK: Record<CredentialType, JsonSchema> = {
  'key-auth': { type: 'object', properties: { key: str('Leave empty to have one generated.'), tags: lines() } },
  'basic-auth': { type: 'object', required: ['username', 'password'], properties: { username: str(), password: { type: 'string', format: 'password' }, tags: lines() } },
  jwt: { type: 'object', properties: { key: str('The `iss` claim; generated when empty.'), secret: str('Generated when empty.'), algorithm: { type: 'string', enum: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'], default: 'HS256' }, rsa_public_key: str(), tags: lines() } },
  'hmac-auth': { type: 'object', required: ['username'], properties: { username: str(), secret: str('Generated when empty.'), tags: lines() } },
  acls: { type: 'object', required: ['group'], properties: { group: str(), tags: lines() } },
};

/** A target of an upstream, until the server serves its schema. */
export const TARGET_FALLBACK: JsonSchema = { type: 'object', required: ['target'], properties: { target: str('host:port, e.g. 10.0.0.7:8080.'), weight: int('0 takes it out of rotation.', 100), tags: lines() } };

/** Fields a form never shows: the API sets them. */
export const READ_ONLY = ['id', 'created_at', 'updated_at', 'consumer.id'];

/** The API may wrap the schema or send it as a JSON string; accept the shapes seen in the wild. */
function unwrap(body: unknown): JsonSchema | undefined {
  let value: any = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (value?.properties) return value;
  if (value?.schema) return unwrap(value.schema);
  return undefined;
}

export interface LoadedSchema {
  schema: JsonSchema;
  /** True when the server served it; false when the built-in stand-in is used. */
  isServed: boolean;
}

export async function entitySchema(controlPlaneId: string, type: EntityType): Promise<LoadedSchema> {
  const served = unwrap(await optional('GET', `${coreBase(controlPlaneId)}/v1/schemas/json/${type}`).catch(() => undefined));
  if (!served) return { schema: FALLBACK[type], isServed: false };
  // `url` is an API shorthand that no stored-entity schema lists; offer it first for services.
  if (type === 'services' && !served.properties?.url) {
    served.properties = { name: served.properties!.name ?? str(), url: FALLBACK.services.properties!.url, ...served.properties };
    served.required = served.required?.filter((name) => name !== 'host');
  }
  return { schema: served, isServed: true };
}

/** A plugin's whole schema (config, scopes, protocols); undefined when the server has none for it. */
export async function pluginSchema(controlPlaneId: string, name: string): Promise<JsonSchema | undefined> {
  return unwrap(await optional('GET', `${coreBase(controlPlaneId)}/v1/schemas/json/plugins/${encodeURIComponent(name)}`).catch(() => undefined));
}

export async function credentialSchema(controlPlaneId: string, type: CredentialType): Promise<LoadedSchema> {
  const served = unwrap(await optional('GET', `${coreBase(controlPlaneId)}/v1/schemas/json/${type}`).catch(() => undefined));
  return served ? { schema: served, isServed: true } : { schema: CREDENTIAL_FALLBACK[type], isServed: false };
}

/** The plugins this gateway accepts (`GET .../v1/available-plugins`), else Kong's bundled ones. */
export async function availablePlugins(controlPlaneId: string): Promise<string[]> {
  const served = await optional<{ names?: string[] }>('GET', `${coreBase(controlPlaneId)}/v1/available-plugins`).catch(() => undefined);
  return served?.names?.length ? served.names : KNOWN_PLUGINS;
}

/** Kong's bundled plugins, offered as suggestions; any name may be typed. */
export const KNOWN_PLUGINS = [
  'acl', 'acme', 'basic-auth', 'bot-detection', 'correlation-id', 'cors', 'file-log', 'hmac-auth', 'http-log', 'ip-restriction',
  'jwt', 'key-auth', 'oauth2', 'opentelemetry', 'post-function', 'pre-function', 'prometheus', 'proxy-cache', 'rate-limiting',
  'request-size-limiting', 'request-termination', 'request-transformer', 'response-ratelimiting', 'response-transformer',
  'session', 'statsd', 'syslog', 'tcp-log', 'udp-log', 'zipkin',
];

export async function targetSchema(controlPlaneId: string): Promise<LoadedSchema> {
  const served = unwrap(await optional('GET', `${coreBase(controlPlaneId)}/v1/schemas/json/targets`).catch(() => undefined));
  return served ? { schema: served, isServed: true } : { schema: TARGET_FALLBACK, isServed: false };
}
