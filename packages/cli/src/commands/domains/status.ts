import type { Command } from '../../context.ts';
import { printCnameRecord, resolveDomain } from '../../domains.ts';
import { printObject } from '../../output.ts';

const NEXT_STEP: Record<string, string> = {
  created: 'Waiting for the CNAME record; create it if you have not.',
  initializing: 'The record resolves; the certificate is being issued.',
  ready: 'Serving HTTPS on this domain.',
  error: 'Fix what the reason says, then remove and add the domain again to retry.',
  terminating: 'Being removed.',
  terminated: 'Removed.',
};

export default {
  summary: 'Show a custom domain: state, reason, DNS and certificate checks, and its CNAME target.',
  usage: 'domains status <domain|id> [--json]',
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals: [domainOrId] }) {
    const client = ctx.client();
    const domain = await resolveDomain(client, domainOrId);
    const online = await client.customDomains.onlineStatus(domain.id);
    if (ctx.json) return ctx.out(JSON.stringify({ ...domain, online_status: online }, null, 2));
    printObject(ctx, {
      domain: domain.domain,
      id: domain.id,
      state: domain.state,
      reason: domain.state_metadata?.reason ?? null,
      cname: online.cname,
      ssl: online.ssl,
      cname_target: domain.cname_target,
      next: NEXT_STEP[domain.state] ?? null,
    });
    if (domain.state !== 'ready' && online.cname !== 'verified') printCnameRecord(ctx, domain);
  },
} satisfies Command;
