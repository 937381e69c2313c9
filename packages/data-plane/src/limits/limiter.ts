import type { Logger } from 'pino';
import { createFailureLog, createLocalCounterStore, type CounterStore } from './counter-store.ts';

// The platform rate limit (Konnect's default: 100 requests per second per gateway), checked after
// the gateway lookup and before anything else. Fixed windows aligned on the epoch (1 s by default):
// window n is [n * windowMs, (n + 1) * windowMs). A gateway's state here is one small object; the
// check is a Map lookup and two comparisons, synchronous unless a shared store must be asked.
//
// Shared stores (IPC, Redis) are asked for as many admissions as there are requests waiting (at most
// a tenth of the limit per ask), so every grant is used at once and processes never hold admissions
// another one could use: the total never exceeds the limit, and falls short of it only by what
// arrives while an ask is in flight at the very end of a window. Once the store grants less than
// asked, the window is used up and this process refuses synchronously until the next window: a
// gateway at its limit costs neither the store nor the other gateways anything.

export interface RateLimitOptions {
  /** Requests per window per gateway; 0 or less turns the limit off. */
  limit: number;
  /** Window length; default 1000 (the limit is then requests per second). */
  windowMs?: number;
  /** Where windows are counted; default in this process only. */
  store?: CounterStore;
}

interface GatewayWindow {
  window: number;
  /** Admissions this process got from the store in `window`, and those used. */
  granted: number;
  used: number;
  isExhausted: boolean;
  isAsking: boolean;
  /** Requests waiting for the store's answer, oldest first. */
  queue: Array<(isAdmitted: boolean) => void>;
}

/**
 * Admits or refuses a gateway's requests.
 * @example
 * const limiter = createPlatformLimiter({ limit: 100 }, logger);
 * const verdict = limiter.admit(gatewayId); // true, false, or a Promise of either
 */
export interface PlatformLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly storeKind: CounterStore['kind'];
  /** true: go on; false: answer 429; a Promise when the shared store is asked. Never rejects. */
  admit(gatewayId: string): boolean | Promise<boolean>;
  /** Whole seconds until the current window ends, at least 1 (RateLimit-Reset, Retry-After). */
  resetSeconds(): number;
  /** Drops a removed gateway's state. */
  forget(gatewayId: string): void;
  close(): Promise<void>;
}

export function createPlatformLimiter(options: RateLimitOptions, logger: Logger): PlatformLimiter {
  const limit = Math.floor(options.limit);
  const windowMs = options.windowMs ?? 1000;
  const store = options.store ?? createLocalCounterStore();
  const maxAsk = Math.max(1, Math.ceil(limit / 10));
  const failures = createFailureLog(logger, store.kind);
  const states = new Map<string, GatewayWindow>();

  const roll = (s: GatewayWindow, window: number): void => {
    s.window = window;
    s.granted = 0;
    s.used = 0;
    s.isExhausted = false;
  };

  const settle = (s: GatewayWindow, gatewayId: string, window: number, want: number, granted: number): void => {
    s.isAsking = false;
    if (s.window === window) {
      s.granted += granted;
      s.used += granted;
      if (granted < want) s.isExhausted = true;
    }
    const admitted = s.queue.splice(0, granted);
    for (const resolve of admitted) resolve(true);
    if (s.queue.length === 0) return;
    const now = Math.floor(Date.now() / windowMs);
    if (now !== s.window) roll(s, now);
    if (s.isExhausted) {
      const refused = s.queue.splice(0);
      for (const resolve of refused) resolve(false);
      return;
    }
    ask(s, gatewayId);
  };

  const ask = (s: GatewayWindow, gatewayId: string): void => {
    s.isAsking = true;
    const window = s.window;
    const want = Math.min(s.queue.length, maxAsk);
    let answer: number | Promise<number>;
    try {
      answer = store.take(gatewayId, window, want, limit);
    } catch (error) {
      answer = Promise.reject(error);
    }
    Promise.resolve(answer).then(
      (granted) => {
        failures.recovered();
        settle(s, gatewayId, window, want, granted);
      },
      (error: unknown) => {
        // Fail open: a store outage must not take every gateway down with it.
        failures.failed(error);
        settle(s, gatewayId, -1, want, want);
      },
    );
  };

  return {
    limit,
    windowMs,
    storeKind: store.kind,
    admit(gatewayId) {
      const window = Math.floor(Date.now() / windowMs);
      let s = states.get(gatewayId);
      if (s === undefined) {
        s = { window, granted: 0, used: 0, isExhausted: false, isAsking: false, queue: [] };
        states.set(gatewayId, s);
      } else if (s.window !== window) {
        roll(s, window);
      }
      if (s.used < s.granted) {
        s.used++;
        return true;
      }
      if (s.isExhausted) return false;
      if (store.kind === 'local') {
        // Synchronous: this process is the only counter, so it takes the whole window at once.
        const granted = store.take(gatewayId, window, limit - s.granted, limit) as number;
        s.granted += granted;
        if (s.used < s.granted) {
          s.used++;
          return true;
        }
        s.isExhausted = true;
        return false;
      }
      const state = s;
      return new Promise<boolean>((resolve) => {
        state.queue.push(resolve);
        if (!state.isAsking) ask(state, gatewayId);
      });
    },
    resetSeconds() {
      const now = Date.now();
      return Math.max(1, Math.ceil((windowMs - (now % windowMs)) / 1000));
    },
    forget(gatewayId) {
      states.delete(gatewayId);
    },
    close() {
      for (const s of states.values()) for (const resolve of s.queue.splice(0)) resolve(true);
      states.clear();
      return store.close();
    },
  };
}
