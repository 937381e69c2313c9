import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { buildConnector } from 'undici';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';

// Upstream safety for a multi-tenant fleet (issue 7): a tenant's service must not reach the cloud
// metadata service or the platform's own listeners. The check is on the address actually connected
// to, at connect time: IP literals before connecting, names in the lookup the socket uses, so a name
// that resolves (or re-resolves) to a refused address is caught too (no check-then-resolve gap).

/** Why an address is refused; shown in the 502's message and in the log line. */
export type UpstreamPolicy = 'link-local' | 'platform-listener' | 'private';

export interface UpstreamPolicyOptions {
  /** GATEHOUSE_UPSTREAM_ALLOW_LINK_LOCAL=1: turns the default refusals (link-local/metadata, platform listeners) off. */
  allowLinkLocal?: boolean;
  /** GATEHOUSE_UPSTREAM_DENY_PRIVATE=1: refuses loopback and private ranges too (public deployments). */
  denyPrivate?: boolean;
  /** Ports of the platform's other listeners (control plane API, cluster, telemetry); the data plane adds its own. */
  platformPorts?: number[];
}

export interface UpstreamGuard {
  /** The policy refusing `address:port`, or null when allowed. */
  refusal(address: string, port: number): UpstreamPolicy | null;
  /** Adds a platform listener's port (the data plane's own, once listening). */
  addPlatformPort(port: number): void;
  /** An undici `connect` function for one origin's pool that refuses what `refusal` refuses. */
  connector(port: number, options: buildConnector.BuildOptions): buildConnector.connector;
}

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
// AWS's IPv6 instance metadata endpoint (IMDS on Nitro).
LINK_LOCAL.addAddress('fd00:ec2::254', 'ipv6');

const PRIVATE = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addAddress('::', 'ipv6');

/** Addresses that reach this machine: loopback, unspecified (0.0.0.0 connects to the host) and the interfaces'. */
function localAddresses(): BlockList {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('0.0.0.0', 'ipv4');
  list.addAddress('::1', 'ipv6');
  list.addAddress('::', 'ipv6');
  for (const entries of Object.values(networkInterfaces())) {
    for (const e of entries ?? []) list.addAddress(e.address.split('%')[0]!, e.family === 'IPv6' ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** '::ffff:169.254.169.254' is 169.254.169.254; brackets and zone ids are dropped. */
function plainAddress(address: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  let a = address.startsWith('[') ? address.slice(1, -1) : address;
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped !== null) a = mapped[1]!;
  const family = isIP(a);
  return family === 0 ? null : { address: a, type: family === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The platform's upstream policy.
 * @example
 * const guard = createUpstreamGuard({ platformPorts: [8001] }, logger);
 * guard.refusal('169.254.169.254', 80); // 'link-local'
 * guard.refusal('127.0.0.1', 8001);     // 'platform-listener'
 */
export function createUpstreamGuard(options: UpstreamPolicyOptions, logger: Logger | null): UpstreamGuard {
  const isDefaultOn = options.allowLinkLocal !== true;
  const isPrivateDenied = options.denyPrivate === true;
  const ports = new Set(options.platformPorts ?? []);
  const local = localAddresses();

  const refusal = (address: string, port: number): UpstreamPolicy | null => {
    const a = plainAddress(address);
    if (a === null) return null;
    if (isDefaultOn) {
      if (LINK_LOCAL.check(a.address, a.type)) return 'link-local';
      if (ports.has(port) && local.check(a.address, a.type)) return 'platform-listener';
    }
    if (isPrivateDenied && (PRIVATE.check(a.address, a.type) || LINK_LOCAL.check(a.address, a.type))) return 'private';
    return null;
  };

  const refuse = (host: string, address: string, port: number, policy: UpstreamPolicy): DataPlaneError => {
    logger?.warn({ host, address, port, policy }, 'upstream address refused');
    const error = new DataPlaneError(DP_ERRORS.UPSTREAM_REFUSED, `upstream address ${address} port ${port} is refused by the platform's upstream policy (${policy})`);
    return error;
  };

  return {
    refusal,
    addPlatformPort(port) {
      ports.add(port);
    },
    connector(port, buildOptions) {
      // Names: every address the lookup returns is checked before the socket uses any of them.
      const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
        dnsLookup(hostname, lookupOptions, (error, address: string | LookupAddress[], family?: number) => {
          if (error) return callback(error, '', 0);
          const all = typeof address === 'string' ? [{ address, family: family ?? 4 }] : address;
          for (const entry of all) {
            const policy = refusal(entry.address, port);
            if (policy !== null) return callback(refuse(hostname, entry.address, port, policy) as NodeJS.ErrnoException, '', 0);
          }
          (callback as (e: null, a: string | LookupAddress[], f?: number) => void)(null, address, family);
        });
      };
      const base = buildConnector({ ...buildOptions, lookup } as buildConnector.BuildOptions);
      return (connectOptions, callback) => {
        const host = connectOptions.hostname;
        if (isIP(host.startsWith('[') ? host.slice(1, -1) : host) !== 0) {
          const policy = refusal(host, port);
          if (policy !== null) return callback(refuse(host, host, port, policy), null);
        }
        base(connectOptions, callback);
      };
    },
  };
}

/**
 * The policy from the environment: GATEHOUSE_UPSTREAM_ALLOW_LINK_LOCAL=1, GATEHOUSE_UPSTREAM_DENY_PRIVATE=1,
 * and the control plane's ports (GATEHOUSE_API_PORT, GATEHOUSE_CLUSTER_PORT, GATEHOUSE_TELEMETRY_PORT,
 * plus any in GATEHOUSE_PLATFORM_PORTS, comma-separated) when they are set and not 0.
 */
export function upstreamPolicyFromEnv(env: NodeJS.ProcessEnv): UpstreamPolicyOptions {
  const ports = [env.GATEHOUSE_API_PORT, env.GATEHOUSE_CLUSTER_PORT, env.GATEHOUSE_TELEMETRY_PORT, ...(env.GATEHOUSE_PLATFORM_PORTS ?? '').split(',')]
    .map((p) => Number(p))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  return { allowLinkLocal: env.GATEHOUSE_UPSTREAM_ALLOW_LINK_LOCAL === '1', denyPrivate: env.GATEHOUSE_UPSTREAM_DENY_PRIVATE === '1', platformPorts: ports };
}
