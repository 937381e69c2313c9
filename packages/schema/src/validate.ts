import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { FormatRegistry } from '@sinclair/typebox';
import { isUuid } from './ids.ts';

if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', isUuid);

/**
 * One problem with one field of an input, in terms both of Gatehouse's wire error formats can express:
 * Konnect's `invalid_parameters` (`field`, `rule`, `reason`) and Kong's field errors.
 */
export interface FieldError {
  /** Dotted path with numeric indexes, as Konnect reports it: `dataplane_groups.0.region`. */
  field: string;
  /** Konnect's rule name: required, unknown_property, enum, min_length, is_string, ... */
  rule: string;
  /** Human text naming the field: `name must be a string`. */
  reason: string;
  /** Extra facts some rules carry (`minimum`, `maximum`, `choices`). */
  minimum?: number;
  maximum?: number;
  choices?: unknown[];
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiled<S extends TSchema>(schema: S): TypeCheck<S> {
  let check = checks.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  return check as TypeCheck<S>;
}

const toField = (path: string): string => path.replace(/^\//, '').replaceAll('/', '.');

const TYPE_RULES: Partial<Record<ValueErrorType, [rule: string, what: string]>> = {
  [ValueErrorType.String]: ['is_string', 'a string'],
  [ValueErrorType.Number]: ['is_number', 'a number'],
  [ValueErrorType.Integer]: ['is_integer', 'an integer number'],
  [ValueErrorType.Boolean]: ['is_boolean', 'a boolean'],
  [ValueErrorType.Array]: ['is_array', 'an array'],
  [ValueErrorType.Object]: ['is_object', 'an object'],
  [ValueErrorType.Null]: ['is_null', 'null'],
};

function describe(error: ValueError): FieldError | undefined {
  const field = toField(error.path);
  const schema = error.schema as Record<string, any>;
  const label = field || 'body';
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return { field, rule: 'required', reason: `${field} is a required field` };
    case ValueErrorType.ObjectAdditionalProperties:
      return { field, rule: 'unknown_property', reason: `property ${field} should not exist` };
    case ValueErrorType.StringMinLength:
      return { field, rule: 'min_length', minimum: schema.minLength, reason: `${label} must be longer than or equal to ${schema.minLength} characters` };
    case ValueErrorType.StringMaxLength:
      return { field, rule: 'max_length', maximum: schema.maxLength, reason: `${label} must be shorter than or equal to ${schema.maxLength} characters` };
    case ValueErrorType.ArrayMinItems:
      return { field, rule: 'min_items', minimum: schema.minItems, reason: `${label} must contain at least ${schema.minItems} items` };
    case ValueErrorType.ArrayMaxItems:
      return { field, rule: 'max_items', maximum: schema.maxItems, reason: `${label} must contain at most ${schema.maxItems} items` };
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return { field, rule: 'min', minimum: schema.minimum, reason: `${label} must be greater than or equal to ${schema.minimum}` };
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return { field, rule: 'max', maximum: schema.maximum, reason: `${label} must be less than or equal to ${schema.maximum}` };
    case ValueErrorType.StringFormat:
      return { field, rule: schema.format === 'uuid' ? 'is_uuid' : 'invalid', reason: `${label} must be a valid ${schema.format}` };
    case ValueErrorType.StringPattern:
      return { field, rule: 'matches_regex', reason: `${label} must match the pattern ${schema.pattern}` };
    case ValueErrorType.Literal:
    case ValueErrorType.Union: {
      const choices = enumChoices(schema);
      if (choices) return { field, rule: 'enum', choices, reason: `${label} must be one of the following values: ${choices.join(', ')}` };
      const typed = nullableMember(schema);
      if (typed) return { field, rule: typed[0], reason: `${label} must be ${typed[1]}` };
      return { field, rule: 'invalid', reason: `${label} is invalid` };
    }
    case ValueErrorType.ArrayUniqueItems:
      return { field, rule: 'invalid', reason: `${label} must not contain duplicates` };
    default: {
      const typeRule = TYPE_RULES[error.type];
      if (typeRule) return { field, rule: typeRule[0], reason: `${label} must be ${typeRule[1]}` };
      return { field, rule: 'invalid', reason: `${label}: ${error.message}` };
    }
  }
}

const JSON_TYPES: Record<string, [rule: string, what: string]> = {
  string: ['is_string', 'a string'],
  number: ['is_number', 'a number'],
  integer: ['is_integer', 'an integer number'],
  boolean: ['is_boolean', 'a boolean'],
  array: ['is_array', 'an array'],
  object: ['is_object', 'an object'],
};

// `Nullable(X)` fails as a union; report it as X's type error, which is what the user got wrong.
function nullableMember(schema: Record<string, any>): [string, string] | undefined {
  if (!Array.isArray(schema.anyOf)) return undefined;
  const members = schema.anyOf.filter((s: any) => s.type !== 'null');
  if (members.length !== 1) return undefined;
  const choices = enumChoices(members[0]);
  if (choices) return ['enum', `one of the following values: ${choices.join(', ')}`];
  return JSON_TYPES[members[0].type];
}

function enumChoices(schema: Record<string, any>): unknown[] | undefined {
  if (Array.isArray(schema.anyOf) && schema.anyOf.every((s: any) => 'const' in s)) return schema.anyOf.map((s: any) => s.const);
  if ('const' in schema) return [schema.const];
  return undefined;
}

/**
 * Checks `input` against `schema` and returns a defaulted deep copy or every field error.
 * Errors of a union's branches are folded into one `enum` error for the field.
 * @example validate(routeSchema, { paths: ['/a'] }) // { ok: true, value: { strip_path: true, ... } }
 */
export function validate<S extends TSchema>(schema: S, input: unknown): ValidationResult<Static<S>> {
  const check = compiled(schema);
  const value = Value.Default(schema, structuredClone(input)) as unknown;
  if (check.Check(value)) return { ok: true, value: value as Static<S> };
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(value)) {
    const described = describe(error);
    if (!described) continue;
    // A field reported once is enough: later errors on it repeat the same fault in other words.
    const key = described.field;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(described);
  }
  return { ok: false, errors };
}
