import { BlockList, isIP } from 'node:net';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';

// Kong's `trusted_ips` (reference §3.2): peers whose X-Forwarded-* and X-Real-IP headers are believed.
// Default none, as Kong's. '0.0.0.0/0, ::/0' trusts everyone. Compiled once into a node:net BlockList;
// a request costs one lookup, and none when the list is empty.

export interface TrustedIps {
  /** Whether a peer address (as node:net reports it, IPv4-mapped IPv6 included) is trusted. */
  has(address: string): boolean;
}

const V4_MAPPED = '::ffff:';

/**
 * Compiles Kong's `trusted_ips` entries (addresses and CIDRs, IPv4 or IPv6); null when empty.
 * @example createTrustedIps(['10.0.0.0/8', '::1'])?.has('::ffff:10.1.2.3') // true
 */
export function createTrustedIps(entries: readonly string[] | undefined): TrustedIps | null {
  if (entries === undefined || entries.length === 0) return null;
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const slash = entry.indexOf('/');
    const address = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIP(address);
    const prefix = slash === -1 ? (family === 6 ? 128 : 32) : Number(entry.slice(slash + 1));
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new DataPlaneError(DP_ERRORS.OPTION_INVALID, `trusted_ips: '${raw}' is not an IP address or CIDR`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    has(address) {
      if (address.startsWith(V4_MAPPED) && isIP(address.slice(V4_MAPPED.length)) === 4) return list.check(address.slice(V4_MAPPED.length), 'ipv4');
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
