import { parseQuery, type Headers, type PluginContext, type QueryArgs, type QueryValue } from '../kit.ts';
import { splitPair, type RequestTransformerConfig } from './schema.ts';
import { compileTemplate, renderTemplate, type Template, type TemplateEnv, type TemplateSource } from './template.ts';

// Compiled rules of one target (headers, querystring or body), applied in Kong's order:
// remove, rename, replace, add, append.

type Pair = [name: string, value: Template];

export interface Rules {
  remove: string[];
  rename: Array<[from: string, to: string]>;
  replace: Pair[];
  add: Pair[];
  append: Pair[];
}

type Part = 'headers' | 'querystring' | 'body';

/** Compiles one target's rules; null when the config has none (the target is skipped). */
export function compileRules(config: RequestTransformerConfig, part: Part, lowerCase: boolean): Rules | null {
  const name = (n: string) => (lowerCase ? n.toLowerCase() : n);
  const pairs = (items: string[]): Pair[] =>
    items.map((item) => {
      const [n, v] = splitPair(item);
      return [name(n), compileTemplate(v)];
    });
  const rules: Rules = {
    remove: config.remove[part].map((item) => name(splitPair(item)[0])),
    rename: config.rename[part].map((item) => {
      const [from, to] = splitPair(item);
      return [name(from), name(to)];
    }),
    replace: pairs(config.replace[part]),
    add: pairs(config.add[part]),
    append: pairs(config.append[part]),
  };
  const count = rules.remove.length + rules.rename.length + rules.replace.length + rules.add.length + rules.append.length;
  return count === 0 ? null : rules;
}

/** Kong's append_value: a string becomes a list, a list grows, nothing becomes a one-item list. */
export function appendValue<T>(current: T | T[] | undefined, value: T): T[] {
  if (current === undefined) return [value];
  if (Array.isArray(current)) return [...current, value];
  return [current, value];
}

const joined = (v: string | string[] | true | Array<string | true> | undefined): string | undefined =>
  v === undefined ? undefined : v === true ? '' : Array.isArray(v) ? v.map((x) => (x === true ? '' : x)).join(',') : v;

/**
 * The values templates read, snapshotted lazily from the request as it was when the plugin started
 * (Kong renders templates against the original headers, even ones the plugin removes).
 */
export class TemplateScope implements TemplateEnv {
  readonly ctx: PluginContext;
  readonly headers: Headers;
  private query: QueryArgs | null;

  constructor(ctx: PluginContext) {
    this.ctx = ctx;
    this.headers = ctx.headers;
    this.query = null;
  }

  queryArgs(): QueryArgs {
    if (this.query === null) this.query = parseQuery(this.ctx.query);
    return this.query;
  }

  lookup(source: TemplateSource, key: string): string | undefined {
    if (source === 'headers') {
      // ngx.req.get_headers() looks names up lower-cased with '_' read as '-'.
      const lower = key.toLowerCase();
      const v = this.headers[lower] ?? this.headers[lower.replaceAll('_', '-')];
      return joined(v);
    }
    if (source === 'query_params') return joined(this.queryArgs()[key]);
    return this.ctx.uriCaptures?.[key];
  }

  render(template: Template): string {
    return renderTemplate(template, this);
  }
}

/**
 * Applies rules to a string map. `has` decides presence (Kong tests Lua truthiness for bodies).
 * `host`, when given, names the key Kong treats as the upstream Host: never removed, renamed, added
 * or appended, but always replaceable.
 */
export function applyRules(
  target: Record<string, unknown>,
  rules: Rules,
  scope: TemplateScope,
  has: (v: unknown) => boolean,
  canRemove: boolean,
  host: string | null,
): boolean {
  let changed = false;
  if (canRemove) {
    for (const name of rules.remove) {
      if (name === host || !has(target[name])) continue;
      delete target[name];
      changed = true;
    }
    for (const [from, to] of rules.rename) {
      if (from === host || target[from] === undefined || from === to) continue;
      target[to] = target[from];
      delete target[from];
      changed = true;
    }
    for (const [name, template] of rules.replace) {
      if (name !== host && !has(target[name])) continue;
      target[name] = scope.render(template);
      changed = true;
    }
  }
  for (const [name, template] of rules.add) {
    if (name === host || has(target[name])) continue;
    target[name] = scope.render(template);
    changed = true;
  }
  for (const [name, template] of rules.append) {
    if (name === host) continue;
    target[name] = appendValue(target[name] as QueryValue | undefined, scope.render(template));
    changed = true;
  }
  return changed;
}
