import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

// Contract checks: validate real responses against Kong's published OpenAPI documents in
// ../shared/specs with ajv, so our wire format is held to the spec and not to our own schemas.

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const here = dirname(fileURLToPath(import.meta.url));
/** The shared folder sits beside the repository: /work/main -> /work/shared. */
export const SPECS_DIR = process.env.GATEHOUSE_SPECS_DIR ?? join(here, '../../../../shared/specs');

export type SpecName = 'control-planes-v2' | 'cloud-gateways-v2' | 'control-planes-config-v2';

const specs = new Map<SpecName, { ajv: Ajv; doc: any }>();

function load(name: SpecName) {
  let entry = specs.get(name);
  if (!entry) {
    const doc = parse(readFileSync(join(SPECS_DIR, 'konnect', `${name}.yaml`), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, unicodeRegExp: false });
    addFormats(ajv);
    // OpenAPI's 'set' marks arrays without duplicates; the spec pairs it with uniqueItems where it matters.
    ajv.addFormat('set', true);
    // ajv-formats' 'url' is a legacy regex that refuses hosts such as 127.0.0.1; use the WHATWG parser.
    ajv.addFormat('url', (value: string) => URL.canParse(value));
    ajv.addSchema(doc, name);
    entry = { ajv, doc };
    specs.set(name, entry);
  }
  return entry;
}

const pointer = (...parts: string[]): string => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

const validators = new Map<string, ValidateFunction>();

/**
 * A validator for one operation's response body as the spec declares it.
 * @example
 * const check = responseValidator('control-planes-v2', 'post', '/control-planes', 201);
 * assert.ok(check(body), JSON.stringify(check.errors));
 */
export function responseValidator(spec: SpecName, method: string, path: string, status: number): ValidateFunction {
  const key = `${spec} ${method} ${path} ${status}`;
  let validator = validators.get(key);
  if (validator) return validator;
  const { ajv, doc } = load(spec);
  const operation = doc.paths?.[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${spec} has no operation ${method.toUpperCase()} ${path}`);
  let response = operation.responses?.[String(status)];
  if (!response) throw new Error(`${spec} ${method.toUpperCase()} ${path} declares no ${status} response`);
  let responsePointer = `#/${pointer('paths', path, method.toLowerCase(), 'responses', String(status))}`;
  if (response.$ref) {
    responsePointer = response.$ref;
    response = response.$ref.slice(2).split('/').reduce((node: any, part: string) => node[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  const mediaType = Object.keys(response.content ?? {})[0];
  if (!mediaType) throw new Error(`${spec} ${method.toUpperCase()} ${path} ${status} has no body`);
  validator = ajv.compile({ $ref: `${spec}${responsePointer}/content/${pointer(mediaType)}/schema` });
  validators.set(key, validator);
  return validator;
}

/** Throws with ajv's messages unless `body` matches the declared response. */
export function assertMatchesSpec(spec: SpecName, method: string, path: string, status: number, body: unknown): void {
  const validate = responseValidator(spec, method, path, status);
  if (!validate(body)) {
    throw new Error(`${method.toUpperCase()} ${path} ${status} does not match ${spec}: ${JSON.stringify(validate.errors, null, 1)}\nbody: ${JSON.stringify(body)}`);
  }
}
