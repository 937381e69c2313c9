import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Snapshot } from '@gatehouse/schema';

// HTTPS by SNI for many gateways: each snapshot's certificates and SNIs compile once into TLS secure
// contexts; the listener's SNICallback only looks the server name up (exact name, then `*.parent`).
// The platform's own certificates (the wildcard for the generated hostnames) come after the gateways'.

interface Entry {
  gatewayId: string;
  context: SecureContext;
}

/**
 * The fleet-wide SNI table. A gateway's names are replaced whole when its snapshot is applied.
 * @example
 * const table = createSniTable();
 * table.apply(snapshot);
 * table.lookup('api.example.com'); // SecureContext of the SNI 'api.example.com' or '*.example.com'
 */
export function createSniTable() {
  const byName = new Map<string, Entry>();
  const namesOf = new Map<string, string[]>();
  let platform = new Map<string, SecureContext>();

  function remove(gatewayId: string): void {
    for (const name of namesOf.get(gatewayId) ?? []) if (byName.get(name)?.gatewayId === gatewayId) byName.delete(name);
    namesOf.delete(gatewayId);
  }

  return {
    /** Compiles the snapshot's SNIs (throws on a bad PEM, leaving the table unchanged). */
    apply(snapshot: Pick<Snapshot, 'gatewayId' | 'certificates' | 'snis'>): void {
      const contexts = new Map<string, SecureContext>();
      for (const c of snapshot.certificates ?? []) {
        const cert = c.cert_alt ? [c.cert, c.cert_alt] : c.cert;
        const key = c.key_alt && c.key_alt !== null ? [c.key, c.key_alt] : c.key;
        contexts.set(c.id, createSecureContext({ cert, key }));
      }
      const next: [string, Entry][] = [];
      for (const sni of snapshot.snis ?? []) {
        const context = contexts.get(sni.certificate.id);
        if (context) next.push([sni.name.toLowerCase(), { gatewayId: snapshot.gatewayId, context }]);
      }
      remove(snapshot.gatewayId);
      for (const [name, entry] of next) {
        // One name belongs to one gateway; the control plane keeps custom domains unique.
        if (!byName.has(name)) byName.set(name, entry);
      }
      namesOf.set(snapshot.gatewayId, next.map(([name]) => name));
    },
    remove,
    /**
     * Replaces the platform's certificates, served for the DNS names of their subjectAltName when no
     * gateway has a certificate for the name (throws on a bad PEM, leaving the table unchanged).
     */
    setPlatform(certificates: readonly { cert: string; key: string }[]): void {
      const next = new Map<string, SecureContext>();
      for (const pair of certificates) {
        const context = createSecureContext({ cert: pair.cert, key: pair.key });
        const names = new X509Certificate(pair.cert).subjectAltName ?? '';
        for (const entry of names.split(', ')) if (entry.startsWith('DNS:')) next.set(entry.slice(4).toLowerCase(), context);
      }
      platform = next;
    },
    lookup(serverName: string): SecureContext | undefined {
      const name = serverName.toLowerCase();
      const exact = byName.get(name);
      if (exact) return exact.context;
      const dot = name.indexOf('.');
      const wildcard = dot === -1 ? undefined : `*${name.slice(dot)}`;
      if (wildcard !== undefined) {
        const entry = byName.get(wildcard);
        if (entry) return entry.context;
      }
      return platform.get(name) ?? (wildcard === undefined ? undefined : platform.get(wildcard));
    },
  };
}

export type SniTable = ReturnType<typeof createSniTable>;
