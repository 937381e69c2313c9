import { definePlugin, encodeQuery, parseQuery, type PluginContext, type QueryValue, type PluginResponse } from '../kit.ts';
import { authenticate, compileCredentialAuth, isAlreadyAuthenticated, rejectCredentials, type CredentialAuth } from '../consumers.ts';
import { MultipartBody, multipartBoundary } from '../request-transformer/multipart.ts';
import { bodyKind } from '../request-transformer/body.ts';
import { keyAuthSchema, type KeyAuthConfig } from './schema.ts';

// Kong's key-auth (kong/plugins/key-auth/handler.lua; reference §5.3). For each key name in order the
// first location holding a value decides (header, then query, then body): a wrong key in the header
// is not rescued by a right one in the query.

interface KeyName {
  name: string;
  /** Header names to look up: lower-cased, and with '_' as '-' (Kong's header table is '_'/'-' tolerant). */
  headers: string[];
}

interface State extends CredentialAuth {
  names: KeyName[];
  config: KeyAuthConfig;
}

const NOT_FOUND = Symbol('not found');
const DUPLICATE = Symbol('duplicate');
type Found = string | typeof NOT_FOUND | typeof DUPLICATE;

function fromHeader(ctx: PluginContext, key: KeyName): Found {
  for (const h of key.headers) {
    const v = ctx.headers[h];
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return DUPLICATE;
  }
  return NOT_FOUND;
}

/** One query argument as `parseQuery(raw)[name]` gives it, without decoding the other arguments. */
function queryArg(raw: string, name: string): QueryValue | undefined {
  // Encoded names ('%61pikey', 'a+b') need the full decode; plain ones compare as they are.
  if (raw.includes('%') || raw.includes('+')) return parseQuery(raw)[name];
  let found: QueryValue | undefined;
  for (let start = 0; start <= raw.length; ) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    const eq = raw.indexOf('=', start);
    const nameEnd = eq === -1 || eq > end ? end : eq;
    if (nameEnd - start === name.length && raw.startsWith(name, start)) {
      const value: string | true = nameEnd === end ? true : raw.slice(nameEnd + 1, end);
      if (found === undefined) found = value;
      else if (Array.isArray(found)) found.push(value);
      else found = [found, value];
    }
    start = end + 1;
  }
  return found;
}

function fromQuery(ctx: PluginContext, key: KeyName): Found {
  if (ctx.query === null || ctx.query === '' || key.name === '') return NOT_FOUND;
  const v = queryArg(ctx.query, key.name);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return DUPLICATE;
  // A bare `?apikey` decodes to true in Kong: not a string, so not a key.
  return NOT_FOUND;
}

/** The body's parameters, parsed once per request: a JSON object, form args or multipart fields. */
function bodyParams(ctx: PluginContext): Record<string, unknown> | MultipartBody | null {
  const body = ctx.body;
  if (body === null || body.length === 0) return null;
  const ct = ctx.headers['content-type'];
  const kind = bodyKind(ct);
  if (kind === 'json') {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
  if (kind === 'form') return parseQuery(body.toString('utf8'));
  if (kind === 'multipart') {
    const boundary = multipartBoundary(ct as string);
    return boundary === null ? null : new MultipartBody(body, boundary);
  }
  return null;
}

function fromBody(params: Record<string, unknown> | MultipartBody | null, key: KeyName): Found {
  if (params === null) return NOT_FOUND;
  const v = params instanceof MultipartBody ? params.get(key.name) : params[key.name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return DUPLICATE;
  return NOT_FOUND;
}

/** Removes `name` from a raw query, keeping the other arguments and their order as sent. */
function withoutQueryArg(raw: string, name: string): string | null {
  const kept: string[] = [];
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    let decoded = rawName;
    if (rawName.includes('%') || rawName.includes('+')) {
      try {
        decoded = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // An undecodable name cannot be the key name.
      }
    }
    if (decoded !== name) kept.push(part);
  }
  if (kept.length === 0) return null;
  return kept.length === 1 ? kept[0] : kept.join('&');
}

function hideCredential(ctx: PluginContext, key: KeyName, params: Record<string, unknown> | MultipartBody | null): void {
  for (const h of key.headers) delete ctx.headers[h];
  if (ctx.query !== null) ctx.query = withoutQueryArg(ctx.query, key.name);
  if (params === null || ctx.body === null) return;
  if (params instanceof MultipartBody) {
    params.delete(key.name);
    ctx.body = params.toBuffer();
  } else if (bodyKind(ctx.headers['content-type']) === 'json') {
    delete params[key.name];
    ctx.body = Buffer.from(JSON.stringify(params));
  } else {
    delete params[key.name];
    ctx.body = Buffer.from(encodeQuery(params as ReturnType<typeof parseQuery>));
  }
}

function access(ctx: PluginContext, state: State): PluginResponse | undefined {
  const { config } = state;
  if (!config.run_on_preflight && ctx.method === 'OPTIONS') return undefined;
  if (isAlreadyAuthenticated(ctx, state.anonymous)) return undefined;
  let params: Record<string, unknown> | MultipartBody | null = null;
  let isBodyParsed = false;
  let found: Found = NOT_FOUND;
  let at: KeyName | null = null;
  for (const key of state.names) {
    if (config.key_in_header) found = fromHeader(ctx, key);
    if (found === NOT_FOUND && config.key_in_query) found = fromQuery(ctx, key);
    if (found === NOT_FOUND && config.key_in_body) {
      if (!isBodyParsed) {
        params = bodyParams(ctx);
        isBodyParsed = true;
      }
      found = fromBody(params, key);
    }
    if (found === DUPLICATE) return rejectCredentials(ctx, state, 'Duplicate API key found');
    if (found !== NOT_FOUND) {
      at = key;
      break;
    }
  }
  if (found === NOT_FOUND || found === '' || at === null) return rejectCredentials(ctx, state, 'No API key found in request');
  if (config.hide_credentials) hideCredential(ctx, at, config.key_in_body && !isBodyParsed ? bodyParams(ctx) : params);
  const credential = state.consumers.keyAuth.get(found);
  // Keys that expired while this snapshot is served are unknown keys (Kong's ttl).
  const consumer = credential === undefined || (credential.expires_at !== null && credential.expires_at * 1000 <= Date.now()) ? undefined : state.consumers.byId.get(credential.consumer.id);
  if (credential === undefined || consumer === undefined) return rejectCredentials(ctx, state, 'Unauthorized');
  authenticate(ctx, consumer, { id: credential.id, consumerId: consumer.id, identifier: credential.id });
  return undefined;
}

export default definePlugin({
  name: 'key-auth',
  priority: 1250,
  schema: keyAuthSchema,
  setsConsumer: true,
  needsBody: (config) => config.key_in_body,
  compile: (config, env): State => ({
    ...compileCredentialAuth(env, config, 'Key'),
    names: config.key_names.map((name) => {
      const lower = name.toLowerCase();
      const dashed = lower.replace(/_/g, '-');
      return { name, headers: dashed === lower ? [lower] : [lower, dashed] };
    }),
    config,
  }),
  access,
});
