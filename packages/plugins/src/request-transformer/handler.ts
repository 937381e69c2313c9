import { definePlugin, encodeQuery, parseQuery, type PluginContext } from '../kit.ts';
import { bodyKind, transformBody } from './body.ts';
import { appendValue, applyRules, compileRules, TemplateScope, type Rules } from './rules.ts';
import { requestTransformerSchema, type RequestTransformerConfig } from './schema.ts';
import { compileTemplate, type Template } from './template.ts';

// Kong's request-transformer (kong/plugins/request-transformer/access.lua). Order of operations:
// replace.uri, http_method, headers, body, querystring; inside each: remove, rename, replace, add,
// append.

interface State {
  method: string | null;
  /** GET/HEAD/TRACE: Kong merges a url-encoded body into the query string. */
  isBodyToQuery: boolean;
  uri: Template | null;
  headers: Rules | null;
  query: Rules | null;
  body: Rules | null;
  /** Some rule reads the request (`$(headers.x)`...): header rules then work on a copy, so templates see the headers as received. */
  hasTemplates: boolean;
}

const isDynamic = (rules: Rules | null): boolean => rules !== null && [rules.replace, rules.add, rules.append].some((pairs) => pairs.some(([, t]) => t.constant === null));

const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);
const defined = (v: unknown): boolean => v !== undefined;

function compile(config: RequestTransformerConfig): State {
  const method = config.http_method ?? null;
  const uri = config.replace.uri === undefined ? null : compileTemplate(config.replace.uri);
  const headers = compileRules(config, 'headers', true);
  const query = compileRules(config, 'querystring', false);
  const body = compileRules(config, 'body', false);
  return {
    method,
    isBodyToQuery: method !== null && BODYLESS_METHODS.has(method),
    uri,
    headers,
    query,
    body,
    hasTemplates: (uri !== null && uri.constant === null) || isDynamic(headers) || isDynamic(query) || isDynamic(body),
  };
}

function mergeBodyIntoQuery(ctx: PluginContext): void {
  if (bodyKind(ctx.headers['content-type']) !== 'form' || ctx.body === null || ctx.body.length === 0) return;
  const params = parseQuery(ctx.body.toString('utf8'));
  const keys = Object.keys(params);
  if (keys.length === 0) return;
  const query = parseQuery(ctx.query);
  for (const key of keys) {
    const value = params[key];
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) query[key] = query[key] === undefined ? v : appendValue(query[key], v as string | true);
  }
  ctx.query = encodeQuery(query);
}

export default definePlugin({
  name: 'request-transformer',
  priority: 801,
  schema: requestTransformerSchema,
  compile,
  needsBody: (config) => {
    const s = compile(config);
    return s.body !== null || s.isBodyToQuery;
  },
  access(ctx, state) {
    const scope = new TemplateScope(ctx);
    if (state.uri !== null) ctx.path = scope.render(state.uri);
    if (state.method !== null) {
      ctx.method = state.method;
      if (state.isBodyToQuery) mergeBodyIntoQuery(ctx);
    }
    if (state.headers !== null) {
      // With templates, a fresh object: the scope keeps the original headers for them.
      const headers = state.hasTemplates ? { ...ctx.headers } : ctx.headers;
      applyRules(headers, state.headers, scope, defined, true, 'host');
      ctx.headers = headers;
    }
    if (state.body !== null) transformBody(ctx, state.body, scope);
    if (state.query !== null) {
      const query = { ...scope.queryArgs() };
      for (const key of Object.keys(query)) {
        const v = query[key];
        if (Array.isArray(v)) query[key] = [...v];
      }
      if (applyRules(query, state.query, scope, defined, true, null)) {
        const encoded = encodeQuery(query);
        ctx.query = encoded === '' ? null : encoded;
      }
    }
  },
});
