import { Pool } from 'undici';
import type { Service } from '@gatehouse/schema';

// undici Pools, one per upstream origin and connect timeout, shared by every snapshot that uses them
// and reference-counted: a snapshot swap keeps warm keep-alive connections, and a pool closes once
// the last snapshot using it has been retired (after its in-flight requests).

interface Entry {
  pool: Pool;
  refs: number;
}

export interface PoolRegistry {
  /** The pool for a service's origin; every acquire needs a matching release. */
  acquire(service: Service): { key: string; pool: Pool };
  release(key: string): void;
  closeAll(): Promise<void>;
  readonly size: number;
}

/** Brackets IPv6 literals for a URL origin. */
const originHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

export function createPoolRegistry(): PoolRegistry {
  const pools = new Map<string, Entry>();
  return {
    get size() {
      return pools.size;
    },
    acquire(service) {
      const origin = `${service.protocol}://${originHost(service.host)}:${service.port}`;
      const verify = service.tls_verify === true;
      const key = `${origin}|${service.connect_timeout}|${verify}`;
      let entry = pools.get(key);
      if (entry === undefined) {
        const pool = new Pool(origin, {
          // Kong speaks HTTP/1.1 to http(s) services (proxy_http_version 1.1).
          allowH2: false,
          connect: {
            timeout: service.connect_timeout,
            // nginx's proxy_ssl_verify is off unless the service sets tls_verify.
            rejectUnauthorized: verify,
            servername: service.protocol === 'https' && !/^[\d.:[\]]+$/.test(service.host) ? service.host : undefined,
          },
          keepAliveTimeout: 60_000,
        });
        entry = { pool, refs: 0 };
        pools.set(key, entry);
      }
      entry.refs++;
      return { key, pool: entry.pool };
    },
    release(key) {
      const entry = pools.get(key);
      if (entry === undefined) return;
      if (--entry.refs > 0) return;
      pools.delete(key);
      entry.pool.close().catch(() => entry.pool.destroy());
    },
    async closeAll() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((e) => e.pool.close().catch(() => e.pool.destroy())));
    },
  };
}
