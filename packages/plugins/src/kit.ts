import type { Consumer, Route, Service, Static, TSchema } from '@gatehouse/schema';
import type { ConsumerIndex } from './consumers.ts';

// The plugin contract: the only API a plugin sees. The data plane and `runPlugin()` both build a
// `PluginContext`, so a handler behaves the same under test and in the proxy.

/** Request or response headers: lower-case names, as node:http and undici give them. */
export type Headers = Record<string, string | string[] | undefined>;

/** Regex captures of the matched route path: numbered (`'0'` = whole match) and named. */
export type UriCaptures = Record<string, string | undefined>;

/**
 * A response produced by a plugin instead of the upstream's. `kind: 'exit'` is Kong's
 * `kong.response.exit` (body as given); `'error'` is `kong.response.error` (Kong's error template with
 * `request_id`, content type negotiated from `Accept`).
 */
export interface PluginResponse {
  kind: 'exit' | 'error';
  status: number;
  /** exit: an object (sent as JSON), a string or Buffer (sent raw), or null (empty). error: the message. */
  body: unknown;
  headers: Record<string, string> | null;
}

/** What `compile` receives besides the config: facts about the snapshot being loaded. */
export interface CompileEnv {
  gatewayId: string;
  /** The snapshot's consumers and credentials, indexed for auth plugins; empty when absent. */
  consumers?: ConsumerIndex;
  /** The plugin instance's own scope (rate-limiting keys its counters by it); absent: global. */
  instance?: { id: string; routeId: string | null; serviceId: string | null };
}

/** The credential an auth plugin accepted (Kong's `kong.client.get_credential()`). */
export interface AuthCredential {
  id: string;
  consumerId: string;
  /** X-Credential-Identifier: key-auth the credential id, basic/hmac the username, jwt the key. */
  identifier: string;
}

/**
 * What the data plane knows about a finished request, for the `log` phase (the facts behind Kong's
 * `kong.log.serialize()`). Set on `ctx.logFacts` just before `log` runs, only for chains with a `log`
 * handler. Latencies are milliseconds, as Kong's.
 * @example log(ctx) { const { requestLatencyMs, source } = ctx.logFacts!; }
 */
export interface LogFacts {
  /** Epoch milliseconds when the request arrived (Kong's `started_at`). */
  startedAt: number;
  /** Kong's `latencies.kong`: time in the gateway before the upstream, or to its own answer. */
  kongLatencyMs: number;
  /** Kong's `latencies.proxy`: wait for the upstream's response headers; -1 when none answered. */
  upstreamLatencyMs: number;
  /** Kong's `latencies.request`: arrival to the last byte sent. */
  requestLatencyMs: number;
  /** `upstream` when the service answered, `kong` when the gateway or a plugin did. */
  source: 'upstream' | 'kong';
  /** Path and query as sent upstream (Kong's `upstream_uri`); '' when nothing was sent. */
  upstreamUri: string;
  /** Upstream tries made (Kong's `#tries`). */
  tries: number;
  /** The matched route and its service; null before routing or without one. */
  route: Route | null;
  service: Service | null;
  /** Request bytes received: request line, headers and body (Kong's `request.size`). */
  requestSize: number;
  /** The request as received: the URI with its query (Kong's `request.uri`) and the listener port. */
  requestUri: string;
  serverPort: number;
  /** The tenant: Gatehouse has no workspaces, the gateway is the boundary (Kong's `workspace`). */
  workspace: string;
}

export interface PluginContextInit {
  requestId: string;
  clientIp: string;
  scheme: 'http' | 'https';
  /** Host header, lower-cased, without port. */
  host: string;
  method: string;
  /** Path as received, without query (Kong's raw path). */
  rawPath: string;
  /** Upstream path the router built. */
  path: string;
  /** Raw query without `?`; null when the request had no `?`. */
  query: string | null;
  /** Upstream request headers; the context owns and mutates this object. */
  headers: Headers;
  /** The client's headers as received; defaults to a copy of `headers`. */
  requestHeaders?: Headers;
  routeId?: string | null;
  serviceId?: string | null;
  uriCaptures?: UriCaptures | null;
  body?: Buffer | null;
  slots?: unknown[];
}

const NO_SLOTS: unknown[] = [];

/**
 * The per-request context handlers see. Fields starting as the client request (`method`, `path`,
 * `query`, `headers`, `body`) describe the request *to the upstream*: plugins change them in place.
 * Every field is set in the constructor so its shape never changes.
 * @example
 * access(ctx) { ctx.headers['x-added'] = 'yes'; if (!ok) return ctx.error(401, 'Unauthorized'); }
 */
