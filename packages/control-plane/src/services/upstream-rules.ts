import type { FieldError } from '@gatehouse/schema';
import { isValidHost } from './entity-rules.ts';

// Kong's entity checks for upstreams and targets (kong/db/schema/entities/{upstreams,targets}.lua).

type Body = Record<string, any>;
const fieldError = (field: string, reason: string, rule = 'invalid'): FieldError => ({ field, rule, reason });

// hash_on value -> the field that names what to hash.
const HASH_INPUTS: Record<string, [on: string, fallback: string | null]> = {
  header: ['hash_on_header', 'hash_fallback_header'],
  cookie: ['hash_on_cookie', null],
  query_arg: ['hash_on_query_arg', 'hash_fallback_query_arg'],
  uri_capture: ['hash_on_uri_capture', 'hash_fallback_uri_capture'],
};

/** upstreams.lua: the name is a hostname; each hash source names its input; fallbacks make sense. */
export function checkUpstream(upstream: Body): { fields: FieldError[]; entity: string[] } {
  const fields: FieldError[] = [];
  const entity: string[] = [];
  if (!isValidHost(upstream.name)) fields.push(fieldError('name', `Invalid name ('${upstream.name}'); must be a valid hostname`));
  if (upstream.host_header !== null && !isValidHost(upstream.host_header)) fields.push(fieldError('host_header', `invalid hostname: ${upstream.host_header}`));
  const on = HASH_INPUTS[upstream.hash_on];
  if (on && upstream[on[0]] === null) fields.push(fieldError(on[0], `required field missing: ${on[0]} is required when 'hash_on' is set to '${upstream.hash_on}'`, 'required'));
  const fallback = HASH_INPUTS[upstream.hash_fallback];
  if (fallback) {
    const field = fallback[1];
    if (field === null) fields.push(fieldError('hash_fallback', `'hash_fallback' cannot be '${upstream.hash_fallback}'`));
    else if (upstream[field] === null) fields.push(fieldError(field, `required field missing: ${field} is required when 'hash_fallback' is set to '${upstream.hash_fallback}'`, 'required'));
  }
  if (upstream.hash_fallback !== 'none') {
    if (upstream.hash_on === 'none' || upstream.hash_on === 'cookie') fields.push(fieldError('hash_fallback', `must be 'none' when 'hash_on' is '${upstream.hash_on}'`));
    else if (upstream.hash_fallback === upstream.hash_on && upstream.hash_on !== 'header') fields.push(fieldError('hash_fallback', "must not equal 'hash_on'"));
    else if (upstream.hash_on === 'header' && upstream.hash_fallback === 'header' && upstream.hash_on_header?.toLowerCase() === upstream.hash_fallback_header?.toLowerCase()) {
      entity.push("values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'");
    }
  }
  if (upstream.algorithm === 'sticky-sessions' && upstream.sticky_sessions_cookie === null) {
    fields.push(fieldError('sticky_sessions_cookie', "required field missing: sticky_sessions_cookie is required when 'algorithm' is 'sticky-sessions'", 'required'));
  }
  return { fields, entity };
}

/**
 * targets.lua: `host[:port]` with Kong's default port 8000 filled in. 'a.test' gives 'a.test:8000',
 * '10.0.0.1:80' stays, '::1' gives '[::1]:8000', '[::1]:81' stays.
 */
export function normalizeTarget(target: string): { target: string } | { errors: FieldError[] } {
  const bad = { errors: [fieldError('target', `Invalid target ('${target}'); not a valid hostname or ip address`)] };
  let host: string;
  let port = '8000';
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(target);
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2] ?? port;
    if (!isValidHost(host)) return bad;
    return Number(port) <= 65535 ? { target: `[${host}]:${port}` } : bad;
  }
  if ((target.match(/:/g) ?? []).length > 1) return isValidHost(target) ? { target: `[${target}]:${port}` } : bad;
  const parts = /^([^:]+)(?::(\d+))?$/.exec(target);
  if (!parts || !isValidHost(parts[1])) return bad;
  host = parts[1];
  port = parts[2] ?? port;
  return Number(port) <= 65535 ? { target: `${host}:${port}` } : bad;
}
