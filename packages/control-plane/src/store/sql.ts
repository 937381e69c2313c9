// The seam between the query code (queries/*.ts, written once) and the two drivers. A driver hands the
// queries an Executor; the few places where SQLite and PostgreSQL spell things differently go through
// its Dialect. Every value reaches the database as a bound parameter, never spliced into SQL text.

export type SqlRow = Record<string, unknown>;

export interface Dialect {
  readonly kind: 'sqlite' | 'postgres';
  /** Placeholder of the n-th (1-based) parameter: `?` or `$n`. */
  placeholder(n: number): string;
  /** Bound value of a JSON column; `fromJson` reads it back (TEXT on SQLite, JSONB on PostgreSQL). */
  toJson(value: unknown): unknown;
  fromJson(value: unknown): unknown;
  /** Bound value of a list used by `inList`, `tagsAll` and `tagsAny`. */
  toList(values: readonly string[]): unknown;
  /** `column` is one of the values of the list bound at placeholder `p`. */
  inList(column: string, p: string): string;
  /** body.<key>.id as text, `pathParam` bound to the result of `refPath(key)`. */
  refPath(key: string): string;
  refId(pathParam: string): string;
  /** body.tags holds every / any of the tags of the list bound at `p`. */
  tagsAll(p: string): string;
  tagsAny(p: string): string;
  /** `column` contains the text bound at `p`, ignoring ASCII case. */
  contains(column: string, p: string): string;
}

export interface WriteResult {
  changes: number;
  /** `table.column` of the unique constraint the write ran into, e.g. 'entities.name'; else null. */
  conflict: string | null;
}

export interface Executor {
  readonly dialect: Dialect;
  all(sql: string, params: readonly unknown[]): Promise<SqlRow[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params: readonly unknown[]): Promise<number>;
  /**
   * Runs a write that may violate a unique constraint and reports the violation instead of throwing,
   * leaving an enclosing transaction usable (PostgreSQL needs a savepoint for that).
   */
  tryWrite(sql: string, params: readonly unknown[]): Promise<WriteResult>;
  /** Runs several statements all-or-nothing: a transaction, or a savepoint inside one. */
  atomic<T>(fn: (db: Executor) => Promise<T>): Promise<T>;
}

/** Collects bound parameters while a query is assembled: `sql += ' AND id = ' + p.add(id)`. */
export function params(dialect: Dialect): { values: unknown[]; add(value: unknown): string } {
  const values: unknown[] = [];
  return {
    values,
    add(value) {
      values.push(value);
      return dialect.placeholder(values.length);
    },
  };
}

/** PostgreSQL returns BIGINT and count(*) as strings; SQLite returns numbers. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
