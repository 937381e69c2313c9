import type { Command } from '../../context.ts';
import { resolveDomain } from '../../domains.ts';
import { CLI_ERRORS, CliError, EXIT } from '../../errors.ts';

export default {
  summary: 'Remove a custom domain and its certificate (asks first unless --yes).',
  usage: 'domains remove <domain|id> [--yes]',
  positionals: { min: 1, max: 1 },
  options: { yes: { type: 'boolean', short: 'y' } },
  async run(ctx, { positionals: [domainOrId], values }) {
    const client = ctx.client();
    const domain = await resolveDomain(client, domainOrId);
    if (!values.yes) {
      if (!ctx.isInteractive) {
        throw new CliError(CLI_ERRORS.CONFIRMATION, `refusing to remove custom domain '${domain.domain}' without confirmation (no terminal to ask on)`, `Pass --yes to remove it: gatehouse domains remove ${domainOrId} --yes`, EXIT.USAGE);
      }
      const answer = await ctx.ask(`Remove custom domain '${domain.domain}'? Requests to it will stop being served. Type the domain to confirm: `);
      if (answer.trim() !== domain.domain) {
        ctx.err('Not removed (the domain did not match).');
        return EXIT.FAILURE;
      }
    }
    await client.customDomains.delete(domain.id);
    if (ctx.json) ctx.out(JSON.stringify({ deleted: domain.id, domain: domain.domain }));
    else ctx.out(`Removed custom domain ${domain.domain} (${domain.id}). You may delete its CNAME record now.`);
  },
} satisfies Command;
