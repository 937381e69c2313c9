import { definePlugin } from '../kit.ts';
import { BUILT_IN_BOTS } from './rules.ts';
import { botDetectionSchema, compileUaRegex, type BotDetectionConfig } from './schema.ts';

// Kong's bot-detection (kong/plugins/bot-detection/handler.lua; reference §5.16): an allow match
// passes, a deny match or a built-in bot rule answers 403; no User-Agent passes. Verdicts are
// cached per User-Agent (bounded), as Kong's LRU does.

const CACHE_SIZE = 1000;

interface State {
  allow: RegExp | null;
  deny: RegExp | null;
  verdicts: Map<string, boolean>;
}

/** One alternation per list: a single regex scan per request. */
const union = (sources: string[]): RegExp | null => (sources.length === 0 ? null : compileUaRegex(sources.map((s) => `(?:${s})`).join('|')));

function compile(config: BotDetectionConfig): State {
  return { allow: union(config.allow), deny: union(config.deny), verdicts: new Map() };
}

function isBlocked(state: State, ua: string): boolean {
  if (state.allow !== null && state.allow.test(ua)) return false;
  if (state.deny !== null && state.deny.test(ua)) return true;
  return BUILT_IN_BOTS.test(ua);
}

export default definePlugin({
  name: 'bot-detection',
  priority: 2500,
  schema: botDetectionSchema,
  compile,
  access(ctx, state) {
    const header = ctx.requestHeaders['user-agent'];
    if (header === undefined) return;
    if (Array.isArray(header)) return header.length > 1 ? ctx.error(400, 'Only one User-Agent header allowed') : undefined;
    let blocked = state.verdicts.get(header);
    if (blocked === undefined) {
      blocked = isBlocked(state, header);
      if (state.verdicts.size >= CACHE_SIZE) state.verdicts.clear();
      state.verdicts.set(header, blocked);
    }
    if (blocked) return ctx.error(403);
  },
});
