import type { Command } from '../context.ts';
import { FILE_OPTIONS, planFromFile } from '../declarative/run.ts';
import { formatPlan, planJson } from '../declarative/plan.ts';

const usage = 'diff -f <kong.yaml> [--gateway <name|id>] [--select-tag <tag>...] [--json]';

export default {
  summary: 'Show what apply would change to make the gateway match a Kong declarative file.',
  usage,
  options: FILE_OPTIONS,
  async run(ctx, { values }) {
    const { cp, changes } = await planFromFile(ctx, values, usage);
    if (ctx.json) return ctx.out(JSON.stringify(planJson(changes), null, 2));
    ctx.out(formatPlan(changes, `gateway '${cp.name}'`));
  },
} satisfies Command;
