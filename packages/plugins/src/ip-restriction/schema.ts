import { isIP } from 'node:net';
import { Type, type FieldError, type Static } from '@gatehouse/schema';

// Kong's ip-restriction config (kong/plugins/ip-restriction/schema.lua;
// specs/kong-plugins/3.15/IpRestriction.json).

/** Config of the ip-restriction plugin. */
export const ipRestrictionSchema = Type.Object(
  {
    allow: Type.Optional(Type.Array(Type.String(), { description: 'IPs or CIDR ranges to allow (IPv4 and IPv6).' })),
    deny: Type.Optional(Type.Array(Type.String(), { description: 'IPs or CIDR ranges to deny (IPv4 and IPv6); checked first.' })),
    status: Type.Optional(Type.Number({ description: 'Status of rejected requests; default 403.' })),
    message: Type.Optional(Type.String({ description: 'Message of rejected requests; default `IP address not allowed: <ip>`.' })),
  },
  { additionalProperties: false, default: {} },
);
export type IpRestrictionConfig = Static<typeof ipRestrictionSchema>;

/**
 * An IP or a CIDR block (typedefs.ip_or_cidr) as [address, prefix, family], or null if invalid.
 * @example parseCidr('10.0.0.0/8') // ['10.0.0.0', 8, 'ipv4']; parseCidr('::1') // ['::1', 128, 'ipv6']
 */
export function parseCidr(value: string): [address: string, prefix: number, family: 'ipv4' | 'ipv6'] | null {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  if (slash === -1) return [address, max, version === 4 ? 'ipv4' : 'ipv6'];
  const bits = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null;
  return [address, Number(bits), version === 4 ? 'ipv4' : 'ipv6'];
}

/** Kong's checks: every entry an IP or CIDR; at least one of allow and deny. */
export function refineIpRestriction(config: IpRestrictionConfig): FieldError[] {
  const errors: FieldError[] = [];
  for (const list of ['allow', 'deny'] as const) {
    (config[list] ?? []).forEach((entry, i) => {
      if (parseCidr(entry) === null) errors.push({ field: `${list}.${i}`, rule: 'invalid', reason: `invalid ip or cidr range: '${entry}'` });
    });
  }
  if ((config.allow ?? []).length === 0 && (config.deny ?? []).length === 0) errors.push({ field: 'allow', rule: 'at_least_one_of', reason: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" });
  return errors;
}
