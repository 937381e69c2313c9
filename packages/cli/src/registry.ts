import type { Command } from './context.ts';

// Every command, by its words. Loaded on demand so `gatehouse login` does not parse the YAML code.
type Loader = () => Promise<{ default: Command }>;

export const COMMANDS: Record<string, Loader> = {
  start: () => import('./commands/start.ts'),
  login: () => import('./commands/login.ts'),
  'gateways create': () => import('./commands/gateways/create.ts'),
  'gateways list': () => import('./commands/gateways/list.ts'),
  'gateways get': () => import('./commands/gateways/get.ts'),
  'gateways delete': () => import('./commands/gateways/delete.ts'),
  'services list': () => import('./commands/services/list.ts'),
  'services get': () => import('./commands/services/get.ts'),
  'services create': () => import('./commands/services/create.ts'),
  'services delete': () => import('./commands/services/delete.ts'),
  'routes list': () => import('./commands/routes/list.ts'),
  'routes get': () => import('./commands/routes/get.ts'),
  'routes create': () => import('./commands/routes/create.ts'),
  'routes delete': () => import('./commands/routes/delete.ts'),
  'plugins list': () => import('./commands/plugins/list.ts'),
  'plugins get': () => import('./commands/plugins/get.ts'),
  'plugins create': () => import('./commands/plugins/create.ts'),
  'plugins delete': () => import('./commands/plugins/delete.ts'),
  'consumers list': () => import('./commands/consumers/list.ts'),
  'consumers get': () => import('./commands/consumers/get.ts'),
  'consumers create': () => import('./commands/consumers/create.ts'),
  'consumers delete': () => import('./commands/consumers/delete.ts'),
  'domains add': () => import('./commands/domains/add.ts'),
  'domains status': () => import('./commands/domains/status.ts'),
  'domains remove': () => import('./commands/domains/remove.ts'),
  'domains list': () => import('./commands/domains/list.ts'),
  nodes: () => import('./commands/nodes.ts'),
  'data-plane': () => import('./commands/data-plane.ts'),
  apply: () => import('./commands/apply.ts'),
  diff: () => import('./commands/diff.ts'),
  dump: () => import('./commands/dump.ts'),
  migrate: () => import('./commands/migrate.ts'),
};
