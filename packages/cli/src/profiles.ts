import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI_ERRORS, CliError } from './errors.ts';

// Profiles live in $XDG_CONFIG_HOME/gatehouse/profiles.json (default ~/.config); the file holds tokens,
// so it is written with mode 0600 in a 0700 directory.

export interface Profile { url: string; token: string }
export interface ProfilesFile { current?: string; profiles: Record<string, Profile> }

export const DEFAULT_PROFILE = 'default';

export function profilesPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'gatehouse', 'profiles.json');
}

export function readProfiles(path: string): ProfilesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { profiles: {} };
  }
  let parsed: Partial<ProfilesFile>;
  try {
    parsed = JSON.parse(text) as Partial<ProfilesFile>;
  } catch {
    throw new CliError(CLI_ERRORS.FILE, `${path} is not valid JSON`, 'Fix or delete that file, then run `gatehouse login` again.');
  }
  return { current: parsed.current, profiles: parsed.profiles ?? {} };
}

export function writeProfiles(path: string, file: ProfilesFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; an older file keeps its mode otherwise.
  chmodSync(path, 0o600);
}
