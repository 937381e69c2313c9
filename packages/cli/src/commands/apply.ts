import type { Command } from '../context.ts';
import { CLI_ERRORS, CliError, fromApiError } from '../errors.ts';
import { ApiError } from '@gatehouse/api-client';
import { executePlan } from '../declarative/execute.ts';
import { FILE_OPTIONS, planFromFile } from '../declarative/run.ts';
import { formatPlan, planJson, summarize } from '../declarative/plan.ts';

const usage = 'apply -f <kong.yaml> [--gateway <name|id>] [--dry-run] [--select-tag <tag>...] [--json]';

export default {
  summary: 'Make a gateway match a Kong declarative file (decK format): plan, then create/update/delete.',
  usage,
  options: { ...FILE_OPTIONS, 'dry-run': { type: 'boolean' } },
  async run(ctx, { values }) {
    const { cp, entities, changes, ids } = await planFromFile(ctx, values, usage);
    const isDryRun = Boolean(values['dry-run']);
    if (!ctx.json) ctx.out(formatPlan(changes, `gateway '${cp.name}'`));
    if (isDryRun || changes.length === 0) {
      if (ctx.json) ctx.out(JSON.stringify({ ...planJson(changes), applied: false }, null, 2));
      else if (isDryRun && changes.length > 0) ctx.out('Dry run: nothing was changed.');
      return;
    }
    const result = await executePlan(entities, changes, ids);
    if (result.failed) {
      const { change, error } = result.failed;
      const reason = error instanceof ApiError ? fromApiError(error).message : error.message;
      throw new CliError(
        CLI_ERRORS.API,
        `${change.action} ${change.label} failed: ${reason} (${result.done.length} of ${changes.length} changes were applied before it)`,
        'Fix the file and run apply again; the changes already made will not be repeated.',
      );
    }
    if (ctx.json) return ctx.out(JSON.stringify({ ...planJson(changes), applied: true }, null, 2));
    const s = summarize(changes);
    ctx.out(`Applied to gateway '${cp.name}': ${s.create} created, ${s.update} updated, ${s.delete} deleted.`);
  },
} satisfies Command;
