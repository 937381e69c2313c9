import { definePlugin, type PluginContext, type PluginResponse } from '../kit.ts';
import { EMPTY_CONSUMER_INDEX } from '../consumers.ts';
import { aclConfigSchema } from './schema.ts';

// Kong's acl (kong/plugins/acl/handler.lua; reference §5.7). The verdict depends only on the
// consumer, so it is computed for every consumer of the snapshot at compile time: a request looks
// up its consumer's verdict. Groups are the consumer's acls (in store order), plus its consumer
// groups' names with `include_consumer_groups`.

const FORBIDDEN = 'You cannot consume this service';

/** true: blocked; a string: allowed, with that X-Consumer-Groups value. */
type Verdict = true | string;

interface State {
  verdicts: ReadonlyMap<string, Verdict>;
  /** Verdict of a consumer without groups: deny lists let it through with an empty header. */
  noGroups: Verdict | null;
  isHeaderHidden: boolean;
}

function access(ctx: PluginContext, state: State): PluginResponse | undefined {
  const consumer = ctx.consumer;
  if (consumer === null) return ctx.credential !== null ? ctx.error(403, FORBIDDEN) : ctx.error(401);
  const verdict = state.verdicts.get(consumer.id) ?? state.noGroups;
  if (verdict === null) return ctx.credential !== null ? ctx.error(403, FORBIDDEN) : ctx.error(401);
  if (verdict === true) return ctx.error(403, FORBIDDEN);
  if (!state.isHeaderHidden) ctx.headers['x-consumer-groups'] = verdict;
  return undefined;
}

export default definePlugin({
  name: 'acl',
  priority: 950,
  schema: aclConfigSchema,
  compile: (config, env): State => {
    const consumers = env.consumers ?? EMPTY_CONSUMER_INDEX;
    const isAllow = config.allow !== undefined && config.allow !== null;
    const listed = new Set(isAllow ? config.allow : (config.deny ?? []));
    const verdicts = new Map<string, Verdict>();
    for (const id of consumers.byId.keys()) {
      const groups = [...(consumers.aclGroups.get(id) ?? [])];
      if (config.include_consumer_groups) for (const g of consumers.consumerGroups.get(id) ?? []) groups.push(g.name);
      if (groups.length === 0) continue;
      const isListed = groups.some((g) => listed.has(g));
      verdicts.set(id, isAllow !== isListed ? true : groups.join(', '));
    }
    return { verdicts, noGroups: isAllow ? null : '', isHeaderHidden: config.hide_groups_header };
  },
  access,
});
