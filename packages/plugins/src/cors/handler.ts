import { definePlugin, type Headers, type PluginContext } from '../kit.ts';
import { compileOriginRegex, corsSchema, LITERAL_ORIGIN, type CorsConfig } from './schema.ts';

// Kong's cors (kong/plugins/cors/handler.lua; reference §5.10). Preflights (OPTIONS with Origin and
// Access-Control-Request-Method) are answered in access; every other response, including early
// answers of later plugins (a key-auth 401), gets its headers in header_filter.

interface OriginRule {
  /** Literal entries: the normalized origin to compare with. */
  origin: string | null;
  regex: RegExp | null;
  /** Regexes without ':' match the request origin's host, others its normalized origin. */
  isByHost: boolean;
}

interface State {
  /** No origins or exactly ['*']: `Access-Control-Allow-Origin: *`. */
  isAllowAll: boolean;
  /** One literal origin: sent as configured, whatever the request's Origin. */
  single: string | null;
  /** An entry '*' among others: any request Origin gets '*'. */
  hasStar: boolean;
  rules: OriginRule[];
  credentials: boolean;
  allowHeaders: string | null;
  exposeHeaders: string | null;
  methods: string;
  maxAge: string | null;
  privateNetwork: boolean;
  preflightContinue: boolean;
  allowOriginAbsent: boolean;
}

const ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]*\]|[^/:?#]*)(?::(\d*))?/;

/** Kong's normalize_origin: `scheme://host[:port]` without default ports; non-URLs stay as they are. */
export function normalizeOrigin(value: string): { origin: string; host: string } {
  const m = ORIGIN.exec(value);
  if (m === null) return { origin: value, host: value };
  const [, scheme, host, port] = m;
  const isDefault = port === undefined || port === '' || (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
  return { origin: `${scheme}://${host}${isDefault ? '' : `:${port}`}`, host };
}

function compile(config: CorsConfig): State {
  const origins = config.origins ?? [];
  const joined = (list: string[] | undefined) => (list !== undefined && list.length > 0 ? list.join(',') : null);
  return {
    isAllowAll: origins.length === 0 || (origins.length === 1 && origins[0] === '*'),
    single: origins.length === 1 && LITERAL_ORIGIN.test(origins[0]) ? origins[0] : null,
    hasStar: origins.includes('*'),
    rules: origins
      .filter((o) => o !== '*')
      .map((o) =>
        LITERAL_ORIGIN.test(o)
          ? { origin: normalizeOrigin(o).origin, regex: null, isByHost: false }
          : { origin: null, regex: compileOriginRegex(o), isByHost: !o.includes(':') },
      ),
    credentials: config.credentials,
    allowHeaders: joined(config.headers),
    exposeHeaders: joined(config.exposed_headers),
    methods: config.methods.join(','),
    maxAge: config.max_age === undefined ? null : String(config.max_age),
    privateNetwork: config.private_network,
    preflightContinue: config.preflight_continue,
    allowOriginAbsent: config.allow_origin_absent,
  };
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function addVaryOrigin(headers: Headers): void {
  const vary = headers['vary'];
  if (vary === undefined || vary === '') {
    headers['vary'] = 'Origin';
    return;
  }
  const current = Array.isArray(vary) ? vary.join(', ') : vary;
  if (!/(^|,)\s*origin\s*(,|$)/i.test(current)) headers['vary'] = `${current}, Origin`;
}

/** Sets Access-Control-Allow-Origin (and Vary); returns whether it is '*'. */
function configureOrigin(state: State, origin: string | undefined, out: Headers): boolean {
  if (state.isAllowAll) {
    out['access-control-allow-origin'] = '*';
    return true;
  }
  addVaryOrigin(out);
  if (state.single !== null) {
    out['access-control-allow-origin'] = state.single;
    return false;
  }
  if (origin !== undefined && origin !== '') {
    if (state.hasStar) {
      out['access-control-allow-origin'] = '*';
      return true;
    }
    const req = normalizeOrigin(origin);
    for (const rule of state.rules) {
      const isMatch = rule.regex === null ? rule.origin === req.origin : rule.regex.test(rule.isByHost ? req.host : req.origin);
      if (isMatch) {
        out['access-control-allow-origin'] = req.origin;
        return false;
      }
    }
  }
  delete out['access-control-allow-origin'];
  return false;
}

function configureCredentials(state: State, isAllowAll: boolean, origin: string | undefined, out: Headers): void {
  if (!state.credentials) return;
  if (!isAllowAll) {
    out['access-control-allow-credentials'] = 'true';
    return;
  }
  // Browsers refuse credentials with '*': echo the request's Origin instead.
  if (origin !== undefined && origin !== '') {
    out['access-control-allow-origin'] = origin;
    out['access-control-allow-credentials'] = 'true';
    addVaryOrigin(out);
  }
}

const isPreflight = (ctx: PluginContext): boolean => ctx.method === 'OPTIONS' && !!ctx.requestHeaders['origin'] && !!ctx.requestHeaders['access-control-request-method'];

export default definePlugin({
  name: 'cors',
  priority: 2000,
  schema: corsSchema,
  compile,
  access(ctx, state) {
    if (!isPreflight(ctx) || state.preflightContinue) return;
    const origin = one(ctx.requestHeaders['origin']);
    const headers: Headers = {};
    const isAllowAll = configureOrigin(state, origin, headers);
    configureCredentials(state, isAllowAll, origin, headers);
    const allowHeaders = state.allowHeaders ?? one(ctx.requestHeaders['access-control-request-headers']);
    if (allowHeaders !== undefined) headers['access-control-allow-headers'] = allowHeaders;
    headers['access-control-allow-methods'] = state.methods;
    if (state.maxAge !== null) headers['access-control-max-age'] = state.maxAge;
    if (state.privateNetwork && one(ctx.requestHeaders['access-control-request-private-network']) === 'true') headers['access-control-allow-private-network'] = 'true';
    return ctx.respond(200, null, headers as Record<string, string>);
  },
  headerFilter(ctx, state) {
    // Preflights were answered in access (or handed to the upstream): Kong adds nothing more.
    if (isPreflight(ctx)) return;
    const origin = one(ctx.requestHeaders['origin']);
    if (!state.allowOriginAbsent && (origin === undefined || origin === '')) return;
    const out = ctx.responseHeaders!;
    const isAllowAll = configureOrigin(state, origin, out);
    configureCredentials(state, isAllowAll, origin, out);
    if (state.exposeHeaders !== null) out['access-control-expose-headers'] = state.exposeHeaders;
  },
});
