import { randomFillSync } from 'node:crypto';

// Kong's X-Kong-Request-Id: 32 lower-case hex characters. Random bytes are drawn in batches so a
// request costs a slice, not a syscall.
const BATCH = 4096;
const pool = Buffer.allocUnsafe(BATCH);
let offset = BATCH;

/** A new request id. */
export function nextRequestId(): string {
  if (offset + 16 > BATCH) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 16);
  offset += 16;
  return id;
}
