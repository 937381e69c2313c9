import type { Command } from '../../context.ts';
import { CLI_ERRORS, CliError, EXIT } from '../../errors.ts';
import { resolveGateway } from '../../gateways.ts';

export default {
  summary: 'Delete a gateway and everything in it (asks first unless --yes).',
  usage: 'gateways delete <name|id> [--yes]',
  positionals: { min: 1, max: 1 },
  options: { yes: { type: 'boolean', short: 'y' } },
  async run(ctx, { positionals: [nameOrId], values }) {
    const client = ctx.client();
    const cp = await resolveGateway(client, nameOrId);
    if (!values.yes) {
      if (!ctx.isInteractive) {
        throw new CliError(CLI_ERRORS.CONFIRMATION, `refusing to delete gateway '${cp.name}' without confirmation (no terminal to ask on)`, `Pass --yes to delete it: gatehouse gateways delete ${nameOrId} --yes`, EXIT.USAGE);
      }
      const answer = await ctx.ask(`Delete gateway '${cp.name}' (${cp.id}) with all its services, routes and plugins? Type its name to confirm: `);
      if (answer.trim() !== cp.name) {
        ctx.err('Not deleted (the name did not match).');
        return EXIT.FAILURE;
      }
    }
    await client.controlPlanes.delete(cp.id);
    if (ctx.json) ctx.out(JSON.stringify({ deleted: cp.id, name: cp.name }));
    else ctx.out(`Deleted gateway '${cp.name}' (${cp.id}).`);
  },
} satisfies Command;
