import type { Command } from '../../context.ts';
import { configurationOf, gatewayKind, groupState, hostnamesOf, proxyUrlsOf, resolveGateway } from '../../gateways.ts';
import { printObject } from '../../output.ts';

export default {
  summary: 'Show one gateway: id, kind, state, hostnames and proxy URLs.',
  usage: 'gateways get <name|id> [--json]',
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals: [nameOrId] }) {
    const client = ctx.client();
    const cp = await resolveGateway(client, nameOrId);
    const configuration = await configurationOf(client, cp.id);
    if (ctx.json) return ctx.out(JSON.stringify({ ...cp, configuration: configuration ?? null }, null, 2));
    printObject(ctx, {
      name: cp.name,
      id: cp.id,
      description: cp.description || null,
      kind: gatewayKind(cp),
      state: groupState(configuration),
      hostnames: hostnamesOf(configuration),
      proxy_urls: proxyUrlsOf(cp),
      created_at: cp.created_at,
    });
  },
} satisfies Command;
