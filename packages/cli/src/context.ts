import type { ParseArgsConfig } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { createClient, type Client } from '@gatehouse/api-client';
import { CLI_ERRORS, CliError } from './errors.ts';
import { DEFAULT_PROFILE, profilesPath, readProfiles } from './profiles.ts';

/** What every command gets: streams, flags shared by all commands, and a lazily built API client. */
export interface Context {
  env: NodeJS.ProcessEnv;
  /** --json: machine-readable stdout, no progress on stderr. */
  json: boolean;
  /** The profile name in use (--profile, GATEHOUSE_PROFILE, the current one, or `default`). */
  profile: string;
  out(text: string): void;
  err(text: string): void;
  /** True when stdin and stderr are terminals: a person can answer a question. */
  isInteractive: boolean;
  /** True when stderr is a terminal: progress may redraw in place. */
  isStderrTty: boolean;
  client(): Client;
  ask(question: string): Promise<string>;
}

export type Options = NonNullable<ParseArgsConfig['options']>;
export interface Args { positionals: string[]; values: Record<string, any> }

/** One command, one file: `commands/<noun>/<verb>.ts` exports one of these as default. */
export interface Command {
  summary: string;
  /** Without the leading `gatehouse `: `gateways create <name> [--v0]`. */
  usage: string;
  options?: Options;
  positionals?: { min: number; max: number };
  run(ctx: Context, args: Args): Promise<number | void>;
}

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: Options = {
  json: { type: 'boolean' },
  profile: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function createContext(values: Record<string, any>, io: { env: NodeJS.ProcessEnv; stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream; stdin: NodeJS.ReadStream }): Context {
  const path = profilesPath(io.env);
  let client: Client | undefined;
  const profile = (values.profile as string | undefined) ?? io.env.GATEHOUSE_PROFILE ?? readProfiles(path).current ?? DEFAULT_PROFILE;
  return {
    env: io.env,
    json: Boolean(values.json),
    profile,
    out: (text) => void io.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    err: (text) => void io.stderr.write(text.endsWith('\n') ? text : text + '\n'),
    isInteractive: Boolean(io.stdin.isTTY && io.stderr.isTTY),
    isStderrTty: Boolean(io.stderr.isTTY),
    client() {
      if (client) return client;
      // Flags beat environment variables, which beat the stored profile.
      const stored = readProfiles(path).profiles[profile];
      const url = (values.url as string | undefined) ?? io.env.GATEHOUSE_URL ?? stored?.url;
      const token = (values.token as string | undefined) ?? io.env.GATEHOUSE_TOKEN ?? stored?.token;
      if (!url || !token) {
        throw new CliError(
          CLI_ERRORS.NOT_LOGGED_IN,
          `no API URL and token for profile '${profile}'`,
          'Run `gatehouse login --url <api-url> --token <kpat_...>`, or set GATEHOUSE_URL and GATEHOUSE_TOKEN.',
        );
      }
      client = createClient({ url, token });
      return client;
    },
    async ask(question) {
      const rl = createInterface({ input: io.stdin, output: io.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
