import type { DataPlaneNode } from '@gatehouse/api-client';
import type { Command } from '../context.ts';
import { usageError } from '../errors.ts';
import { resolveGateway } from '../gateways.ts';
import { printList } from '../output.ts';

const USAGE = 'nodes <gateway> | nodes --gateway <name|id> [--json]';
const when = (seconds: number) => (seconds ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : null);

export default {
  summary: 'List the data-plane nodes serving a gateway: hostname, version, last ping, config hash, sync status.',
  usage: USAGE,
  positionals: { min: 0, max: 1 },
  options: { gateway: { type: 'string', short: 'g' } },
  async run(ctx, { positionals: [positional], values }) {
    const nameOrId = (values.gateway as string | undefined) ?? positional;
    if (!nameOrId) throw usageError('which gateway? pass its name or --gateway <name|id>', USAGE);
    const client = ctx.client();
    const cp = await resolveGateway(client, nameOrId);
    const nodes = await client.nodes.all(cp.id);
    printList<DataPlaneNode>(
      ctx,
      nodes,
      [
        ['HOSTNAME', (n) => n.hostname],
        ['ID', (n) => n.id],
        ['VERSION', (n) => n.version],
        ['LAST PING', (n) => when(n.last_ping)],
        ['CONFIG HASH', (n) => n.config_hash],
        ['SYNC', (n) => n.sync_status],
      ],
      `No data-plane nodes are connected to '${cp.name}'. Start one with \`gatehouse data-plane --control-plane ${cp.config.control_plane_endpoint} --cert <file> --key <file>\`.`,
    );
  },
} satisfies Command;
