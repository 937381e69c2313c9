import type { ControlPlane } from '@gatehouse/api-client';
import type { Command } from '../context.ts';
import { configurationOf, resolveGateway } from '../gateways.ts';

// `gatehouse migrate <control-plane>`: V0 -> V1 in one step (docs/migration.md).
export default {
  summary: 'Copy a V0 serverless gateway into a new V1 one (the old one keeps serving until you delete it).',
  usage: 'migrate <name|id> [--name <new name>] [--region us|eu]',
  positionals: { min: 1, max: 1 },
  options: { name: { type: 'string' }, region: { type: 'string' } },
  async run(ctx, { positionals: [nameOrId], values }) {
    const client = ctx.client();
    const cp = await resolveGateway(client, nameOrId);
    const body: Record<string, string> = {};
    if (typeof values.name === 'string') body.name = values.name;
    if (typeof values.region === 'string') body.region = values.region;
    const created = await client.request<ControlPlane>('POST', `/v2/control-planes/${encodeURIComponent(cp.id)}/migrate`, body);
    const hostnames = (await configurationOf(client, created.id))?.dataplane_groups.flatMap((g) => g.hostnames) ?? [];
    if (ctx.json) ctx.out(JSON.stringify({ from: cp.id, control_plane: created, hostnames }));
    else ctx.out(`Migrated '${cp.name}' to V1 gateway '${created.name}' (${created.id}), serving at ${hostnames.join(', ') || '(no hostname)'}.\nThe old gateway keeps serving until you delete it: gatehouse gateways delete ${cp.name}`);
  },
} satisfies Command;
