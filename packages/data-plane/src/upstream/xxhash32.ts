// xxHash32 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), seed 0, over the UTF-8
// bytes of a string: the hash Kong's consistent-hashing balancer uses for ring points and request
// values. Pure arithmetic on 32-bit integers; no allocation for ASCII input.

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const round = (acc: number, lane: number): number => Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);

let scratch = Buffer.allocUnsafe(256);

/**
 * xxHash32 of a string's UTF-8 bytes, as an unsigned 32-bit integer.
 * @example xxhash32('') // 0x02cc5d05
 */
export function xxhash32(input: string): number {
  let len = input.length;
  if (len * 3 > scratch.length) scratch = Buffer.allocUnsafe(len * 3);
  len = scratch.write(input, 0, 'utf8');
  const bytes = scratch;
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = -P1 | 0;
    const limit = len - 16;
    while (i <= limit) {
      v1 = round(v1, bytes.readInt32LE(i));
      v2 = round(v2, bytes.readInt32LE(i + 4));
      v3 = round(v3, bytes.readInt32LE(i + 8));
      v4 = round(v4, bytes.readInt32LE(i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + len) | 0;
  while (i + 4 <= len) {
    h = Math.imul(rotl((h + Math.imul(bytes.readInt32LE(i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < len) {
    h = Math.imul(rotl((h + Math.imul(bytes[i]!, P5)) | 0, 11), P1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}
