import { createHash, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { isHmacAlgorithm, type FieldError } from '@gatehouse/schema';

// Kong's rules for consumers and the credentials of the auth plugins (kong/db/schema/entities/
// consumers.lua, kong/plugins/{key-auth,basic-auth,jwt,hmac-auth,acl}/daos.lua). Pure functions.

type Body = Record<string, any>;
const fieldError = (field: string, reason: string, rule = 'invalid'): FieldError => ({ field, rule, reason });

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Kong's `random_string()`: 32 random alphanumerics (~190 bits), the value of generated keys and secrets.
 * Bytes from 248 up are dropped so that every character is equally likely (248 = 4 x 62).
 * @example randomKey() // 'q3Vx0aZr8Lk2mWn5Pb7Yc1Td9Ef4Gh6J'
 */
export function randomKey(length = 32): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

/**
 * Kong's basic-auth password hash: hex SHA-1 of password .. consumer id (kong/plugins/basic-auth/crypto.lua).
 * Kept for compatibility: Kong exports carry these hashes, and a data plane checks one SHA-1 per request,
 * where a slow KDF would cost milliseconds of CPU on every authenticated request.
 * @example hashBasicAuthPassword('s3cret', consumerId) // '5baa61e4...' (40 hex)
 */
export const hashBasicAuthPassword = (password: string, consumerId: string): string =>
  createHash('sha1').update(password).update(consumerId).digest('hex');

/** Whether a password matches a stored basic-auth hash, in constant time. */
export function verifyBasicAuthPassword(password: string, consumerId: string, stored: string): boolean {
  const computed = Buffer.from(hashBasicAuthPassword(password, consumerId));
  const expected = Buffer.from(stored);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** consumers.lua: `at_least_one_of = { "custom_id", "username" }`. */
export function checkConsumer(consumer: Body): string[] {
  return consumer.username === null && consumer.custom_id === null ? ["at least one of these fields must be non-empty: 'custom_id', 'username'"] : [];
}

/** Fills a key-auth key when absent. */
export const prepareKeyAuth = (input: Body): Body => (input.key === undefined || input.key === null ? { ...input, key: randomKey() } : input);

/** Fills a jwt key and secret when absent (Kong's `auto = true` on both, whatever the algorithm). */
export function prepareJwt(input: Body): Body {
  const out = { ...input };
  if (out.key === undefined || out.key === null) out.key = randomKey();
  if (out.secret === undefined || out.secret === null) out.secret = randomKey();
  return out;
}

/** Fills an hmac-auth secret when absent. */
export const prepareHmacAuth = (input: Body): Body => (input.secret === undefined || input.secret === null ? { ...input, secret: randomKey() } : input);

// The key types each asymmetric JWT algorithm verifies with.
function expectedKeyTypes(algorithm: string): string[] {
  if (algorithm.startsWith('RS') || algorithm.startsWith('PS')) return ['rsa', 'rsa-pss'];
  if (algorithm.startsWith('ES')) return ['ec'];
  if (algorithm === 'Ed25519') return ['ed25519'];
  if (algorithm === 'Ed448') return ['ed448'];
  return ['ed25519', 'ed448'];
}

/** jwt daos.lua: every non-HS algorithm needs `rsa_public_key`, a PEM public key of the algorithm's type. */
export function checkJwt(jwt: Body): FieldError[] {
  if (isHmacAlgorithm(jwt.algorithm)) return [];
  if (jwt.rsa_public_key === null) return [fieldError('rsa_public_key', `required field missing: rsa_public_key is required when algorithm is '${jwt.algorithm}'`, 'required')];
  let key: KeyObject;
  try {
    key = createPublicKey(jwt.rsa_public_key);
  } catch {
    return [fieldError('rsa_public_key', 'invalid key: rsa_public_key must be a PEM-encoded public key')];
  }
  const types = expectedKeyTypes(jwt.algorithm);
  if (!types.includes(key.asymmetricKeyType ?? '')) {
    return [fieldError('rsa_public_key', `invalid key: algorithm '${jwt.algorithm}' needs a ${types.join(' or ')} key, got ${key.asymmetricKeyType}`)];
  }
  return [];
}
