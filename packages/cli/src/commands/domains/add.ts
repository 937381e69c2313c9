import type { Command } from '../../context.ts';
import { printCnameRecord } from '../../domains.ts';
import { configurationOf, gatewayFlag, resolveGateway } from '../../gateways.ts';

export default {
  summary: 'Add a custom domain to a gateway and print the CNAME record to create.',
  usage: 'domains add <domain> --gateway <name|id> [--json]',
  positionals: { min: 1, max: 1 },
  options: { gateway: { type: 'string', short: 'g' } },
  async run(ctx, { positionals: [domain], values }) {
    const client = ctx.client();
    const cp = await resolveGateway(client, gatewayFlag(values));
    // The domain lives where the gateway's configuration does; a gateway without one is in `us`.
    const geo = (await configurationOf(client, cp.id))?.control_plane_geo ?? 'us';
    const created = await client.customDomains.create({ control_plane_id: cp.id, control_plane_geo: geo, domain });
    if (ctx.json) return ctx.out(JSON.stringify(created, null, 2));
    ctx.out(`Added custom domain ${created.domain} (${created.id}) to gateway '${cp.name}'; state: ${created.state}.`);
    printCnameRecord(ctx, created);
    ctx.out(`A certificate is requested once the record resolves. Follow it with \`gatehouse domains status ${created.domain}\`.`);
  },
} satisfies Command;
