import { createHash } from 'node:crypto';
import type { Consumer, SnapshotCredentials } from '@gatehouse/schema';
import { buildConsumerIndex, type ConsumerIndex } from './consumers.ts';
import { validatePluginConfig } from './schemas.ts';
import { PluginContext, type AnyPlugin, type Headers, type PluginContextInit, type PluginResponse } from './kit.ts';

// Test fixtures for the auth plugins: consumers and credentials without a snapshot, and a driver
// like runPlugin() that hands the plugin a consumer index.

let seq = 0;
const uuid = (): string => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

export const consumer = (username: string | null, customId: string | null = null): Consumer => ({ id: uuid(), created_at: 1, updated_at: 1, tags: null, username, custom_id: customId });

/** Credentials of `c`; basic-auth passwords are hashed as Kong stores them. */
export function credentials(c: Consumer, creds: { keys?: Array<{ key: string; expires_at?: number | null }>; basic?: Array<{ username: string; password: string }>; jwt?: Array<Partial<SnapshotCredentials['jwt'][number]> & { key: string }>; hmac?: Array<{ username: string; secret: string }>; acls?: string[] }): SnapshotCredentials {
  const base = () => ({ id: uuid(), created_at: 1, consumer: { id: c.id }, tags: null });
  return {
    keyAuth: (creds.keys ?? []).map((k) => ({ ...base(), key: k.key, ttl: null, expires_at: k.expires_at ?? null })),
    basicAuth: (creds.basic ?? []).map((b) => ({ ...base(), username: b.username, password: createHash('sha1').update(b.password + c.id).digest('hex') })),
    jwt: (creds.jwt ?? []).map((j) => ({ ...base(), secret: null, rsa_public_key: null, algorithm: 'HS256' as const, ...j })),
    hmacAuth: (creds.hmac ?? []).map((h) => ({ ...base(), ...h })),
    acls: (creds.acls ?? []).map((group) => ({ ...base(), group })),
  };
}

/** A consumer index of `consumers` with their credentials merged. */
export function index(consumers: Consumer[], ...creds: SnapshotCredentials[]): ConsumerIndex {
  const merged: SnapshotCredentials = { keyAuth: [], basicAuth: [], jwt: [], hmacAuth: [], acls: [] };
  for (const c of creds) for (const k of Object.keys(merged) as Array<keyof SnapshotCredentials>) (merged[k] as unknown[]).push(...c[k]);
  return buildConsumerIndex({ consumers, consumerGroups: [], credentials: merged });
}

export interface AuthRequest extends Partial<Omit<PluginContextInit, 'headers'>> {
  headers?: Headers;
  /** A context to continue with (a second auth plugin after a first). */
  ctx?: PluginContext;
}

/** Runs `plugin`'s access with `consumers` as the snapshot's consumer index. */
export async function runAuth(plugin: AnyPlugin, config: unknown, consumers: ConsumerIndex, request: AuthRequest = {}): Promise<{ ctx: PluginContext; response: PluginResponse | null }> {
  const valid = validatePluginConfig(plugin.name, config);
  if (!valid.ok) throw new Error(`invalid ${plugin.name} config: ${JSON.stringify(valid.errors)}`);
  const state = plugin.compile ? plugin.compile(valid.value, { gatewayId: 'test', consumers }) : valid.value;
  const rawPath = request.rawPath ?? request.path ?? '/';
  const ctx =
    request.ctx ??
    new PluginContext({
      requestId: 'r',
      clientIp: request.clientIp ?? '127.0.0.1',
      scheme: 'http',
      host: 'example.test',
      method: request.method ?? 'GET',
      rawPath,
      path: request.path ?? rawPath,
      query: request.query ?? null,
      headers: { ...request.headers },
      body: request.body ?? null,
    });
  const response = (await plugin.access!(ctx, state)) ?? null;
  return { ctx, response };
}
