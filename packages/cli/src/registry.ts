import type { Command } from './context.ts';

// Every command, by its words. Loaded on demand so `gatehouse login` does not parse the YAML code.
type Loader = () => Promise<{ default: Command }>;

export const COMMANDS: Record<string, Loader> = {
  login: () => import('./commands/login.ts'),
};
