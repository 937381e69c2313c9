import type { Exchange } from '../server/exchange.ts';

// The platform's 429: Kong's error template (rate-limiting's message) with the IETF RateLimit
// headers, as Kong's rate-limiting plugin sends them, and Retry-After (RFC 9110 §10.2.3).

export const RATE_LIMITED = 'API rate limit exceeded';

export function sendRateLimited(res: Exchange): void {
  const limiter = res.plane!.limiter!;
  const reset = String(limiter.resetSeconds());
  res.sendError(429, RATE_LIMITED, false, {
    'ratelimit-limit': String(limiter.limit),
    'ratelimit-remaining': '0',
    'ratelimit-reset': reset,
    'retry-after': reset,
  });
}

