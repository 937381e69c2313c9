import { createHash, timingSafeEqual } from 'node:crypto';
import { definePlugin, type PluginContext, type PluginResponse } from '../kit.ts';
import { authenticate, compileCredentialAuth, isAlreadyAuthenticated, rejectCredentials, type CredentialAuth } from '../consumers.ts';
import { basicAuthSchema } from './schema.ts';

// Kong's basic-auth (kong/plugins/basic-auth/access.lua; reference §5.4): Proxy-Authorization is
// tried first, then Authorization; every failure is 401 `Unauthorized`. Passwords are stored as
// hex SHA-1 of (password .. consumer id) and compared in constant time.

interface State extends CredentialAuth {
  isHidden: boolean;
}

const BASIC = /^\s*[Bb]asic\s*(.+)/;
const PARTS = /^([^:]+):(.*)$/s;

/** username and password of a `Basic` header value, or null. */
function parse(value: string | string[] | undefined): [string, string] | null {
  if (typeof value !== 'string') return null;
  const m = BASIC.exec(value);
  if (m === null) return null;
  const parts = PARTS.exec(Buffer.from(m[1], 'base64').toString('utf8'));
  return parts === null ? null : [parts[1], parts[2]];
}

function isPasswordValid(stored: string, password: string, consumerId: string): boolean {
  const given = createHash('sha1').update(password).update(consumerId).digest();
  const expected = Buffer.from(stored, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function access(ctx: PluginContext, state: State): PluginResponse | undefined {
  if (isAlreadyAuthenticated(ctx, state.anonymous)) return undefined;
  const h = ctx.headers;
  if (h['authorization'] === undefined && h['proxy-authorization'] === undefined) return rejectCredentials(ctx, state, 'Unauthorized');
  let header = 'proxy-authorization';
  let given = parse(h[header]);
  let credential = given === null ? undefined : state.consumers.basicAuth.get(given[0]);
  if (credential === undefined) {
    header = 'authorization';
    given = parse(h[header]);
    credential = given === null ? undefined : state.consumers.basicAuth.get(given[0]);
  }
  if (given === null) return rejectCredentials(ctx, state, 'Unauthorized');
  if (state.isHidden) delete h[header];
  const consumer = credential === undefined ? undefined : state.consumers.byId.get(credential.consumer.id);
  if (credential === undefined || consumer === undefined || !isPasswordValid(credential.password, given[1], consumer.id)) return rejectCredentials(ctx, state, 'Unauthorized');
  authenticate(ctx, consumer, { id: credential.id, consumerId: consumer.id, identifier: credential.username });
  return undefined;
}

export default definePlugin({
  name: 'basic-auth',
  priority: 1100,
  schema: basicAuthSchema,
  setsConsumer: true,
  compile: (config, env): State => ({ ...compileCredentialAuth(env, config, 'Basic'), isHidden: config.hide_credentials }),
  access,
});
