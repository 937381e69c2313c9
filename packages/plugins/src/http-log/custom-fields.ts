import type { FieldError } from '@gatehouse/schema';

// custom_fields_by_lua runs Lua in Kong (kong.log.set_serialize_value). Gatehouse runs no Lua: it
// accepts the constant subset, `return <literal>` (string, number, boolean) and `return nil` (which
// removes the field), and refuses anything else at config time with the field named.

/** One compiled custom field: a dotted path into the log entry and its value (undefined removes it). */
export interface CustomField {
  path: string[];
  value: string | number | boolean | undefined;
}

const LITERAL = /^\s*return\s+(?:(nil)|(true|false)|(-?\d+(?:\.\d+)?)|"((?:[^"\\\n]|\\["\\nt])*)"|'((?:[^'\\\n]|\\['\\nt])*)')\s*;?\s*$/;
const UNESCAPE: Record<string, string> = { n: '\n', t: '\t' };

/**
 * Compiles `custom_fields_by_lua` into constant fields, or errors naming each refused key.
 * @example parseCustomFields({ 'route.env': 'return "prod"', 'request.headers': 'return nil' })
 */
export function parseCustomFields(fields: Record<string, string>): { fields: CustomField[]; errors: FieldError[] } {
  const out: CustomField[] = [];
  const errors: FieldError[] = [];
  for (const [key, code] of Object.entries(fields)) {
    const m = LITERAL.exec(code);
    if (m === null || key === '') {
      errors.push({ field: `custom_fields_by_lua.${key}`, rule: 'invalid', reason: 'Gatehouse runs no Lua: only `return <literal>` (a string, number, true, false or nil) is supported' });
      continue;
    }
    const [, isNil, bool, num, dq, sq] = m;
    const str = dq ?? sq;
    const value = isNil !== undefined ? undefined : bool !== undefined ? bool === 'true' : num !== undefined ? Number(num) : str!.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);
    out.push({ path: key.split('.'), value });
  }
  return { fields: out, errors };
}

/** Kong's set_serialize_value: sets (or removes) a dotted path, creating objects on the way. */
export function applyCustomFields(entry: Record<string, unknown>, fields: CustomField[]): void {
  for (const { path, value } of fields) {
    let node = entry;
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]];
      if (typeof next !== 'object' || next === null) node[path[i]] = {};
      node = node[path[i]] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1];
    if (value === undefined) delete node[leaf];
    else node[leaf] = value;
  }
}
