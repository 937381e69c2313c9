import { PLUGIN_ERRORS, PluginError } from '../errors.ts';

// Kong renders request-transformer values as Penlight templates whose `$(...)` parts are Lua
// expressions. Gatehouse never evaluates code: it parses the subset people use and rejects the rest
// at config time (see README.md):
//   $(headers.x_api_key)  $(headers["x-api-key"])  $(query_params.page)  $(uri_captures.id)
//   $(uri_captures[1])    $(headers.x or 'fallback')  $('$(literal)')

export const TEMPLATE_SOURCES = ['headers', 'query_params', 'uri_captures'] as const;
export type TemplateSource = (typeof TEMPLATE_SOURCES)[number];

type Term = { kind: 'literal'; value: string } | { kind: 'ref'; source: TemplateSource; key: string };
/** A literal text piece, or an expression: terms joined by Lua's `or` (first non-nil wins). */
type Part = string | Term[];

/** A compiled template; `constant` is set when there is nothing to render. */
export interface Template {
  constant: string | null;
  parts: Part[];
}

/** What a template reads; returns undefined for a missing value (Lua nil). */
export interface TemplateEnv {
  lookup(source: TemplateSource, key: string): string | undefined;
}

const fail = (message: string): never => {
  throw new PluginError(PLUGIN_ERRORS.TEMPLATE_SYNTAX, message);
};

/**
 * Compiles a template once, at config time.
 * @example compileTemplate('Bearer $(headers.token)').parts // ['Bearer ', [{ kind: 'ref', source: 'headers', key: 'token' }]]
 */
export function compileTemplate(source: string): Template {
  if (!source.includes('$(')) return { constant: source, parts: [source] };
  const parts: Part[] = [];
  let i = 0;
  while (i < source.length) {
    const start = source.indexOf('$(', i);
    if (start === -1) {
      parts.push(source.slice(i));
      break;
    }
    if (start > i) parts.push(source.slice(i, start));
    // Lua's %b(): balanced parentheses, quotes not considered.
    let depth = 0;
    let end = start + 1;
    for (; end < source.length; end++) {
      const c = source[end];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    if (depth !== 0) fail(`unbalanced parentheses in '${source.slice(start)}'`);
    parts.push(parseExpression(source.slice(start + 2, end)));
    i = end + 1;
  }
  return { constant: null, parts };
}

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\d+)|([.[\]]))/y;

function parseExpression(text: string): Term[] {
  const tokens: string[] = [];
  let pos = 0;
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text)) !== null) {
    tokens.push(m[0].trim());
    pos = TOKEN.lastIndex;
  }
  if (tokens.length === 0 || text.slice(pos).trim() !== '') fail(`unsupported expression '${text}'`);
  const terms: Term[] = [];
  let t = 0;
  for (;;) {
    const tok = tokens[t++];
    if (tok === undefined) fail(`unsupported expression '${text}'`);
    if (tok[0] === '"' || tok[0] === "'") terms.push({ kind: 'literal', value: unquote(tok) });
    else if ((TEMPLATE_SOURCES as readonly string[]).includes(tok)) {
      let key: string | undefined;
      if (tokens[t] === '.' && /^[A-Za-z_]/.test(tokens[t + 1] ?? '')) key = tokens[t + 1];
      else if (tokens[t] === '[' && tokens[t + 2] === ']') {
        const k = tokens[t + 1];
        key = k[0] === '"' || k[0] === "'" ? unquote(k) : /^\d+$/.test(k) ? k : undefined;
      }
      if (key === undefined) fail(`unsupported expression '${text}': use ${tok}.name or ${tok}["name"]`);
      terms.push({ kind: 'ref', source: tok as TemplateSource, key: key as string });
      t += tokens[t] === '.' ? 2 : 3;
    } else fail(`unsupported expression '${text}': only headers, query_params, uri_captures and string literals`);
    if (t === tokens.length) return terms;
    if (tokens[t++] !== 'or') fail(`unsupported expression '${text}'`);
  }
}

const unquote = (tok: string): string => tok.slice(1, -1).replace(/\\(.)/g, '$1');

/**
 * Renders a compiled template. A nil expression renders as the empty string.
 * @example renderTemplate(compileTemplate('$(query_params.a)'), env) // '1' for ?a=1
 */
export function renderTemplate(template: Template, env: TemplateEnv): string {
  if (template.constant !== null) return template.constant;
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    for (const term of part) {
      const value = term.kind === 'literal' ? term.value : env.lookup(term.source, term.key);
      if (value !== undefined) {
        out += value;
        break;
      }
    }
  }
  return out;
}
