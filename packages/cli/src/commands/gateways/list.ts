import type { ControlPlane } from '@gatehouse/api-client';
import type { Command } from '../../context.ts';
import { gatewayKind, proxyUrlsOf } from '../../gateways.ts';
import { printList } from '../../output.ts';

export default {
  summary: 'List gateways (control planes) with their kind and proxy URL.',
  usage: 'gateways list [--json]',
  async run(ctx) {
    const planes = await ctx.client().controlPlanes.all();
    printList<ControlPlane>(
      ctx,
      planes,
      [
        ['NAME', (cp) => cp.name],
        ['ID', (cp) => cp.id],
        ['KIND', gatewayKind],
        ['PROXY URL', (cp) => proxyUrlsOf(cp)[0]],
        ['CREATED', (cp) => cp.created_at],
      ],
      'No gateways yet. Create one with `gatehouse gateways create <name>`.',
    );
  },
} satisfies Command;
