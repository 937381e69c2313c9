import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { definePlugin, type Headers, type PluginContext, type PluginResponse } from '../kit.ts';
import { authenticate, compileCredentialAuth, isAlreadyAuthenticated, rejectCredentials, type CredentialAuth } from '../consumers.ts';
import { hmacAuthSchema, type HmacAlgorithm } from './schema.ts';

// Kong's hmac-auth (kong/plugins/hmac-auth/access.lua; reference §5.6). Order of checks as Kong's:
// an Authorization or Proxy-Authorization header, then Date/X-Date within clock_skew, then the
// parameters (Proxy-Authorization first), enforced headers and algorithm, the credential, the
// signature, and last the body's Digest. Every failure is a 401 through `error()`.

const NOT_VALID = 'HMAC signature cannot be verified';
const NOT_SAME = 'HMAC signature does not match';
const NO_DATE = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication';

// Kong's pattern, with `[^"]+` for its greedy `(.+)` so a hostile header cannot make it backtrack
// polynomially; values holding a double quote are the only ones read differently.
const PARAMS = /\s*[Hh]mac\s*username="([^"]+)",\s*algorithm="([^"]+)",\s*headers="([^"]+)",\s*signature="([^"]+)"/;

const DIGESTS: Readonly<Record<HmacAlgorithm, string>> = { 'hmac-sha1': 'sha1', 'hmac-sha224': 'sha224', 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' };

interface State extends CredentialAuth {
  isHidden: boolean;
  clockSkewMs: number;
  isBodyValidated: boolean;
  enforced: string[];
  /** Allowed algorithm -> node:crypto digest name. */
  algorithms: ReadonlyMap<string, string>;
}

interface Params {
  username: string;
  algorithm: string;
  headers: string[];
  signature: string;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function parse(value: string | undefined): Params | null {
  if (value === undefined) return null;
  const m = PARAMS.exec(value);
  // Kong splits the header list on single spaces.
  return m === null ? null : { username: m[1], algorithm: m[2], headers: m[3].split(' '), signature: m[4] };
}

/** ngx.parse_http_time then `abs(now - t) <= skew`, in whole seconds as ngx.time(). */
function isDateValid(value: string | undefined, skewMs: number): boolean {
  if (value === undefined) return false;
  const t = Date.parse(value);
  return !Number.isNaN(t) && Math.abs(Math.floor(Date.now() / 1000) * 1000 - t) <= skewMs;
}

/** Kong's validate_params: every enforced header signed, and an allowed algorithm. */
function areParamsValid(p: Params, state: State): boolean {
  for (const h of state.enforced) if (!p.headers.includes(h)) return false;
  return state.algorithms.has(p.algorithm);
}

/**
 * The signing string: `name: value` per listed header, joined by '\n'; `request-line`
 * (`GET /p?q HTTP/1.1`) and `@request-target` (`@request-target: get /p?q`, as draft-cavage's
 * `(request-target)`) when the client sent no header of that name; `name:` for an absent header.
 */
function signingString(ctx: PluginContext, names: string[], target: string): string {
  const h: Headers = ctx.headers;
  let s = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    // kong.request.get_header: case-insensitive, '_' read as '-'.
    const value = first(h[name.toLowerCase().replaceAll('_', '-')]);
    if (value !== undefined) s += `${name}: ${value}`;
    // Kong formats the HTTP version with %.01f; node:http serves HTTP/1.x, proxied as 1.1.
    else if (name === 'request-line') s += `${ctx.method} ${target} HTTP/1.1`;
    else if (name === '@request-target') s += `@request-target: ${ctx.method.toLowerCase()} ${target}`;
    else s += `${name}:`;
    if (i < names.length - 1) s += '\n';
  }
  return s;
}

function isSignatureValid(ctx: PluginContext, p: Params, digest: string, secret: string): boolean {
  const given = Buffer.from(p.signature, 'base64');
  const target = ctx.query === null ? ctx.rawPath : `${ctx.rawPath}?${ctx.query}`;
  if (matches(given, createHmac(digest, secret).update(signingString(ctx, p.headers, target)).digest())) return true;
  // Kong still accepts signatures over the path without its query (deprecated by Kong/kong#3339).
  return ctx.query !== null && matches(given, createHmac(digest, secret).update(signingString(ctx, p.headers, ctx.rawPath)).digest());
}

const matches = (given: Buffer, expected: Buffer): boolean => given.length === expected.length && timingSafeEqual(given, expected);

/** `Digest: SHA-256=<base64>` of the body; with no Digest the body must be empty. */
function isBodyValid(ctx: PluginContext): boolean {
  const body = ctx.body ?? Buffer.alloc(0);
  const received = first(ctx.headers['digest']);
  if (received === undefined) return body.length === 0;
  return received === `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

function access(ctx: PluginContext, state: State): PluginResponse | undefined {
  if (isAlreadyAuthenticated(ctx, state.anonymous)) return undefined;
  const h = ctx.headers;
  const authorization = first(h['authorization']);
  const proxyAuthorization = first(h['proxy-authorization']);
  if (authorization === undefined && proxyAuthorization === undefined) return rejectCredentials(ctx, state, 'Unauthorized');
  if (!isDateValid(first(h['x-date']), state.clockSkewMs) && !isDateValid(first(h['date']), state.clockSkewMs)) return rejectCredentials(ctx, state, NO_DATE);
  let params = parse(proxyAuthorization);
  if (params !== null) {
    if (state.isHidden) delete h['proxy-authorization'];
  } else {
    params = parse(authorization);
    // Kong clears Authorization whenever Proxy-Authorization held no parameters.
    if (state.isHidden) delete h['authorization'];
  }
  if (params === null || !areParamsValid(params, state)) return rejectCredentials(ctx, state, NOT_VALID);
  const credential = state.consumers.hmacAuth.get(params.username);
  if (credential === undefined) return rejectCredentials(ctx, state, NOT_VALID);
  if (!isSignatureValid(ctx, params, state.algorithms.get(params.algorithm)!, credential.secret)) return rejectCredentials(ctx, state, NOT_SAME);
  if (state.isBodyValidated && !isBodyValid(ctx)) return rejectCredentials(ctx, state, NOT_SAME);
  const consumer = state.consumers.byId.get(credential.consumer.id);
  if (consumer === undefined) return rejectCredentials(ctx, state, NOT_VALID);
  authenticate(ctx, consumer, { id: credential.id, consumerId: consumer.id, identifier: credential.username });
  return undefined;
}

export default definePlugin({
  name: 'hmac-auth',
  priority: 1030,
  schema: hmacAuthSchema,
  setsConsumer: true,
  needsBody: (config) => config.validate_request_body,
  compile: (config, env): State => ({
    ...compileCredentialAuth(env, config, 'hmac'),
    isHidden: config.hide_credentials,
    clockSkewMs: config.clock_skew * 1000,
    isBodyValidated: config.validate_request_body,
    enforced: config.enforce_headers,
    algorithms: new Map(config.algorithms.map((a) => [a, DIGESTS[a]])),
  }),
  access,
});
