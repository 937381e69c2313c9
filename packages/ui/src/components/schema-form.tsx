import { useMemo, useState } from 'preact/hooks';
import { fieldErrors, type FieldErrors } from '../api.tsx';

// Forms generated from the JSON Schemas the API validates with: one input per leaf of the schema,
// fieldsets for nested objects, and the API's errors shown on the field they name.

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

export interface RefOption { id: string; name?: string | null }
/** Options for reference fields (`service`, `route`, `consumer`: `{id}` on the wire). */
export type RefOptions = Partial<Record<'service' | 'route' | 'consumer', RefOption[]>>;

type LeafKind = 'string' | 'number' | 'boolean' | 'enum' | 'lines' | 'enums' | 'json' | 'ref';
interface Leaf { kind: LeafKind; path: string; name: string; schema: JsonSchema; isRequired: boolean; options?: string[] }
interface Group { kind: 'group'; path: string; name: string; schema: JsonSchema; children: Node[]; depth: number }
type Node = Leaf | Group;
type Raw = string | boolean | string[];

const REF_FIELDS = new Set(['service', 'route', 'consumer']);

/**
 * The served schemas describe stored entities: nullable fields are `anyOf: [T, {type: 'null'}]` and
 * enums are `anyOf` of `{const}`. This folds both into the plain shapes the form renders, and keeps
 * "required" only for fields a user must really fill (no default, not nullable).
 */
export function normalizeSchema(schema: JsonSchema): JsonSchema {
  let s: JsonSchema & { const?: unknown; isNullable?: boolean } = { ...schema };
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) {
    const options = alternatives.filter((a) => typeOf(a) !== 'null' || a.properties);
    const isNullable = options.length < alternatives.length;
    const consts = options.filter((a) => 'const' in a);
    if (consts.length > 0 && consts.length === options.length) {
      s = { ...s, type: typeOf(consts[0]) ?? 'string', enum: consts.map((a) => (a as { const: unknown }).const), anyOf: undefined, oneOf: undefined, isNullable };
    } else if (options.length === 1) {
      s = { ...options[0], ...s, type: options[0].type, anyOf: undefined, oneOf: undefined, default: 'default' in s ? s.default : options[0].default, isNullable };
      if (options[0].properties) s.properties = options[0].properties;
      if (options[0].items) s.items = options[0].items;
      if (options[0].enum) s.enum = options[0].enum;
    }
  }
  if (s.items) s.items = normalizeSchema(s.items);
  if (s.properties) {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, prop] of Object.entries(s.properties)) properties[name] = normalizeSchema(prop);
    s.properties = properties;
    s.required = (s.required ?? []).filter((name) => {
      const p = properties[name] as (JsonSchema & { isNullable?: boolean }) | undefined;
      return p !== undefined && p.default === undefined && !p.isNullable;
    });
  }
  return s;
}
const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);
const label = (name: string): string => name.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

function build(schema: JsonSchema, path: string, depth: number, hidden: Set<string>): Node[] {
  const nodes: Node[] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const full = path ? `${path}.${name}` : name;
    if (hidden.has(full)) continue;
    const isRequired = schema.required?.includes(name) ?? false;
    const type = typeOf(prop);
    if (depth === 0 && REF_FIELDS.has(name)) nodes.push({ kind: 'ref', path: full, name, schema: prop, isRequired });
    else if (prop.enum) nodes.push({ kind: 'enum', path: full, name, schema: prop, isRequired, options: prop.enum.map(String) });
    else if (type === 'object' && prop.properties && Object.keys(prop.properties).length > 0) nodes.push({ kind: 'group', path: full, name, schema: prop, children: build(prop, full, depth + 1, hidden), depth });
    else if (type === 'array' && prop.items?.enum) nodes.push({ kind: 'enums', path: full, name, schema: prop, isRequired, options: prop.items.enum.map(String) });
    else if (type === 'array' && ['string', 'number', 'integer'].includes(typeOf(prop.items ?? {}) ?? '')) nodes.push({ kind: 'lines', path: full, name, schema: prop, isRequired });
    else if (type === 'string') nodes.push({ kind: 'string', path: full, name, schema: prop, isRequired });
    else if (type === 'integer' || type === 'number') nodes.push({ kind: 'number', path: full, name, schema: prop, isRequired });
    else if (type === 'boolean') nodes.push({ kind: 'boolean', path: full, name, schema: prop, isRequired });
    else nodes.push({ kind: 'json', path: full, name, schema: prop, isRequired });
  }
  return nodes;
}

