import type { Command } from './context.ts';

// Every command, by its words. Loaded on demand so `gatehouse login` does not parse the YAML code.
type Loader = () => Promise<{ default: Command }>;

export const COMMANDS: Record<string, Loader> = {
  login: () => import('./commands/login.ts'),
  'gateways create': () => import('./commands/gateways/create.ts'),
  'gateways list': () => import('./commands/gateways/list.ts'),
  'gateways get': () => import('./commands/gateways/get.ts'),
  'gateways delete': () => import('./commands/gateways/delete.ts'),
};
