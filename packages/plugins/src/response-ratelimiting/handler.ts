import { definePlugin, type PluginContext, type PluginResponse } from '../kit.ts';
import { counterPrefix, countersFor, identifyConsumer, windowStart, WINDOW_SECONDS, type Counters } from '../rate-limiting/policies.ts';
import { PERIODS, type Period } from '../rate-limiting/schema.ts';
import { responseRatelimitingSchema, type ResponseRatelimitingConfig } from './schema.ts';

// Kong's response-ratelimiting (kong/plugins/response-ratelimiting/{access,header_filter,log}.lua;
// reference §5.9). access reads the usage of every named limit and tells the upstream what is left
// (X-RateLimit-Remaining-<name>); the upstream spends units with `X-Kong-Limit: <name>=<n>`, which
// header_filter strips, answering 429 (empty body) when a limit already spent is spent again; log
// adds the units. Counters are rate-limiting's, keyed by gateway and the plugin's route and service.

const NAME = 'response-ratelimiting';
const EMPTY = Buffer.alloc(0);

/** One (limit name, window) pair, in config order. */
interface Window {
  /** Index of the limit name in `State.names`. */
  name: number;
  period: Period;
  limit: number;
  ttl: number;
  limitHeader: string;
  remainingHeader: string;
}

interface State {
  config: ResponseRatelimitingConfig;
  names: string[];
  /** Upstream request header per name: `x-ratelimit-remaining-<name>`. */
  upstreamHeaders: string[];
  /** Limit name -> its index. */
  indexOf: ReadonlyMap<string, number>;
  windows: Window[];
  headerName: string;
  /** `response-ratelimit:<gateway>:<route>:<service>:` */
  prefix: string;
  counters: Counters;
}

/** What access learned, for header_filter and log (Kong's kong.ctx.plugin). */
interface Usage {
  keys: string[];
  /** limit - usage, per window. */
  remaining: number[];
  /** Units the upstream spent, per name; null until header_filter. */
  increments: number[] | null;
  /** header_filter answered 429: nothing is counted (Kong's stop_log). */
  isStopped: boolean;
}

function decide(ctx: PluginContext, state: State, keys: string[], usage: number[]): PluginResponse | undefined {
  const { windows, names } = state;
  const remaining = new Array<number>(windows.length);
  const least = new Array<number>(names.length).fill(Infinity);
  for (let i = 0; i < windows.length; i++) {
    const left = windows[i].limit - usage[i];
    remaining[i] = left;
    const n = windows[i].name;
    // Kong tests `remaining == 0`; units spent past the limit leave it below 0, blocked all the same.
    if (state.config.block_on_first_violation && left <= 0) return ctx.error(429, `API rate limit exceeded for '${names[n]}'`);
    if (left < least[n]) least[n] = left;
  }
  for (let n = 0; n < names.length; n++) ctx.headers[state.upstreamHeaders[n]] = String(least[n]);
  const data: Usage = { keys, remaining, increments: null, isStopped: false };
  if (ctx.pluginData === null) ctx.pluginData = {};
  ctx.pluginData[NAME] = data;
  return undefined;
}

function access(ctx: PluginContext, state: State): PluginResponse | undefined | Promise<PluginResponse | undefined> {
  const now = Date.now();
  const id = identifyConsumer(ctx, state.config.limit_by);
  const { windows, names } = state;
  const keys = new Array<string>(windows.length);
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i];
    keys[i] = `${state.prefix}${id}:${windowStart(w.period, now)}:${names[w.name]}:${w.period}`;
  }
  let usage: number[] | Promise<number[]>;
  try {
    usage = state.counters.get(keys);
  } catch (error) {
    return failed(ctx, state, error);
  }
  if (usage instanceof Promise) {
    return usage.then(
      (u) => decide(ctx, state, keys, u),
      (error: unknown) => failed(ctx, state, error),
    );
  }
  return decide(ctx, state, keys, usage);
}

