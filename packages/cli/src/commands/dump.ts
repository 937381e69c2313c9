import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { Command } from '../context.ts';
import { CLI_ERRORS, CliError } from '../errors.ts';
import { gatewayFlag, resolveGateway } from '../gateways.ts';
import { fetchLive } from '../declarative/live.ts';
import { toDeclarative } from '../declarative/dump.ts';

export default {
  summary: "Write a gateway's services, routes and plugins as a Kong declarative file that apply accepts back.",
  usage: 'dump --gateway <name|id> [-o kong.yaml] [--select-tag <tag>...] [--json]',
  options: { gateway: { type: 'string', short: 'g' }, output: { type: 'string', short: 'o' }, 'select-tag': { type: 'string', multiple: true } },
  async run(ctx, { values }) {
    const client = ctx.client();
    const cp = await resolveGateway(client, gatewayFlag(values));
    const selectTags = (values['select-tag'] as string[] | undefined) ?? [];
    const live = await fetchLive(client.entities(cp.id), selectTags);
    const doc = toDeclarative(live, { selectTags, controlPlaneName: cp.name });
    const text = ctx.json ? JSON.stringify(doc, null, 2) + '\n' : stringify(doc, { lineWidth: 0 });
    if (!values.output || values.output === '-') return ctx.out(text);
    try {
      writeFileSync(values.output as string, text);
    } catch (error) {
      throw new CliError(CLI_ERRORS.FILE, `cannot write ${values.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Choose a writable path for -o.');
    }
    ctx.err(`Wrote ${live.services.length} services, ${live.routes.length} routes and ${live.plugins.length} plugins of gateway '${cp.name}' to ${values.output}.`);
  },
} satisfies Command;
