import type { BasicAuthCredential, Consumer, ConsumerGroup, HmacAuthCredential, JwtCredential, Snapshot, SnapshotKeyAuth } from '@gatehouse/schema';
import type { AuthCredential, CompileEnv, PluginContext, PluginResponse } from './kit.ts';

// Consumers and credentials of a snapshot, indexed once per snapshot load so auth plugins only look
// things up per request. Kong's `kong.client.authenticate` and its consumer headers (kong/constants.lua
// HEADERS, set by every auth plugin's set_consumer) live here too, shared by the auth plugins.

/**
 * Lookups an auth plugin needs: credential by the value a client presents, consumer by id.
 * @example const cred = index.keyAuth.get('my-key'); const consumer = index.byId.get(cred.consumer.id);
 */
export interface ConsumerIndex {
  byId: ReadonlyMap<string, Consumer>;
  byUsername: ReadonlyMap<string, Consumer>;
  /** key-auth key -> credential (with `expires_at` to compare with the clock). */
  keyAuth: ReadonlyMap<string, SnapshotKeyAuth>;
  /** basic-auth username -> credential (password hashed as Kong stores it). */
  basicAuth: ReadonlyMap<string, BasicAuthCredential>;
  /** jwt `key` (the iss claim) -> secret. */
  jwt: ReadonlyMap<string, JwtCredential>;
  /** hmac-auth username -> credential. */
  hmacAuth: ReadonlyMap<string, HmacAuthCredential>;
  /** consumer id -> its acl groups, in store order. */
  aclGroups: ReadonlyMap<string, readonly string[]>;
  /** consumer id -> the consumer groups it belongs to, sorted by name (Kong's tie-break). */
  consumerGroups: ReadonlyMap<string, readonly ConsumerGroup[]>;
}

export type ConsumerSource = Pick<Snapshot, 'consumers' | 'consumerGroups' | 'credentials'>;

/** Builds the index of a snapshot's consumers; tolerates snapshots without the collections. */
export function buildConsumerIndex(s: Partial<ConsumerSource>): ConsumerIndex {
  const byId = new Map<string, Consumer>();
  const byUsername = new Map<string, Consumer>();
  for (const c of s.consumers ?? []) {
    byId.set(c.id, c);
    if (c.username !== null) byUsername.set(c.username, c);
  }
  const creds = s.credentials;
  const aclGroups = new Map<string, string[]>();
  for (const acl of creds?.acls ?? []) {
    const list = aclGroups.get(acl.consumer.id);
    if (list === undefined) aclGroups.set(acl.consumer.id, [acl.group]);
    else list.push(acl.group);
  }
  const consumerGroups = new Map<string, ConsumerGroup[]>();
  const groups = [...(s.consumerGroups ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { members, ...group } of groups) {
    for (const id of members) {
      const list = consumerGroups.get(id);
      if (list === undefined) consumerGroups.set(id, [group]);
      else list.push(group);
    }
  }
  return {
    byId,
    byUsername,
    keyAuth: new Map((creds?.keyAuth ?? []).map((k) => [k.key, k])),
    basicAuth: new Map((creds?.basicAuth ?? []).map((b) => [b.username, b])),
    jwt: new Map((creds?.jwt ?? []).map((j) => [j.key, j])),
    hmacAuth: new Map((creds?.hmacAuth ?? []).map((h) => [h.username, h])),
    aclGroups,
    consumerGroups,
  };
}

export const EMPTY_CONSUMER_INDEX: ConsumerIndex = buildConsumerIndex({});

/** Kong's `anonymous` lookup: a consumer id, else a username. */
export const findConsumer = (index: ConsumerIndex, idOrUsername: string): Consumer | null => index.byId.get(idOrUsername) ?? index.byUsername.get(idOrUsername) ?? null;

/**
 * Kong's set_consumer: authenticates the request and sets the consumer headers upstream, removing
 * those that do not apply so clients cannot spoof them.
 */
export function authenticate(ctx: PluginContext, consumer: Consumer, credential: AuthCredential | null): void {
  ctx.consumer = consumer;
  ctx.credential = credential;
  const h = ctx.headers;
  h['x-consumer-id'] = consumer.id;
  if (consumer.custom_id !== null) h['x-consumer-custom-id'] = consumer.custom_id;
  else delete h['x-consumer-custom-id'];
  if (consumer.username !== null) h['x-consumer-username'] = consumer.username;
  else delete h['x-consumer-username'];
  if (credential !== null) {
    h['x-credential-identifier'] = credential.identifier;
    delete h['x-anonymous-consumer'];
  } else {
    delete h['x-credential-identifier'];
    h['x-anonymous-consumer'] = 'true';
  }
}

/** An auth plugin's `anonymous` setting, resolved at compile time. */
export interface Anonymous {
  /** The configured id or username; null when unset. */
  name: string | null;
  consumer: Consumer | null;
}

export const resolveAnonymous = (index: ConsumerIndex, name: string | undefined | null): Anonymous => ({
  name: name ?? null,
  consumer: name === undefined || name === null || name === '' ? null : findConsumer(index, name),
});

/**
 * What an auth plugin does when authentication failed: the anonymous consumer when configured (a 500
 * if it does not exist, as Kong), else the plugin's error.
 */
export function failAuthentication(ctx: PluginContext, anonymous: Anonymous, status: number, message: string, headers: Record<string, string> | null, isExit = false): PluginResponse | undefined {
  if (anonymous.name === null || anonymous.name === '') return isExit ? ctx.respond(status, { message }, headers) : ctx.error(status, message, headers);
  if (anonymous.consumer === null) return ctx.error(500, `anonymous consumer ${anonymous.name} is configured but doesn't exist`);
  authenticate(ctx, anonymous.consumer, null);
  return undefined;
}

/** With `anonymous` set, auth plugins are OR-ed: a later one skips once a credential is accepted. */
export const isAlreadyAuthenticated = (ctx: PluginContext, anonymous: Anonymous): boolean => anonymous.name !== null && anonymous.name !== '' && ctx.credential !== null;

/** What every credential plugin compiles: the consumer index, its `anonymous` and its 401 challenge. */
export interface CredentialAuth {
  consumers: ConsumerIndex;
  anonymous: Anonymous;
  /** `WWW-Authenticate: <scheme>`, with ` realm="<realm>"` when a realm is configured. */
  challenge: Record<string, string>;
}

/**
 * Compiles the part every credential plugin shares; spread it into the plugin's state.
 * @example compile: (config, env) => ({ ...compileCredentialAuth(env, config, 'Basic'), isHidden: config.hide_credentials })
 */
export function compileCredentialAuth(env: CompileEnv, config: { anonymous?: string | null; realm?: string | null }, scheme: string): CredentialAuth {
  const consumers = env.consumers ?? EMPTY_CONSUMER_INDEX;
  return {
    consumers,
    anonymous: resolveAnonymous(consumers, config.anonymous),
    challenge: { 'WWW-Authenticate': config.realm === null || config.realm === undefined ? scheme : `${scheme} realm="${config.realm}"` },
  };
}

/** A credential plugin's 401 with its challenge, or the anonymous consumer when configured. */
export const rejectCredentials = (ctx: PluginContext, auth: CredentialAuth, message: string): PluginResponse | undefined => failAuthentication(ctx, auth.anonymous, 401, message, auth.challenge);