const leavesOf = (nodes: Node[]): Leaf[] => nodes.flatMap((n) => (n.kind === 'group' ? leavesOf(n.children) : [n]));

function getIn(obj: any, path: string): unknown {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function setIn(obj: any, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys[keys.length - 1]] = value;
}

function toRaw(leaf: Leaf, value: unknown): Raw {
  if (value === undefined || value === null) {
    if (leaf.kind === 'boolean') return false;
    if (leaf.kind === 'enums') return [];
    return '';
  }
  switch (leaf.kind) {
    case 'boolean': return Boolean(value);
    case 'enums': return Array.isArray(value) ? value.map(String) : [];
    case 'lines': return Array.isArray(value) ? value.join('\n') : String(value);
    case 'json': return JSON.stringify(value, null, 2);
    case 'ref': return typeof value === 'object' ? String((value as { id?: string }).id ?? '') : String(value);
    default: return String(value);
  }
}

/** The wire value of a raw input, or an error message for the field. */
function fromRaw(leaf: Leaf, raw: Raw): { value?: unknown; error?: string } {
  switch (leaf.kind) {
    case 'boolean': return { value: raw === true };
    case 'enums': return { value: raw };
    case 'lines': {
      const items = String(raw).split('\n').map((s) => s.trim()).filter(Boolean);
      const itemType = typeOf(leaf.schema.items ?? {});
      return { value: itemType === 'integer' || itemType === 'number' ? items.map(Number) : items };
    }
    case 'number': {
      const n = Number(raw);
      return Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    case 'json':
      try {
        return { value: JSON.parse(String(raw)) };
      } catch {
        return { error: 'must be valid JSON' };
      }
    case 'ref': return { value: { id: raw } };
    default: return { value: raw };
  }
}

const isBlank = (leaf: Leaf, raw: Raw): boolean => (leaf.kind === 'boolean' ? false : Array.isArray(raw) ? raw.length === 0 : String(raw).trim() === '');

export interface SchemaFormProps {
  schema: JsonSchema;
  /** The entity being edited; absent when creating. */
  initial?: Record<string, unknown>;
  /** Top-level fields shown first; the others go under "More settings". All when absent. */
  primary?: string[];
  /** Dotted paths never shown (ids, timestamps). */
  hidden?: string[];
  refs?: RefOptions;
  submitLabel: string;
  idPrefix: string;
  /** Sends the body; throws the API error, which the form shows on its fields. */
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  onCancel?: () => void;
}

/**
 * A form for one JSON Schema object. On create it sends the fields the user filled in or changed (and
 * required ones); on edit only the changed ones (a cleared field is sent as null).
 */
export function SchemaForm(props: SchemaFormProps) {
  const { schema, initial, idPrefix } = props;
  const nodes = useMemo(() => build(normalizeSchema(schema), '', 0, new Set(props.hidden ?? [])), [schema, props.hidden]);
  const leaves = useMemo(() => leavesOf(nodes), [nodes]);
  const start = useMemo(() => Object.fromEntries(leaves.map((l) => [l.path, toRaw(l, initial ? getIn(initial, l.path) : l.schema.default)])), [leaves, initial]);
  const [values, setValues] = useState<Record<string, Raw>>(start);
  const [errors, setErrors] = useState<FieldErrors>({ fields: {}, form: [] });
  const [isBusy, setBusy] = useState(false);

  const paths = new Set([...leaves.map((l) => l.path), ...groupPaths(nodes)]);
  // An error lands on the field it names, else on its nearest shown ancestor, else on the form.
  const placed: Record<string, string[]> = {};
  const formErrors = [...errors.form];
  for (const [field, messages] of Object.entries(errors.fields)) {
    let target: string | undefined = field;
    while (target && !paths.has(target)) target = target.includes('.') ? target.slice(0, target.lastIndexOf('.')) : undefined;
    if (target) (placed[target] ??= []).push(...messages);
    else formErrors.push(...messages.map((m) => `${field}: ${m}`));
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    const local: FieldErrors = { fields: {}, form: [] };
    for (const leaf of leaves) {
      const raw = values[leaf.path];
      const isChanged = JSON.stringify(raw) !== JSON.stringify(start[leaf.path]);
      if (initial) {
        if (!isChanged) continue;
        if (isBlank(leaf, raw)) {
          setIn(body, leaf.path, null);
          continue;
        }
      } else if (isBlank(leaf, raw) || (!isChanged && !leaf.isRequired)) continue; // Untouched: the API applies its default.
      const { value, error } = fromRaw(leaf, raw);
      if (error) local.fields[leaf.path] = [error];
      else setIn(body, leaf.path, value);
    }
    if (Object.keys(local.fields).length > 0) return setErrors(local);
    setBusy(true);
    setErrors({ fields: {}, form: [] });
    try {
      await props.onSubmit(body);
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  };

  const ctx: RenderCtx = { values, setValue: (path, raw) => setValues((v) => ({ ...v, [path]: raw })), placed, idPrefix, refs: props.refs ?? {} };
  const primary = props.primary;
  const first = primary ? nodes.filter((n) => primary.includes(n.path)).sort((a, b) => primary.indexOf(a.path) - primary.indexOf(b.path)) : nodes;
  const rest = primary ? nodes.filter((n) => !primary.includes(n.path)) : [];
  const restHasError = rest.some((n) => Object.keys(placed).some((p) => p === n.path || p.startsWith(`${n.path}.`)));

  return (
    <form class="schema-form" onSubmit={submit} noValidate>
      {formErrors.length > 0 && (
        <div class="alert" role="alert">
          {formErrors.map((m) => <p key={m}>{m}</p>)}
        </div>
      )}
      {first.map((n) => renderNode(n, ctx))}
      {rest.length > 0 && (
        <details class="more" open={restHasError}>
          <summary>More settings</summary>
          {rest.map((n) => renderNode(n, ctx))}
        </details>
      )}
      <div class="actions">
        {props.onCancel && <button type="button" class="secondary" onClick={props.onCancel}>Cancel</button>}
        <button type="submit" disabled={isBusy}>{isBusy ? 'Saving…' : props.submitLabel}</button>
      </div>
    </form>
  );
}

function groupPaths(nodes: Node[]): string[] {
  return nodes.flatMap((n) => (n.kind === 'group' ? [n.path, ...groupPaths(n.children)] : []));
}

interface RenderCtx {
  values: Record<string, Raw>;
  setValue: (path: string, raw: Raw) => void;
  placed: Record<string, string[]>;
  idPrefix: string;
  refs: RefOptions;
}

const fieldId = (ctx: RenderCtx, path: string): string => `${ctx.idPrefix}-${path.replace(/\./g, '-')}`;

function renderNode(node: Node, ctx: RenderCtx) {
  if (node.kind === 'group') {
    const errs = ctx.placed[node.path];
    const hasValues = leavesOf(node.children).some((l) => l.kind !== 'boolean' && !isBlank(l, ctx.values[l.path]));
    const hasErrors = Object.keys(ctx.placed).some((p) => p.startsWith(`${node.path}.`)) || Boolean(errs);
    return (
      <details class="group" key={node.path} open={node.depth === 0 || hasValues || hasErrors} data-field={node.path}>
        <summary>{label(node.name)}</summary>
        {node.schema.description && <p class="hint">{node.schema.description}</p>}
        {errs && <ErrorList id={`${fieldId(ctx, node.path)}-err`} messages={errs} />}
        {node.children.map((c) => renderNode(c, ctx))}
      </details>
    );
  }
  return <Field key={node.path} leaf={node} ctx={ctx} />;
}

function ErrorList({ id, messages }: { id: string; messages: string[] }) {
  return (
    <ul class="field-error" id={id}>
      {messages.map((m) => <li key={m}>{m}</li>)}
    </ul>
  );
}

function Field({ leaf, ctx }: { leaf: Leaf; ctx: RenderCtx }) {
  const id = fieldId(ctx, leaf.path);
  const raw = ctx.values[leaf.path];
  const errs = ctx.placed[leaf.path];
  const hint = leaf.kind === 'lines' ? 'One per line.' : leaf.kind === 'json' ? 'JSON.' : '';
  const description = [leaf.schema.description, hint].filter(Boolean).join(' ');
  const describedBy = [description && `${id}-hint`, errs && `${id}-err`].filter(Boolean).join(' ') || undefined;
  const common = { id, name: leaf.path, 'aria-invalid': errs ? true : undefined, 'aria-describedby': describedBy, 'aria-required': leaf.isRequired || undefined };
  const set = (v: Raw) => ctx.setValue(leaf.path, v);
  const text = (e: Event) => set((e.currentTarget as HTMLInputElement).value);

  let control;
  switch (leaf.kind) {
    case 'boolean':
      control = <input type="checkbox" {...common} checked={raw === true} onChange={(e) => set((e.currentTarget as HTMLInputElement).checked)} />;
      break;
    case 'enum':
      control = (
        <select {...common} value={String(raw)} onChange={text}>
          <option value="">—</option>
          {leaf.options!.map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      );
      break;
    case 'ref': {
      const options = ctx.refs[leaf.name as keyof RefOptions] ?? [];
      control = (
        <select {...common} value={String(raw)} onChange={text}>
          <option value="">None</option>
          {options.map((o) => <option key={o.id} value={o.id}>{o.name || o.id}</option>)}
        </select>
      );
      break;
    }
    case 'enums':
      return (
        <fieldset class="field checks" data-field={leaf.path} aria-describedby={describedBy}>
          <legend>{label(leaf.name)}</legend>
          {leaf.options!.map((o) => (
            <label key={o} class="check">
              <input type="checkbox" name={leaf.path} value={o} checked={(raw as string[]).includes(o)} onChange={(e) => {
                const on = (e.currentTarget as HTMLInputElement).checked;
                set(on ? [...(raw as string[]), o] : (raw as string[]).filter((x) => x !== o));
              }} /> {o}
            </label>
          ))}
          {description && <p class="hint" id={`${id}-hint`}>{description}</p>}
          {errs && <ErrorList id={`${id}-err`} messages={errs} />}
        </fieldset>
      );
    case 'lines':
    case 'json':
      control = <textarea {...common} rows={leaf.kind === 'json' ? 4 : 2} spellcheck={false} value={String(raw)} onInput={text} />;
      break;
    case 'number':
      control = <input type="number" inputMode="numeric" {...common} value={String(raw)} min={leaf.schema.minimum} max={leaf.schema.maximum} onInput={text} />;
      break;
    default:
      control = <input type={leaf.schema.format === 'password' ? 'password' : 'text'} {...common} value={String(raw)} onInput={text} autoComplete="off" spellcheck={false} />;
  }
  return (
    <div class={`field field-${leaf.kind}`} data-field={leaf.path}>
      <label for={id}>{label(leaf.name)}</label>
      {leaf.isRequired && <span class="req" aria-hidden="true"> *</span>}
      {control}
      {description && <p class="hint" id={`${id}-hint`}>{description}</p>}
      {errs && <ErrorList id={`${id}-err`} messages={errs} />}
    </div>
  );
}
