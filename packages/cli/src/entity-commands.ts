import type { ParentRef } from '@gatehouse/api-client';

type CoreEntityType = 'services' | 'routes' | 'plugins' | 'consumers';
import type { Args, Command, Context } from './context.ts';
import { usageError } from './errors.ts';
import { gatewayFlag, resolveGateway } from './gateways.ts';
import { printList, printObject, type Column } from './output.ts';

// services|routes|plugins list|get|create|delete: one generic implementation, one file per command
// (commands/<noun>/<verb>.ts) that picks the entity type. Consumers and credentials join when the
// API serves them.

const SINGULAR: Record<CoreEntityType, string> = { services: 'service', routes: 'route', plugins: 'plugin', consumers: 'consumer' };

// Fields that are arrays of strings, so `paths=/a,/b` means ['/a', '/b'].
const LIST_FIELDS = new Set(['paths', 'hosts', 'methods', 'protocols', 'tags', 'snis', 'ca_certificates']);

const gatewayOption = { gateway: { type: 'string', short: 'g' } } as const;

async function entitiesOf(ctx: Context, values: Args['values']) {
  const client = ctx.client();
  const cp = await resolveGateway(client, gatewayFlag(values));
  return client.entities(cp.id);
}

// Which commands take --service and --route to scope a list or a create.
const takesService = (type: CoreEntityType) => type === 'routes' || type === 'plugins';

function parentOf(type: CoreEntityType, values: Args['values']): ParentRef | undefined {
  if (takesService(type) && values.service) return { type: 'services', idOrName: values.service as string };
  if (type === 'plugins' && values.route) return { type: 'routes', idOrName: values.route as string };
  return undefined;
}

const idOf = (ref: { id: string } | null | undefined): string | null => ref?.id ?? null;

function columnsFor(type: CoreEntityType, names: Map<string, string>): Column<any>[] {
  const ref = (r: { id: string } | null) => (r ? (names.get(r.id) ?? r.id) : null);
  if (type === 'services') {
    return [['NAME', (s) => s.name], ['ID', (s) => s.id], ['PROTOCOL', (s) => s.protocol], ['HOST', (s) => s.host], ['PORT', (s) => s.port], ['PATH', (s) => s.path], ['TAGS', (s) => s.tags]];
  }
  if (type === 'consumers') return [['USERNAME', (c) => c.username], ['CUSTOM ID', (c) => c.custom_id], ['ID', (c) => c.id], ['TAGS', (c) => c.tags]];
  if (type === 'routes') {
    return [['NAME', (r) => r.name], ['ID', (r) => r.id], ['SERVICE', (r) => ref(r.service)], ['PATHS', (r) => r.paths], ['HOSTS', (r) => r.hosts], ['METHODS', (r) => r.methods], ['TAGS', (r) => r.tags]];
  }
  const scope = (p: any) => [p.service && `service:${ref(p.service)}`, p.route && `route:${ref(p.route)}`, p.consumer && `consumer:${idOf(p.consumer)}`].filter(Boolean).join(' ') || 'global';
  return [['NAME', (p) => p.name], ['ID', (p) => p.id], ['SCOPE', scope], ['ENABLED', (p) => p.enabled], ['TAGS', (p) => p.tags]];
}

export function listCommand(type: CoreEntityType): Command {
  return {
    summary: `List the ${type} of a gateway.`,
    usage: `${type} list --gateway <name|id>${takesService(type) ? ' [--service <name|id>]' : ''}${type === 'plugins' ? ' [--route <name|id>]' : ''} [--tags a,b] [--json]`,
    options: { ...gatewayOption, tags: { type: 'string' }, ...(takesService(type) ? { service: { type: 'string' } } : {}), ...(type === 'plugins' ? { route: { type: 'string' } } : {}) },
    async run(ctx, { values }) {
      const entities = await entitiesOf(ctx, values);
      const tags = values.tags ? String(values.tags).split(',') : undefined;
      const rows = await entities.all(type, { parent: parentOf(type, values), tags });
      // Show references by name: one listing of services and routes is cheaper than a lookup per row.
      const names = new Map<string, string>();
      if (!ctx.json && takesService(type)) {
        for (const other of ['services', 'routes'] as const) for (const e of await entities.all(other)) if (e.name) names.set(e.id, e.name);
      }
      printList(ctx, rows, columnsFor(type, names), `No ${type}. Add one with \`gatehouse ${type} create\` or \`gatehouse apply -f kong.yaml\`.`);
    },
  };
}

