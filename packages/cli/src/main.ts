import { parseArgs } from 'node:util';
import { ApiError } from '@gatehouse/api-client';
import { GLOBAL_OPTIONS, createContext, type Command } from './context.ts';
import { CLI_ERRORS, CliError, EXIT, fromApiError, usageError } from './errors.ts';
import { COMMANDS } from './registry.ts';

// `gatehouse <noun> <verb> [args]`: finds the command, parses its flags with node:util parseArgs,
// runs it, and turns every failure into a message, a next step and an exit code (0, 1, 2).

interface Io { env: NodeJS.ProcessEnv; stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream; stdin: NodeJS.ReadStream }

async function helpText(): Promise<string> {
  const lines = ['Usage: gatehouse <command> [options]', '', 'Commands:'];
  for (const [words, load] of Object.entries(COMMANDS)) {
    const command = (await load()).default;
    lines.push(`  ${words.padEnd(18)} ${command.summary}`);
  }
  lines.push('', 'Options for every command: --json, --profile <name>, --url <api-url>, --token <kpat_...>, --help');
  lines.push('Environment: GATEHOUSE_URL, GATEHOUSE_TOKEN, GATEHOUSE_PROFILE override the stored profile.');
  return lines.join('\n');
}

function findCommand(argv: string[]): { words: string; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(' ');
  if (COMMANDS[two]) return { words: two, rest: argv.slice(2) };
  if (argv[0] && COMMANDS[argv[0]]) return { words: argv[0], rest: argv.slice(1) };
  return undefined;
}

/** Runs one invocation and returns its exit code; never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  const write = (text: string) => io.stderr.write(text.endsWith('\n') ? text : text + '\n');
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write((await helpText()) + '\n');
    return argv.length === 0 ? EXIT.USAGE : EXIT.OK;
  }
  const found = findCommand(argv);
  if (!found) {
    const nouns = new Set(Object.keys(COMMANDS).map((k) => k.split(' ')[0]));
    const hint = nouns.has(argv[0])
      ? `Try one of: ${Object.keys(COMMANDS).filter((k) => k.startsWith(argv[0] + ' ')).map((k) => `gatehouse ${k}`).join(', ')}.`
      : 'Run `gatehouse help` to see every command.';
    write(`Error: unknown command '${argv.slice(0, 2).join(' ')}'.\n${hint}`);
    return EXIT.USAGE;
  }
  const command: Command = (await COMMANDS[found.words]()).default;
  let parsed: { values: Record<string, any>; positionals: string[] };
  try {
    parsed = parseArgs({ args: found.rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    return report(usageError((error as Error).message.replace(/\. To specify.*$/s, '.'), command.usage), write);
  }
  if (parsed.values.help) {
    io.stdout.write(`${command.summary}\n\nUsage: gatehouse ${command.usage}\n`);
    return EXIT.OK;
  }
  const { min, max } = command.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min) return report(usageError(`missing argument for '${found.words}'`, command.usage), write);
  if (parsed.positionals.length > max) return report(usageError(`unexpected argument '${parsed.positionals[max]}'`, command.usage), write);
  try {
    const ctx = createContext(parsed.values, io);
    const code = await command.run(ctx, parsed);
    return typeof code === 'number' ? code : EXIT.OK;
  } catch (error) {
    return report(error, write);
  }
}

function report(error: unknown, write: (text: string) => void): number {
  const cli = error instanceof CliError ? error : error instanceof ApiError ? fromApiError(error) : undefined;
  if (cli) {
    write(`Error: ${cli.message}\n${cli.hint}`);
    return cli.exitCode;
  }
  write(`Error: ${(error as Error)?.stack ?? String(error)}\nThis is a bug in gatehouse (${CLI_ERRORS.API}); please report it with the command you ran.`);
  return EXIT.FAILURE;
}

if (import.meta.main) {
  process.exitCode = await run(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
}
