import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Consumer, JwtCredential } from '@gatehouse/schema';
import { definePlugin, parseQuery, type PluginContext, type PluginResponse } from '../kit.ts';
import { authenticate, compileCredentialAuth, failAuthentication, isAlreadyAuthenticated, type Anonymous } from '../consumers.ts';
import { jwtSchema, type JwtConfig } from './schema.ts';

// Kong's jwt (kong/plugins/jwt/handler.lua, jwt_parser.lua; reference §5.5). Errors are
// `kong.response.exit` bodies (no request_id) with `WWW-Authenticate: Bearer`. Secrets and public
// keys are decoded once per snapshot; a request parses its token and verifies with node:crypto.

interface Secret {
  credential: JwtCredential;
  consumer: Consumer;
  /** HS*: the secret bytes; others: the public key. */
  hmacKey: Buffer | null;
  publicKey: KeyObject | null;
}

interface State {
  config: JwtConfig;
  secrets: ReadonlyMap<string, Secret>;
  anonymous: Anonymous;
  headers: string[];
  cookies: string[];
  verifyExp: boolean;
  verifyNbf: boolean;
  challenge: Record<string, string>;
  invalidToken: Record<string, string>;
}

const HASHES: Readonly<Record<string, string>> = {
  HS256: 'sha256', HS384: 'sha384', HS512: 'sha512', RS256: 'sha256', RS384: 'sha384', RS512: 'sha512',
  ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', PS256: 'sha256', PS384: 'sha384', PS512: 'sha512', EdDSA: '',
};
const BEARER = /^\s*[Bb]earer\s+(.+)$/;

function fromCookies(header: string | string[] | undefined, names: string[]): string[] {
  if (typeof header !== 'string' || names.length === 0) return [];
  const out: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && names.includes(pair.slice(0, eq).trim())) out.push(pair.slice(eq + 1).trim());
  }
  return out;
}

/** Kong's retrieve_tokens: query args, cookies, then `Bearer` headers; distinct values only. */
function tokens(ctx: PluginContext, state: State): string[] {
  const found = new Set<string>();
  if (ctx.query !== null && state.config.uri_param_names.length > 0) {
    const args = parseQuery(ctx.query);
    for (const name of state.config.uri_param_names) {
      const v = args[name];
      if (typeof v === 'string') found.add(v);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') found.add(x);
    }
  }
  for (const t of fromCookies(ctx.headers.cookie, state.cookies)) found.add(t);
  for (const name of state.headers) {
    const v = ctx.headers[name];
    const m = typeof v === 'string' ? BEARER.exec(v) : null;
    if (m !== null) found.add(m[1]);
  }
  return [...found];
}

interface Decoded {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signed: string;
  signature: Buffer;
}

function decode(token: string): Decoded | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'invalid JSON';
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return 'invalid JSON';
  }
  if (header === null || typeof header !== 'object' || claims === null || typeof claims !== 'object') return 'invalid JSON';
  const h = header as Record<string, unknown>;
  if (typeof h.typ === 'string' && h.typ.toUpperCase() !== 'JWT') return 'invalid typ';
  if (typeof h.alg !== 'string' || !Object.hasOwn(HASHES, h.alg)) return 'invalid alg';
  return { header: h, claims: claims as Record<string, unknown>, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
}

function isSignatureValid(d: Decoded, secret: Secret): boolean {
  const alg = d.header.alg as string;
  if (secret.hmacKey !== null) {
    const expected = createHmac(HASHES[alg], secret.hmacKey).update(d.signed).digest();
    return expected.length === d.signature.length && timingSafeEqual(expected, d.signature);
  }
  if (secret.publicKey === null) return false;
  const data = Buffer.from(d.signed);
  try {
    if (alg === 'EdDSA') return verify(null, data, secret.publicKey, d.signature);
    if (alg.startsWith('ES')) return verify(HASHES[alg], data, { key: secret.publicKey, dsaEncoding: 'ieee-p1363' }, d.signature);
    if (alg.startsWith('PS')) return verify(HASHES[alg], data, { key: secret.publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 /* RSA_PSS_SALTLEN_DIGEST */ }, d.signature);
    return verify(HASHES[alg], data, secret.publicKey, d.signature);
  } catch {
    return false;
  }
}