export function getCommand(type: CoreEntityType): Command {
  return {
    summary: `Show one ${SINGULAR[type]} by name or id.`,
    usage: `${type} get <name|id> --gateway <name|id> [--json]`,
    positionals: { min: 1, max: 1 },
    options: gatewayOption,
    async run(ctx, { positionals: [idOrName], values }) {
      const entities = await entitiesOf(ctx, values);
      printObject(ctx, (await entities.get(type, idOrName)) as unknown as Record<string, unknown>);
    },
  };
}

/** `key=value` pairs into a body: dotted keys nest, list fields split on commas, JSON values parse. */
export function parseAssignments(pairs: string[], usage: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`expected key=value, got '${pair}'`, usage);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    const path = key.split('.');
    const last = path.at(-1)!;
    if (LIST_FIELDS.has(last) && !Array.isArray(value)) value = raw === '' ? [] : raw.split(',');
    let target = body;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[last] = value;
  }
  return body;
}

export function createCommand(type: CoreEntityType): Command {
  const example = type === 'services' ? 'name=httpbin url=http://httpbin.org' : type === 'consumers' ? 'username=bob' : type === 'routes' ? 'name=r1 paths=/v1 --service httpbin' : 'name=request-transformer config.add.headers=x-a:1 --route r1';
  const usage = `${type} create --gateway <name|id> (--data '<json>' | key=value ...)${takesService(type) ? ' [--service <name|id>]' : ''}${type === 'plugins' ? ' [--route <name|id>]' : ''}\n  e.g. gatehouse ${type} create --gateway shop ${example}`;
  return {
    summary: `Create a ${SINGULAR[type]} from --data JSON or key=value pairs.`,
    usage,
    positionals: { min: 0, max: 100 },
    options: { ...gatewayOption, data: { type: 'string', short: 'd' }, ...(takesService(type) ? { service: { type: 'string' } } : {}), ...(type === 'plugins' ? { route: { type: 'string' } } : {}) },
    async run(ctx, { positionals, values }) {
      let body: Record<string, unknown>;
      if (values.data !== undefined) {
        if (positionals.length > 0) throw usageError('pass either --data or key=value pairs, not both', usage);
        try {
          body = JSON.parse(values.data as string);
        } catch (error) {
          throw usageError(`--data is not valid JSON (${(error as Error).message})`, usage);
        }
        if (!body || typeof body !== 'object' || Array.isArray(body)) throw usageError('--data must be a JSON object', usage);
      } else {
        if (positionals.length === 0) throw usageError(`nothing to create: pass --data '<json>' or key=value pairs`, usage);
        body = parseAssignments(positionals, usage);
      }
      const entities = await entitiesOf(ctx, values);
      const created = await entities.create(type, body, parentOf(type, values));
      if (ctx.json) return ctx.out(JSON.stringify(created, null, 2));
      ctx.out(`Created ${SINGULAR[type]} ${(created as any).name ?? (created as any).username ?? ''} (${created.id}).`.replace('  ', ' '));
    },
  };
}

export function deleteCommand(type: CoreEntityType): Command {
  return {
    summary: `Delete a ${SINGULAR[type]} by name or id.`,
    usage: `${type} delete <name|id> --gateway <name|id>`,
    positionals: { min: 1, max: 1 },
    options: gatewayOption,
    async run(ctx, { positionals: [idOrName], values }) {
      const entities = await entitiesOf(ctx, values);
      // DELETE answers 204 even when nothing matched (Kong), so look it up first to report a typo.
      const entity = await entities.get(type, idOrName);
      await entities.delete(type, entity.id);
      if (ctx.json) ctx.out(JSON.stringify({ deleted: entity.id }));
      else ctx.out(`Deleted ${SINGULAR[type]} ${idOrName} (${entity.id}).`);
    },
  };
}
