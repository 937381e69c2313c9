import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { CLI_ERRORS, CliError } from '../errors.ts';

// Reading a declarative file: decK's `${{ env "DECK_X" }}` substitution on the raw text, then YAML
// (JSON is YAML) with a line counter so every later error can name the line it is about.

export type Path = (string | number)[];

export interface Source {
  file: string;
  data: unknown;
  /** 1-based line of the value (or, with `key`, of the key) at `path`, or undefined if absent. */
  lineOf(path: Path, key?: boolean): number | undefined;
}

/** A file problem: `<file>:<line>: <message>`, exit 1, nothing changed. */
export const fileError = (file: string, line: number | undefined, message: string, hint = 'Fix the file and run the command again; nothing was changed.'): CliError =>
  new CliError(CLI_ERRORS.FILE, `${file}${line ? `:${line}` : ''}: ${message}`, hint);

// decK renders files as Go templates with only `env`, and only for DECK_-prefixed variables
// (decK docs, "Environment variables"); anything else in ${{ }} is left to fail as decK's does.
const ENV_PATTERN = /\$\{\{\s*env\s+"([^"]*)"\s*\}\}/g;

export function substituteEnv(text: string, file: string, env: NodeJS.ProcessEnv): string {
  return text.replace(ENV_PATTERN, (_match, name: string, offset: number) => {
    const line = text.slice(0, offset).split('\n').length;
    if (!name.startsWith('DECK_')) throw fileError(file, line, `environment variable '${name}' must be prefixed with DECK_ (as in decK)`, `Rename it to DECK_${name} and export it.`);
    const value = env[name];
    if (value === undefined) throw fileError(file, line, `environment variable ${name} is not set`, `Export it (export ${name}=...) and run the command again; nothing was changed.`);
    return value;
  });
}

export function readSource(file: string, env: NodeJS.ProcessEnv): Source {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(CLI_ERRORS.FILE, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check the path given to -f.');
  }
  return parseSource(substituteEnv(text, file, env), file);
}

export function parseSource(text: string, file: string): Source {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0].line ?? lineCounter.linePos(problem.pos[0]).line;
    throw fileError(file, line, `invalid YAML: ${problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return { file, data: doc.toJS(), lineOf: (path, key) => lineAt(doc, lineCounter, path, key) };
}

function lineAt(doc: Document, lines: LineCounter, path: Path, key = false): number | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return undefined;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      keyNode = undefined;
    } else return undefined;
  }
  const target = (key && keyNode ? keyNode : node) as { range?: [number, number, number] } | undefined;
  return target?.range ? lines.linePos(target.range[0]).line : undefined;
}
