import { ApiError, type Client, type Configuration, type ControlPlane } from '@gatehouse/api-client';
import { isUuid } from '@gatehouse/schema';
import { CLI_ERRORS, CliError } from './errors.ts';

// A gateway is a serverless control plane plus its cloud-gateway configuration; people name it by
// the control plane's name or id.

export const SERVERLESS_CLUSTER_TYPES = ['CLUSTER_TYPE_SERVERLESS_V1', 'CLUSTER_TYPE_SERVERLESS'];

/** Finds a control plane by id or exact name. */
export async function resolveGateway(client: Client, nameOrId: string): Promise<ControlPlane> {
  if (isUuid(nameOrId)) {
    try {
      return await client.controlPlanes.get(nameOrId);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  const { data } = await client.controlPlanes.list({ name: nameOrId, pageSize: 10 });
  const match = data.find((cp) => cp.name === nameOrId);
  if (!match) throw new CliError(CLI_ERRORS.NOT_FOUND, `no gateway named '${nameOrId}'`, 'List them with `gatehouse gateways list`, or create one with `gatehouse gateways create <name>`.');
  return match;
}

/** The `--gateway` flag, required by entity commands. */
export function gatewayFlag(values: Record<string, any>, fallback?: string): string {
  const value = (values.gateway as string | undefined) ?? fallback;
  if (!value) {
    throw new CliError(CLI_ERRORS.USAGE, 'which gateway? pass --gateway <name|id>', 'List them with `gatehouse gateways list`.', 2);
  }
  return value;
}

export async function configurationOf(client: Client, controlPlaneId: string): Promise<Configuration | undefined> {
  const { data } = await client.configurations.list({ controlPlaneId });
  return data[0];
}

export const gatewayKind = (cp: ControlPlane): string =>
  cp.config.cluster_type === 'CLUSTER_TYPE_SERVERLESS_V1' ? 'serverless.v1' : cp.config.cluster_type === 'CLUSTER_TYPE_SERVERLESS' ? 'serverless.v0' : cp.config.cluster_type.replace('CLUSTER_TYPE_', '').toLowerCase();

export const groupState = (configuration: Configuration | undefined): string => configuration?.dataplane_groups.map((g) => g.state).join(',') || 'no configuration';

export const hostnamesOf = (configuration: Configuration | undefined): string[] => configuration?.dataplane_groups.flatMap((g) => g.hostnames) ?? [];

/** `http://host:port` for each proxy URL, as clients read `proxy_urls` (digest §2.4). */
export const proxyUrlsOf = (cp: ControlPlane): string[] => cp.config.proxy_urls.map((u) => `${u.protocol}://${u.host}:${u.port}`);
