import { encodeQuery, parseQuery, type PluginContext, type QueryArgs } from '../kit.ts';
import { MultipartBody, multipartBoundary } from './multipart.ts';
import { applyRules, type Rules, type TemplateScope } from './rules.ts';

// Body rules for the three content types Kong transforms. Matching is by substring of the
// lower-cased Content-Type, as kong/plugins/request-transformer/access.lua does.

export type BodyKind = 'json' | 'form' | 'multipart';

export function bodyKind(contentType: string | string[] | undefined): BodyKind | null {
  if (typeof contentType !== 'string') return null;
  const ct = contentType.toLowerCase();
  if (ct.includes('application/json')) return 'json';
  if (ct.includes('multipart/form-data')) return 'multipart';
  if (ct.includes('application/x-www-form-urlencoded')) return 'form';
  return null;
}

// Lua truthiness of a decoded JSON value: only nil and false are falsy (cjson.null is truthy).
const luaTruthy = (v: unknown): boolean => v !== undefined && v !== false;
const defined = (v: unknown): boolean => v !== undefined;

function transformJson(body: Buffer, rules: Rules, scope: TemplateScope): Buffer | null {
  let params: Record<string, unknown> = {};
  if (body.length > 0) {
    try {
      params = JSON.parse(body.toString('utf8'));
    } catch {
      return null; // Kong passes a malformed JSON body through unchanged.
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return null;
  }
  const changed = applyRules(params, rules, scope, luaTruthy, body.length > 0, null);
  return changed ? Buffer.from(JSON.stringify(params)) : null;
}

function transformForm(body: Buffer, rules: Rules, scope: TemplateScope): Buffer | null {
  const params: QueryArgs = parseQuery(body.toString('utf8'));
  const changed = applyRules(params, rules, scope, defined, body.length > 0, null);
  return changed ? Buffer.from(encodeQuery(params)) : null;
}

// Kong's multipart order is rename, remove, replace, add; append is not supported.
function transformMultipart(body: Buffer, contentType: string, rules: Rules, scope: TemplateScope): Buffer | null {
  const boundary = multipartBoundary(contentType);
  if (boundary === null) return null;
  const form = new MultipartBody(body, boundary);
  let changed = false;
  if (body.length > 0) {
    for (const [from, to] of rules.rename) {
      const value = form.get(from);
      if (value === undefined) continue;
      form.set(to, value);
      form.delete(from);
      changed = true;
    }
    for (const name of rules.remove) {
      form.delete(name);
      changed = true;
    }
    for (const [name, template] of rules.replace) {
      if (!form.has(name)) continue;
      form.delete(name);
      form.set(name, scope.render(template));
      changed = true;
    }
  }
  for (const [name, template] of rules.add) {
    if (form.has(name)) continue;
    form.set(name, scope.render(template));
    changed = true;
  }
  return changed ? form.toBuffer() : null;
}

/** Rewrites `ctx.body` in place when a rule applies; the data plane recomputes Content-Length. */
export function transformBody(ctx: PluginContext, rules: Rules, scope: TemplateScope): void {
  const contentType = ctx.headers['content-type'];
  const kind = bodyKind(contentType);
  if (kind === null) return;
  const body = ctx.body ?? Buffer.alloc(0);
  const next =
    kind === 'json' ? transformJson(body, rules, scope)
    : kind === 'form' ? transformForm(body, rules, scope)
    : transformMultipart(body, contentType as string, rules, scope);
  if (next !== null) ctx.body = next;
}
