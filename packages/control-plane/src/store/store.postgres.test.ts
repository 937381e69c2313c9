import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresStore } from './postgres.ts';
import { storeCases } from './store.cases.ts';

// Runs the store suite on PostgreSQL. Every store opened gets a schema of its own (gh_test_<random>,
// chosen through the connection's search_path), dropped at the end, so parallel runs never collide.
// Without a reachable server the suite is skipped locally and fails in CI.

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
const reachable: true | Error = await admin.connect().then((): true => true, (err: Error) => {
  void admin.end().catch(() => undefined);
  return err;
});

/** The same URL with `-c search_path=<schema>` appended to its startup options. */
function withSearchPath(base: string, schema: string): string {
  const u = new URL(base);
  const options = u.searchParams.get('options');
  u.searchParams.set('options', `${options ? `${options} ` : ''}-c search_path=${schema}`);
  return u.toString();
}

/** The URL without its password, fit for a test report. */
function redacted(base: string): string {
  const u = new URL(base);
  if (u.password) u.password = '***';
  return u.toString();
}

if (reachable === true) {
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  storeCases('postgres', async () => {
    // Only hex from randomBytes reaches the identifier, so splicing it into DDL is safe.
    const schema = `gh_test_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    await admin.query(`CREATE SCHEMA ${schema}`);
    return openPostgresStore(withSearchPath(url, schema));
  });
} else {
  describe('postgres store', () => {
    const message = `PostgreSQL not reachable at ${redacted(url)} (${reachable.message}); set DATABASE_URL or run in CI`;
    it('connects to PostgreSQL', (t) => {
      if (process.env.CI) throw new Error(message);
      t.skip(message);
    });
  });
}