export class PluginContext {
  readonly requestId: string;
  readonly clientIp: string;
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly rawPath: string;
  /** Set by the router; null in global `rewrite` (before routing). */
  routeId: string | null;
  serviceId: string | null;
  uriCaptures: UriCaptures | null;
  /** Client request headers as received; do not mutate. */
  readonly requestHeaders: Headers;
  method: string;
  path: string;
  query: string | null;
  headers: Headers;
  /** The buffered request body: set only when a plugin in the chain declares `needsBody`. */
  body: Buffer | null;
  /** Response status and headers, set before `headerFilter`; headers are mutable there. */
  status: number;
  responseHeaders: Headers | null;
  /** Per-request plugin data, one slot per chain position. */
  slots: unknown[];
  /** The response a plugin answered with, if any. */
  exit: PluginResponse | null;
  /** Set by an auth plugin (`setsConsumer`); later plugins then get consumer-scoped configs. */
  consumer: Consumer | null;
  /** The accepted credential; null when unauthenticated or anonymous. */
  credential: AuthCredential | null;
  /** Kong's `kong.ctx.plugin`: per-request data of each plugin, by plugin name; null until one stores some. */
  pluginData: Record<string, unknown> | null;
  /**
   * Headers a plugin set for the response before it exists (Kong's `kong.response.set_header` in
   * access); the data plane adds them to the upstream's or a plugin's response before `headerFilter`.
   */
  addedResponseHeaders: Record<string, string> | null;
  /**
   * Set by a `headerFilter` that must see the whole response body: the data plane then buffers it
   * and runs the `bodyFilter` phase once on it. Unset, the body streams and `bodyFilter` is skipped.
   */
  isResponseBuffered: boolean;
  /** Response bytes sent to the client, set before `log`. */
  responseSize: number;
  /** Set just before `log`, for chains with a `log` handler; null otherwise. */
  logFacts: LogFacts | null;

  constructor(init: PluginContextInit) {
    this.requestId = init.requestId;
    this.clientIp = init.clientIp;
    this.scheme = init.scheme;
    this.host = init.host;
    this.rawPath = init.rawPath;
    this.routeId = init.routeId ?? null;
    this.serviceId = init.serviceId ?? null;
    this.uriCaptures = init.uriCaptures ?? null;
    this.requestHeaders = init.requestHeaders ?? { ...init.headers };
    this.method = init.method;
    this.path = init.path;
    this.query = init.query;
    this.headers = init.headers;
    this.body = init.body ?? null;
    this.status = 0;
    this.responseHeaders = null;
    this.slots = init.slots ?? NO_SLOTS;
    this.exit = null;
    this.consumer = null;
    this.credential = null;
    this.pluginData = null;
    this.addedResponseHeaders = null;
    this.isResponseBuffered = false;
    this.responseSize = 0;
    this.logFacts = null;
  }

  /**
   * Answers the client with `body` and stops the access phase (Kong's `kong.response.exit`).
   * @example return ctx.respond(403, { message: 'Forbidden' });
   */
  respond(status: number, body: unknown = null, headers: Record<string, string> | null = null): PluginResponse {
    this.exit = { kind: 'exit', status, body, headers };
    return this.exit;
  }

  /**
   * Adds a response header from `access` (Kong's `kong.response.set_header` before the response).
   * Names are lower-case, like every header map of the context.
   * @example ctx.setResponseHeader('x-ratelimit-limit-minute', '5');
   */
  setResponseHeader(name: string, value: string): void {
    if (this.addedResponseHeaders === null) this.addedResponseHeaders = {};
    this.addedResponseHeaders[name] = value;
  }

  /**
   * Answers with Kong's error template (`{"message": ..., "request_id": ...}`, negotiated by Accept)
   * and stops the access phase (Kong's `kong.response.error`).
   * @example return ctx.error(401, 'No API key found in request', { 'WWW-Authenticate': 'Key' });
   */
  error(status: number, message: string | null = null, headers: Record<string, string> | null = null): PluginResponse {
    this.exit = { kind: 'error', status, body: message, headers };
    return this.exit;
  }
}

type PhaseResult = void | PluginResponse;

/** A plugin: Kong's phases, camelCased; implement only the phases you need. */
export interface PluginDefinition<S extends TSchema = TSchema, State = Static<S>> {
  /** Equals the folder name and the plugin entity's `name`. */
  name: string;
  /** Kong's PRIORITY: higher runs first. */
  priority: number;
  /** Config schema (`config` of the plugin entity), with Kong's defaults. */
  schema: S;
  /** Config-only work, once per snapshot load; the result is what the phases receive. */
  compile?: (config: Static<S>, env: CompileEnv) => State;
  /**
   * Whether `access` may set `ctx.consumer` (auth plugins): after it, the chain continues with the
   * configs scoped to that consumer, as Kong resolves them when each plugin is reached.
   */
  setsConsumer?: boolean;
  /** Whether this config needs the request body buffered into `ctx.body` before `access`. */
  needsBody?: (config: Static<S>) => boolean;
  rewrite?: (ctx: PluginContext, state: State) => PhaseResult | Promise<PhaseResult>;
  access?: (ctx: PluginContext, state: State) => PhaseResult | Promise<PhaseResult>;
  /** Synchronous, as in Kong: it runs between the upstream's headers and the client's. */
  headerFilter?: (ctx: PluginContext, state: State) => void;
  /**
   * Kong's body_filter, on the whole response body: runs only when a `headerFilter` set
   * `ctx.isResponseBuffered` (so streamed responses stay streamed). Returns the body to send.
   */
  bodyFilter?: (ctx: PluginContext, state: State, body: Buffer) => Buffer;
  /** After the response has been sent; errors are logged, never seen by the client. */
  log?: (ctx: PluginContext, state: State) => void | Promise<void>;
}

/** A plugin definition with its types erased, as registries and the data plane hold it. */
export type AnyPlugin = PluginDefinition<any, any>;

/**
 * Declares a plugin; returns it unchanged, typed.
 * @example
 * export default definePlugin({ name: 'x', priority: 1, schema: xSchema, access: (ctx) => {} });
 */
export function definePlugin<S extends TSchema, State = Static<S>>(plugin: PluginDefinition<S, State>): PluginDefinition<S, State> {
  return plugin;
}

export { parseQuery, encodeQuery, type QueryArgs, type QueryValue } from './query.ts';