/** Counters unreachable: proxy without limits (fault_tolerant), else Kong's 500. */
function failed(ctx: PluginContext, state: State, _error: unknown): PluginResponse | undefined {
  return state.config.fault_tolerant ? undefined : ctx.respond(500, { message: 'An unexpected error occurred' });
}

/**
 * Kong's parse_header: `videos=1, images=2` (or repeated headers); names not configured and parts
 * without exactly one '=' are ignored. Units must be integers (Redis' INCRBY takes no others).
 */
function parseIncrements(value: string | string[] | undefined, state: State): number[] {
  const out = new Array<number>(state.names.length).fill(0);
  if (value === undefined) return out;
  const parts = Array.isArray(value) ? value.flatMap((v) => v.split(',')) : value.split(',');
  for (const part of parts) {
    const pair = part.split('=');
    if (pair.length !== 2) continue;
    const n = state.indexOf.get(pair[0].trim());
    const units = pair[1].trim() === '' ? NaN : Number(pair[1]);
    if (n !== undefined && Number.isInteger(units)) out[n] = units;
  }
  return out;
}

function headerFilter(ctx: PluginContext, state: State): void {
  const data = ctx.pluginData?.[NAME] as Usage | undefined;
  if (data === undefined) return;
  const headers = ctx.responseHeaders!;
  const increments = parseIncrements(headers[state.headerName], state);
  data.increments = increments;
  let isStopped = false;
  for (let i = 0; i < state.windows.length; i++) {
    const w = state.windows[i];
    const units = increments[w.name];
    if (!state.config.hide_client_headers) {
      headers[w.limitHeader] = String(w.limit);
      headers[w.remainingHeader] = String(Math.max(0, data.remaining[i] - units));
    }
    if (units > 0 && data.remaining[i] <= 0) isStopped = true;
  }
  delete headers[state.headerName];
  if (!isStopped) return;
  // Kong's kong.response.exit(429) in header_filter: the upstream's body is dropped, no body sent.
  data.isStopped = true;
  ctx.status = 429;
  delete headers['content-length'];
  ctx.isResponseBuffered = true;
}

function bodyFilter(ctx: PluginContext, _state: State, body: Buffer): Buffer {
  const data = ctx.pluginData?.[NAME] as Usage | undefined;
  return data?.isStopped ? EMPTY : body;
}

function log(ctx: PluginContext, state: State): void {
  const data = ctx.pluginData?.[NAME] as Usage | undefined;
  if (data === undefined || data.isStopped || data.increments === null) return;
  for (let n = 0; n < state.names.length; n++) {
    const units = data.increments[n];
    if (units === 0) continue;
    const keys: string[] = [];
    const ttls: number[] = [];
    for (let i = 0; i < state.windows.length; i++) {
      if (state.windows[i].name !== n) continue;
      keys.push(data.keys[i]);
      ttls.push(state.windows[i].ttl);
    }
    const counted = state.counters.increment(keys, ttls, units);
    // Kong increments in a timer: a failed increment is lost, never an error of the request.
    if (counted instanceof Promise) counted.catch(() => {});
  }
}

export default definePlugin({
  name: NAME,
  priority: 900,
  schema: responseRatelimitingSchema,
  compile: (config, env): State => {
    const names = Object.keys(config.limits);
    const windows: Window[] = [];
    names.forEach((name, n) => {
      const limits = config.limits[name];
      for (const period of PERIODS) {
        const limit = limits[period];
        if (limit === undefined || limit === null) continue;
        const suffix = `${name.toLowerCase()}-${period}`;
        windows.push({ name: n, period, limit, ttl: WINDOW_SECONDS[period], limitHeader: `x-ratelimit-limit-${suffix}`, remainingHeader: `x-ratelimit-remaining-${suffix}` });
      }
    });
    return {
      config,
      names,
      upstreamHeaders: names.map((name) => `x-ratelimit-remaining-${name.toLowerCase()}`),
      indexOf: new Map(names.map((name, n) => [name, n])),
      windows,
      headerName: config.header_name.toLowerCase(),
      prefix: counterPrefix('response-ratelimit', env),
      counters: countersFor(config),
    };
  },
  access,
  headerFilter,
  bodyFilter,
  log,
});
