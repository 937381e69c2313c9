import type { Command } from '../../context.ts';
import { domainColumns } from '../../domains.ts';
import { resolveGateway } from '../../gateways.ts';
import { printList, type Column } from '../../output.ts';
import type { CustomDomain } from '@gatehouse/api-client';

export default {
  summary: 'List custom domains, of one gateway with --gateway.',
  usage: 'domains list [--gateway <name|id>] [--json]',
  options: { gateway: { type: 'string', short: 'g' } },
  async run(ctx, { values }) {
    const client = ctx.client();
    const controlPlaneId = values.gateway ? (await resolveGateway(client, values.gateway as string)).id : undefined;
    const { data } = await client.customDomains.list({ controlPlaneId, pageSize: 100 });
    printList(ctx, data, domainColumns as unknown as Column<CustomDomain>[], 'No custom domains. Add one with `gatehouse domains add <domain> --gateway <name>`.');
  },
} satisfies Command;
