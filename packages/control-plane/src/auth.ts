import { createHash, randomBytes } from 'node:crypto';
import { newId } from '@gatehouse/schema';
import type { Store } from './store/types.ts';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A Konnect-style personal access token: `kpat_` + 48 base62 characters (~285 bits).
 * @example newAdminToken() // 'kpat_xgfT...'
 */
export function newAdminToken(): string {
  const bytes = randomBytes(48);
  let out = 'kpat_';
  // 62 * 4 = 248 < 256: rejection keeps every character uniformly likely.
  for (const b of bytes) if (b < 248) out += BASE62[b % 62];
  while (out.length < 5 + 48) {
    const b = randomBytes(1)[0];
    if (b < 248) out += BASE62[b % 62];
  }
  return out;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Makes sure an admin token exists. With `GATEHOUSE_ADMIN_TOKEN` set, that token is registered (by its
 * hash) and used; otherwise a token is generated on first start only and returned so it can be shown
 * once. Returns undefined when nothing new had to be shown.
 */
export async function ensureAdminToken(store: Store, configured: string | undefined): Promise<string | undefined> {
  if (configured) {
    const hash = hashToken(configured);
    if (!(await store.tokens.findByHash(hash))) await store.tokens.insert({ id: newId(), name: 'env', hash, created_at: Date.now() });
    return undefined;
  }
  if ((await store.tokens.count()) > 0) return undefined;
  const token = newAdminToken();
  await store.tokens.insert({ id: newId(), name: 'admin', hash: hashToken(token), created_at: Date.now() });
  return token;
}

/** Checks bearer tokens against the store, remembering hashes already seen valid. */
export function createTokenChecker(store: Store) {
  const known = new Set<string>();
  return async (authorization: string | undefined): Promise<boolean> => {
    if (!authorization) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return false;
    const hash = hashToken(match[1]);
    if (known.has(hash)) return true;
    if (await store.tokens.findByHash(hash)) {
      known.add(hash);
      return true;
    }
    return false;
  };
}