/** Kong's verify_registered_claims and check_maximum_expiration: the error map, or null. */
function claimErrors(claims: Record<string, unknown>, state: State): Record<string, string> | null {
  const now = Date.now() / 1000;
  let errors: Record<string, string> | null = null;
  if (state.verifyExp) {
    const exp = claims.exp;
    if (typeof exp !== 'number') errors = { exp: 'must be a number' };
    else if (exp <= now) errors = { exp: 'token expired' };
  }
  if (state.verifyNbf) {
    const nbf = claims.nbf;
    if (typeof nbf !== 'number') errors = { ...errors, nbf: 'must be a number' };
    else if (nbf > now) errors = { ...errors, nbf: 'token not valid yet' };
  }
  if (errors === null && state.config.maximum_expiration > 0) {
    const exp = claims.exp;
    if (typeof exp !== 'number' || exp - now > state.config.maximum_expiration) errors = { exp: 'exceeds maximum allowed expiration' };
  }
  return errors;
}

function deny(ctx: PluginContext, state: State, message: string | Record<string, string>, isInvalidToken = true): PluginResponse | undefined {
  const headers = isInvalidToken ? state.invalidToken : state.challenge;
  if (typeof message === 'string') return failAuthentication(ctx, state.anonymous, 401, message, headers, true);
  if (state.anonymous.name !== null) return failAuthentication(ctx, state.anonymous, 401, '', headers, true);
  return ctx.respond(401, message, headers);
}

function access(ctx: PluginContext, state: State): PluginResponse | undefined {
  const { config } = state;
  if (!config.run_on_preflight && ctx.method === 'OPTIONS') return undefined;
  if (isAlreadyAuthenticated(ctx, state.anonymous)) return undefined;
  const found = tokens(ctx, state);
  if (found.length === 0) return deny(ctx, state, 'Unauthorized', false);
  if (found.length > 1) return deny(ctx, state, 'Multiple tokens provided');
  const decoded = decode(found[0]);
  if (typeof decoded === 'string') return deny(ctx, state, `Bad token; ${decoded}`);
  const claim = config.key_claim_name;
  const key = decoded.claims[claim] ?? decoded.header[claim];
  if (key === undefined || key === null) return deny(ctx, state, `No mandatory '${claim}' in claims`);
  if (key === '' || typeof key !== 'string') return deny(ctx, state, `Invalid '${claim}' in claims`);
  const secret = state.secrets.get(key);
  if (secret === undefined) return deny(ctx, state, `No credentials found for given '${claim}'`);
  if (secret.credential.algorithm !== decoded.header.alg) return deny(ctx, state, 'Invalid algorithm');
  if (secret.hmacKey === null && secret.publicKey === null) return deny(ctx, state, 'Invalid key/secret');
  if (!isSignatureValid(decoded, secret)) return deny(ctx, state, 'Invalid signature');
  const errors = claimErrors(decoded.claims, state);
  if (errors !== null) return deny(ctx, state, errors);
  authenticate(ctx, secret.consumer, { id: secret.credential.id, consumerId: secret.consumer.id, identifier: secret.credential.key });
  return undefined;
}

function compileSecrets(config: JwtConfig, credentials: Iterable<JwtCredential>, byId: ReadonlyMap<string, Consumer>): Map<string, Secret> {
  const out = new Map<string, Secret>();
  for (const credential of credentials) {
    const consumer = byId.get(credential.consumer.id);
    if (consumer === undefined) continue;
    let hmacKey: Buffer | null = null;
    let publicKey: KeyObject | null = null;
    if (credential.algorithm.startsWith('HS')) {
      if (credential.secret !== null) hmacKey = config.secret_is_base64 ? Buffer.from(credential.secret, 'base64') : Buffer.from(credential.secret);
    } else if (credential.rsa_public_key !== null) {
      try {
        publicKey = createPublicKey(credential.rsa_public_key);
      } catch {
        // A key that does not parse verifies nothing: `Invalid key/secret`, as Kong.
      }
    }
    out.set(credential.key, { credential, consumer, hmacKey, publicKey });
  }
  return out;
}

export default definePlugin({
  name: 'jwt',
  priority: 1450,
  schema: jwtSchema,
  setsConsumer: true,
  compile: (config, env): State => {
    const { consumers, anonymous, challenge } = compileCredentialAuth(env, config, 'Bearer');
    const verifyClaims = config.claims_to_verify ?? [];
    return {
      config,
      secrets: compileSecrets(config, consumers.jwt.values(), consumers.byId),
      anonymous,
      headers: config.header_names.map((h) => h.toLowerCase()),
      cookies: config.cookie_names,
      verifyExp: verifyClaims.includes('exp'),
      verifyNbf: verifyClaims.includes('nbf'),
      challenge,
      invalidToken: { 'WWW-Authenticate': `${challenge['WWW-Authenticate']} error="invalid_token"` },
    };
  },
  access,
});
