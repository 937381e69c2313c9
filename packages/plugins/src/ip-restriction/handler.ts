import { BlockList } from 'node:net';
import { definePlugin } from '../kit.ts';
import { ipRestrictionSchema, parseCidr, type IpRestrictionConfig } from './schema.ts';

// Kong's ip-restriction (kong/plugins/ip-restriction/handler.lua; reference §5.11): deny is checked
// first, then allow; a rejection is Kong's error template. The lists compile once into BlockLists
// (IPv4-mapped IPv6 client addresses match IPv4 ranges).

interface State {
  allow: BlockList | null;
  deny: BlockList | null;
  status: number;
  message: string | null;
}

function toBlockList(entries: string[] | undefined): BlockList | null {
  if (entries === undefined || entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix, family] = parseCidr(entry)!;
    list.addSubnet(address, prefix, family);
  }
  return list;
}

function compile(config: IpRestrictionConfig): State {
  return { allow: toBlockList(config.allow), deny: toBlockList(config.deny), status: config.status ?? 403, message: config.message ?? null };
}

export default definePlugin({
  name: 'ip-restriction',
  priority: 990,
  schema: ipRestrictionSchema,
  compile,
  access(ctx, state) {
    const ip = ctx.clientIp;
    if (ip === '') return ctx.error(403, 'Cannot identify the client IP address, unix domain sockets are not supported.');
    const family = ip.includes(':') ? 'ipv6' : 'ipv4';
    const isDenied = (state.deny !== null && state.deny.check(ip, family)) || (state.allow !== null && !state.allow.check(ip, family));
    if (isDenied) return ctx.error(state.status, state.message ?? `IP address not allowed: ${ip}`);
  },
});
