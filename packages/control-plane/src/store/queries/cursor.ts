import { STORE_ERRORS, storeError } from '../errors.ts';

// A cursor is the `seq` of the last row of a page, base64url-encoded so that clients treat it as
// opaque. `seq` only grows, so a cursor stays valid when rows before or after it are deleted.

export function encodeCursor(seq: number): string {
  return Buffer.from(String(seq), 'utf8').toString('base64url');
}

/** Throws ERR_STORE_BAD_CURSOR (a 400 for the API) for anything encodeCursor did not produce. */
export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  // Node's base64url decoder skips invalid characters; re-encoding catches every such variant.
  if (!Number.isSafeInteger(seq) || encodeCursor(seq) !== cursor) {
    throw storeError(STORE_ERRORS.BAD_CURSOR, 'invalid cursor');
  }
  return seq;
}
