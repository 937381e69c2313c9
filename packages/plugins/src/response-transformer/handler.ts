import { definePlugin, type Headers } from '../kit.ts';
import { responseTransformerSchema, type ResponseTransformerConfig } from './schema.ts';

// Kong's response-transformer (kong/plugins/response-transformer/{header,body}_transformer.lua;
// reference §5.2). header_filter: remove, rename, replace (if present), add (if absent), append,
// presence judged on the upstream's headers. JSON transforms buffer the body only when configured
// and the response is JSON; unparsable bodies pass unchanged.

type JsonType = 'boolean' | 'number' | 'string';
type Pair = [name: string, value: string];
interface JsonPair {
  name: string;
  /** The value cast by its json_types entry; undefined (a non-numeric number) is skipped, as in Kong. */
  value: unknown;
}

interface State {
  removeHeaders: string[];
  renameHeaders: Pair[];
  replaceHeaders: Pair[];
  addHeaders: Pair[];
  appendHeaders: Pair[];
  hasHeaderRules: boolean;
  removeJson: string[];
  renameJson: Pair[];
  replaceJson: JsonPair[];
  addJson: JsonPair[];
  appendJson: JsonPair[];
  hasJsonRules: boolean;
}

/** Kong's `^([^:]+):*(.-)$`: the name before the first colon, the value after the colons that follow. */
function split(item: string): Pair {
  const colon = item.indexOf(':');
  if (colon === -1) return [item, ''];
  let start = colon + 1;
  while (item.charCodeAt(start) === 58) start++;
  return [item.slice(0, colon), item.slice(start)];
}

// body_transformer.lua cast_value.
function cast(value: string, type: JsonType | undefined): unknown {
  if (type === 'number') {
    const n = value.trim() === '' ? NaN : Number(value);
    return Number.isNaN(n) ? undefined : n;
  }
  if (type === 'boolean') return value === 'true';
  return value;
}

const jsonPairs = (items: string[], types: JsonType[]): JsonPair[] =>
  items.map((item, i) => {
    const [name, value] = split(item);
    return { name, value: cast(value, types[i]) };
  });

const headerPairs = (items: string[]): Pair[] => items.map((item) => split(item)).map(([n, v]) => [n.toLowerCase(), v]);

function compile(config: ResponseTransformerConfig): State {
  const s: State = {
    removeHeaders: config.remove.headers.map((h) => h.toLowerCase()),
    renameHeaders: headerPairs(config.rename.headers).map(([o, n]) => [o, n.toLowerCase()]),
    replaceHeaders: headerPairs(config.replace.headers),
    addHeaders: headerPairs(config.add.headers),
    appendHeaders: headerPairs(config.append.headers),
    hasHeaderRules: false,
    removeJson: config.remove.json,
    renameJson: config.rename.json.map(split),
    replaceJson: jsonPairs(config.replace.json, config.replace.json_types),
    addJson: jsonPairs(config.add.json, config.add.json_types),
    appendJson: jsonPairs(config.append.json, config.append.json_types),
    hasJsonRules: false,
  };
  s.hasHeaderRules = s.removeHeaders.length + s.renameHeaders.length + s.replaceHeaders.length + s.addHeaders.length + s.appendHeaders.length > 0;
  s.hasJsonRules = s.removeJson.length + s.renameJson.length + s.replaceJson.length + s.addJson.length + s.appendJson.length > 0;
  return s;
}

/** application/json or application/<x>+json, parameters ignored (kong/tools/mime_type.lua). */
export function isJsonType(value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  const type = (Array.isArray(value) ? value[0] : value).split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function addLine(headers: Headers, name: string, value: string): void {
  const current = headers[name];
  if (current === undefined) headers[name] = value;
  else if (Array.isArray(current)) current.push(value);
  else headers[name] = [current, value];
}

function transformHeaders(headers: Headers, s: State): void {
  // Kong judges presence on the headers as the upstream sent them.
  const original = s.renameHeaders.length + s.replaceHeaders.length + s.addHeaders.length > 0 ? { ...headers } : headers;
  for (const name of s.removeHeaders) delete headers[name];
  for (const [from, to] of s.renameHeaders) {
    if (original[from] === undefined || from === to) continue;
    headers[to] = original[from];
    delete headers[from];
  }
  for (const [name, value] of s.replaceHeaders) if (original[name] !== undefined) headers[name] = value;
  for (const [name, value] of s.addHeaders) if (original[name] === undefined) addLine(headers, name, value);
  for (const [name, value] of s.appendHeaders) addLine(headers, name, value);
}

// Lua truthiness: a key holding false counts as absent for replace and add, as in Kong.
const isSet = (v: unknown): boolean => v !== undefined && v !== false;

/** Applies the JSON rules to a body; returns null when it is not a JSON object (left unchanged). */
export function transformJson(body: Buffer, s: State): Buffer | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  for (const name of s.removeJson) delete o[name];
  for (const [from, to] of s.renameJson) {
    if (o[from] === undefined || from === to) continue;
    o[to] = o[from];
    delete o[from];
  }
  for (const { name, value } of s.replaceJson) if (isSet(o[name]) && value !== undefined) o[name] = value;
  for (const { name, value } of s.addJson) if (!isSet(o[name]) && value !== undefined) o[name] = value;
  for (const { name, value } of s.appendJson) {
    if (value === undefined) continue;
    const current = o[name];
    if (typeof current === 'string') o[name] = [current, value];
    else if (Array.isArray(current)) current.push(value);
    else o[name] = [value];
  }
  return Buffer.from(JSON.stringify(o));
}

export default definePlugin({
  name: 'response-transformer',
  priority: 800,
  schema: responseTransformerSchema,
  compile,
  headerFilter(ctx, s) {
    const headers = ctx.responseHeaders!;
    if (s.hasHeaderRules) transformHeaders(headers, s);
    if (s.hasJsonRules && isJsonType(headers['content-type'])) {
      // The body changes size: it is buffered and Content-Length set again after body_filter.
      delete headers['content-length'];
      ctx.isResponseBuffered = true;
    }
  },
  bodyFilter(_ctx, s, body) {
    return transformJson(body, s) ?? body;
  },
});
