import type { Context } from './context.ts';

// Tables for people, JSON for scripts (--json). Tables are plain aligned columns so they survive
// copy-paste and `grep`.

export type Column<T> = [header: string, value: (row: T) => unknown];

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** Aligned columns with a header row. */
export function formatTable<T>(rows: T[], columns: Column<T>[]): string {
  const matrix = [columns.map(([h]) => h), ...rows.map((row) => columns.map(([, get]) => cell(get(row))))];
  const widths = columns.map((_, i) => Math.max(...matrix.map((r) => r[i].length)));
  return matrix.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** Prints `rows` as JSON with --json, else as a table (or `empty` when there are none). */
export function printList<T>(ctx: Context, rows: T[], columns: Column<T>[], empty: string): void {
  if (ctx.json) return ctx.out(JSON.stringify(rows, null, 2));
  ctx.out(rows.length === 0 ? empty : formatTable(rows, columns));
}

/** Prints one object as JSON with --json, else as `key: value` lines. */
export function printObject(ctx: Context, value: Record<string, unknown>, fields?: Column<Record<string, unknown>>[]): void {
  if (ctx.json) return ctx.out(JSON.stringify(value, null, 2));
  const rows: [string, unknown][] = fields ? fields.map(([h, get]) => [h, get(value)]) : Object.entries(value);
  const width = Math.max(...rows.map(([k]) => k.length));
  ctx.out(rows.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${cell(v)}`).join('\n'));
}

/**
 * A progress line on stderr: a spinner redrawn in place on a terminal, dots otherwise; silent with --json.
 * @example const p = progress(ctx, 'Waiting for the gateway'); ...; p.done('ready');
 */
export function progress(ctx: Context, label: string) {
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  const started = Date.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const write = (text: string) => (ctx.isStderrTty ? process.stderr.write(text) : undefined);
  if (!ctx.json) {
    if (ctx.isStderrTty) {
      timer = setInterval(() => write(`\r${frames[i++ % frames.length]} ${label}...`), 80);
      timer.unref();
    } else ctx.err(`${label}...`);
  }
  const stop = (mark: string, text: string) => {
    if (timer) clearInterval(timer);
    if (ctx.json) return;
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    if (ctx.isStderrTty) write(`\r\x1b[K${mark} ${label}: ${text} (${elapsed})\n`);
    else ctx.err(`${mark} ${label}: ${text} (${elapsed})`);
  };
  return { done: (text: string) => stop('✓', text), fail: (text: string) => stop('✗', text) };
}
