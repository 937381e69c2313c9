import type { Args, Context } from '../context.ts';
import { usageError } from '../errors.ts';
import { gatewayFlag, resolveGateway } from '../gateways.ts';
import { fetchLive } from './live.ts';
import { readDesired } from './model.ts';
import { computePlan } from './plan.ts';
import { readSource } from './source.ts';

// What apply and diff share: read and check the file (before any API call that changes anything),
// find the gateway, read its live state and compute the plan.

export const FILE_OPTIONS = {
  file: { type: 'string', short: 'f' },
  gateway: { type: 'string', short: 'g' },
  'select-tag': { type: 'string', multiple: true },
} as const;

export async function planFromFile(ctx: Context, values: Args['values'], usage: string) {
  if (!values.file) throw usageError('which file? pass -f kong.yaml (or -f - for stdin)', usage);
  const source = readSource(values.file as string, ctx.env);
  const desired = readDesired(source, (values['select-tag'] as string[] | undefined) ?? []);
  const client = ctx.client();
  const cp = await resolveGateway(client, gatewayFlag(values, desired.controlPlaneName));
  const entities = client.entities(cp.id);
  const live = await fetchLive(entities, desired.selectTags);
  return { cp, entities, desired, live, ...computePlan(desired, live) };
}
