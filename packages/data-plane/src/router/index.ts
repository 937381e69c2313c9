export { createRouter, type MatchInput, type RouteMatch, type Router } from './router.ts';
export { normalizePath, escapePath } from './normalize.ts';
export { upstreamPath, sanitizePostfix, type PathHandling } from './upstream-path.ts';
export { splitHostPort } from './hosts.ts';
