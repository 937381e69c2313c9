import { definePlugin, type PluginContext, type PluginResponse } from '../kit.ts';
import { EMPTY_CONSUMER_INDEX, type ConsumerIndex } from '../consumers.ts';
import { counterPrefix, countersFor, identifyConsumer, secondsLeft, windowStart, WINDOW_SECONDS, type Counters } from './policies.ts';
import { PERIODS, rateLimitingSchema, type Period, type RateLimitingConfig } from './schema.ts';

// Kong's rate-limiting (kong/plugins/rate-limiting/handler.lua; reference §5.8). Usage is read for
// every configured window; a request is blocked when any window has nothing left (and then not
// counted), otherwise every window is incremented after the decision. Counter keys are scoped by
// the plugin instance's own route and service, and by the gateway.

interface State {
  config: RateLimitingConfig;
  periods: Period[];
  limits: number[];
  /** `limits` as header values, made once. */
  limitValues: string[];
  ttls: number[];
  limitHeaders: string[];
  remainingHeaders: string[];
  /** `ratelimit:<gateway>:<route>:<service>:` */
  prefix: string;
  counters: Counters;
  consumers: ConsumerIndex;
  headerName: string | null;
  /**
   * The counter keys of the last identifier and windows seen: a client sending request after request
   * reuses the same key strings (already hashed) instead of building them again. Replaced, never
   * changed in place, so a request still waiting on Redis keeps its own keys.
   */
  cache: KeyCache;
}

interface KeyCache {
  id: string;
  /** Start of the shortest window the keys were made for; they hold until it moves. */
  start: number;
  starts: number[];
  keys: string[];
}

/** Kong's get_identifier; the client address when the chosen one is absent. */
function identify(ctx: PluginContext, state: State): string {
  const by = state.config.limit_by;
  let id: string | null | undefined;
  if (by === 'service') id = ctx.serviceId;
  else if (by === 'header') {
    const v = ctx.headers[state.headerName!];
    id = Array.isArray(v) ? v[0] : v;
  } else if (by === 'path') id = ctx.rawPath === state.config.path ? ctx.rawPath : null;
  else if (by === 'consumer-group') id = ctx.consumer === null ? null : state.consumers.consumerGroups.get(ctx.consumer.id)?.[0]?.id;
  else return identifyConsumer(ctx, by);
  return id === null || id === undefined || id === '' ? ctx.clientIp : id;
}

/** The counter keys and window starts of `id` at `now` (periods run shortest first, so when the first window has not moved, none has). */
function keysFor(state: State, id: string, now: number): KeyCache {
  const periods = state.periods;
  const first = windowStart(periods[0], now);
  const cached = state.cache;
  if (cached.id === id && cached.start === first) return cached;
  const n = periods.length;
  const keys = new Array<string>(n);
  const starts = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    starts[i] = i === 0 ? first : windowStart(periods[i], now);
    keys[i] = `${state.prefix}${id}:${starts[i]}:${periods[i]}`;
  }
  return (state.cache = { id, start: first, starts, keys });
}

function decide(ctx: PluginContext, state: State, at: KeyCache, now: number, usage: number[]): PluginResponse | undefined {
  const { periods, limits, config } = state;
  const n = periods.length;
  let stop = -1;
  for (let i = 0; i < n; i++) if (limits[i] - usage[i] <= 0) stop = i;
  if (!config.hide_client_headers || stop !== -1) {
    let limit = -1;
    let remaining = 0;
    let window = 0;
    let reset = 0;
    const isBlocked = stop !== -1;
    // Allowed: the headers go on the response (Kong's kong.response.set_header); blocked: on the 429.
    const out: Record<string, string> = isBlocked ? {} : (ctx.addedResponseHeaders ??= {});
    const isShown = !config.hide_client_headers;
    for (let i = 0; i < n; i++) {
      const current = Math.max(0, limits[i] - usage[i] - (!isBlocked || stop === i ? 1 : 0));
      const size = WINDOW_SECONDS[periods[i]];
      // The most restrictive window: the least remaining, then the longer window.
      if (limit === -1 || current < remaining || (current === remaining && size > window)) {
        limit = limits[i];
        remaining = current;
        window = size;
        reset = secondsLeft(periods[i], at.starts[i], now);
      }
      if (isShown) {
        out[state.limitHeaders[i]] = state.limitValues[i];
        out[state.remainingHeaders[i]] = String(current);
      }
    }
    if (isShown) {
      out['ratelimit-limit'] = String(limit);
      out['ratelimit-remaining'] = String(remaining);
      out['ratelimit-reset'] = String(reset);
    }
    if (isBlocked) {
      out['retry-after'] = String(reset);
      return ctx.error(config.error_code, config.error_message, out);
    }
  }
  const counted = state.counters.increment(at.keys, state.ttls, 1);
  // Kong increments in a timer after the decision: a failed increment never fails the request.
  if (counted instanceof Promise) counted.catch(() => {});
  return undefined;
}

function access(ctx: PluginContext, state: State): PluginResponse | undefined | Promise<PluginResponse | undefined> {
  const now = Date.now();
  const at = keysFor(state, identify(ctx, state), now);
  let usage: number[] | Promise<number[]>;
  try {
    usage = state.counters.get(at.keys);
  } catch (error) {
    return failed(ctx, state, error);
  }
  if (usage instanceof Promise) {
    return usage.then(
      (u) => decide(ctx, state, at, now, u),
      (error: unknown) => failed(ctx, state, error),
    );
  }
  return decide(ctx, state, at, now, usage);
}

/** Counters unreachable: proxy without limits (fault_tolerant), else 500 as Kong. */
function failed(ctx: PluginContext, state: State, _error: unknown): PluginResponse | undefined {
  return state.config.fault_tolerant ? undefined : ctx.error(500);
}

export default definePlugin({
  name: 'rate-limiting',
  priority: 910,
  schema: rateLimitingSchema,
  compile: (config, env): State => {
    const periods = PERIODS.filter((p) => config[p] !== undefined && config[p] !== null);
    return {
      config,
      periods,
      limits: periods.map((p) => config[p] as number),
      limitValues: periods.map((p) => String(config[p])),
      ttls: periods.map((p) => WINDOW_SECONDS[p]),
      limitHeaders: periods.map((p) => `x-ratelimit-limit-${p}`),
      remainingHeaders: periods.map((p) => `x-ratelimit-remaining-${p}`),
      prefix: counterPrefix('ratelimit', env),
      counters: countersFor(config),
      consumers: env.consumers ?? EMPTY_CONSUMER_INDEX,
      headerName: config.header_name === undefined || config.header_name === null ? null : config.header_name.toLowerCase(),
      cache: { id: '', start: -1, starts: [], keys: [] },
    };
  },
  access,
});
