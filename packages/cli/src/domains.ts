import type { Client, CustomDomain } from '@gatehouse/api-client';
import { isUuid } from '@gatehouse/schema';
import type { Context } from './context.ts';
import { CLI_ERRORS, CliError } from './errors.ts';

// Custom domains (reference/konnect-api.md §6.5): people name them by domain or id. The API's
// read-only `cname_target` is the one thing a user must act on, so it is printed as a DNS record.

/** Finds a custom domain by id or exact domain name. */
export async function resolveDomain(client: Client, domainOrId: string): Promise<CustomDomain> {
  const name: string = domainOrId;
  if (isUuid(domainOrId)) return client.customDomains.get(domainOrId);
  const { data } = await client.customDomains.list({ domain: name.toLowerCase().replace(/\.$/, ''), pageSize: 10 });
  if (!data[0]) throw new CliError(CLI_ERRORS.NOT_FOUND, `no custom domain '${domainOrId}'`, 'List them with `gatehouse domains list`, or add one with `gatehouse domains add <domain> --gateway <name>`.');
  return data[0];
}

/** The record to create, set apart so it cannot be missed. */
export function printCnameRecord(ctx: Context, domain: CustomDomain): void {
  ctx.out(['', 'Create this DNS record at your DNS provider:', '', `    ${domain.domain}.  CNAME  ${domain.cname_target}.`, ''].join('\n'));
}

export const domainColumns = [
  ['DOMAIN', (d: CustomDomain) => d.domain],
  ['ID', (d: CustomDomain) => d.id],
  ['STATE', (d: CustomDomain) => d.state],
  ['CNAME TARGET', (d: CustomDomain) => d.cname_target],
  ['REASON', (d: CustomDomain) => d.state_metadata?.reason],
] as const;
