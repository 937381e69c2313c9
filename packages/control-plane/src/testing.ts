import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createApp } from './app.ts';
import { loadConfig, type PlatformConfig } from './config.ts';
import { createEvents } from './events.ts';
import type { AppContext } from './context.ts';
import { openSqliteStore } from './store/sqlite.ts';
import { ensureAdminToken } from './auth.ts';

export const TEST_TOKEN = 'kpat_testtokentesttokentesttokentesttokentesttoken01';

export interface TestApi {
  app: FastifyInstance;
  ctx: AppContext;
  token: string;
  /** Sends one authenticated request through the app (no sockets) and parses a JSON body. */
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: any; raw: string }>;
  close(): Promise<void>;
}

/**
 * The control-plane API on an in-memory SQLite store with a known admin token, for API tests.
 * @example
 * const api = await startTestApi(); t.after(() => api.close());
 * const res = await api.request('POST', '/v2/control-planes', { name: 'a' });
 */
export async function startTestApi(overrides: Partial<PlatformConfig> = {}): Promise<TestApi> {
  const store = await openSqliteStore(':memory:');
  const config = { ...loadConfig({}), dataDir: '/nonexistent', ...overrides };
  await ensureAdminToken(store, TEST_TOKEN);
  const ctx: AppContext = { store, config, events: createEvents(), logger: pino({ level: 'silent' }), version: '0.0.0-test' };
  const app = await createApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    token: TEST_TOKEN,
    async request(method, url, body, headers = {}) {
      const hasBody = body !== undefined;
      const res = await app.inject({
        method: method as any,
        url,
        headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(hasBody && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
        payload: hasBody ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
      });
      let parsed: unknown;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, headers: res.headers, body: parsed, raw: res.body };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
