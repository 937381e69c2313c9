import { newId, isUuid } from '@gatehouse/schema';
import type { Store, StoreTx } from '../store/types.ts';
import { parseCertificate } from './certs.ts';

// DP client certificates (reference/konnect-api.md §3): per control plane, a small list kept as one
// JSON document in the settings table (a control plane pins a handful of certificates; no migration
// is needed). For `pinned_client_certs` they are the data planes' own certificates, for
// `pki_client_certs` the CAs that sign them.

/** Konnect's DPCert; timestamps are epoch seconds. */
export interface DpCertificate {
  id: string;
  cert: string;
  title: string;
  created_at: number;
  updated_at: number;
}

/** A refusal in Konnect's legacy body: `{ message }` with the HTTP status. */
export class DpCertificateError extends Error {
  readonly status: 400 | 404;
  constructor(status: 400 | 404, message: string) {
    super(message);
    this.status = status;
  }
}

const keyOf = (controlPlaneId: string): string => `dp-client-certificates:${controlPlaneId}`;
const seconds = (): number => Math.floor(Date.now() / 1000);

async function read(tx: StoreTx, controlPlaneId: string): Promise<DpCertificate[]> {
  const raw = await tx.settings.get(keyOf(controlPlaneId));
  return raw === undefined ? [] : (JSON.parse(raw) as DpCertificate[]);
}

function readInput(body: unknown): { cert: string; title: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DpCertificateError(400, 'body must be a JSON object with cert');
  const { cert, title, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new DpCertificateError(400, `unknown field: ${extra.join(', ')}`);
  if (typeof cert !== 'string' || cert.trim() === '') throw new DpCertificateError(400, 'cert is required: a PEM certificate');
  if (title !== undefined && typeof title !== 'string') throw new DpCertificateError(400, 'title must be a string');
  if (!/-----BEGIN CERTIFICATE-----/.test(cert) || parseCertificate(cert) === null) throw new DpCertificateError(400, 'cert is not a valid PEM certificate');
  return { cert, title: title ?? '' };
}

/** CRUD for a control plane's DP client certificates; `onChange` runs after each committed change. */
export function createDpCertificateService(store: Store, onChange: (controlPlaneId: string) => void = () => {}) {
  async function inControlPlane<T>(controlPlaneId: string, fn: (tx: StoreTx, id: string) => Promise<T>): Promise<T> {
    if (!isUuid(controlPlaneId)) throw new DpCertificateError(404, 'Not Found');
    const id = controlPlaneId.toLowerCase();
    return store.transaction(async (tx) => {
      if (!(await tx.controlPlanes.get(id))) throw new DpCertificateError(404, 'Not Found');
      return fn(tx, id);
    });
  }
  const find = (certs: DpCertificate[], certificateId: string): number => {
    const at = certs.findIndex((c) => c.id === certificateId.toLowerCase());
    if (at < 0) throw new DpCertificateError(404, 'Not Found');
    return at;
  };

  return {
    async list(controlPlaneId: string) {
      const items = await inControlPlane(controlPlaneId, read);
      return { items, page: { total_count: items.length } };
    },
    async create(controlPlaneId: string, body: unknown) {
      const input = readInput(body);
      const item = await inControlPlane(controlPlaneId, async (tx, id) => {
        const now = seconds();
        const row: DpCertificate = { id: newId(), cert: input.cert, title: input.title, created_at: now, updated_at: now };
        await tx.settings.set(keyOf(id), JSON.stringify([...(await read(tx, id)), row]));
        return row;
      });
      onChange(controlPlaneId.toLowerCase());
      return { item };
    },
    async get(controlPlaneId: string, certificateId: string) {
      const certs = await inControlPlane(controlPlaneId, read);
      return { item: certs[find(certs, certificateId)] };
    },
    async replace(controlPlaneId: string, certificateId: string, body: unknown) {
      const input = readInput(body);
      const item = await inControlPlane(controlPlaneId, async (tx, id) => {
        const certs = await read(tx, id);
        const at = find(certs, certificateId);
        certs[at] = { ...certs[at], cert: input.cert, title: input.title, updated_at: seconds() };
        await tx.settings.set(keyOf(id), JSON.stringify(certs));
        return certs[at];
      });
      onChange(controlPlaneId.toLowerCase());
      return { item };
    },
    async remove(controlPlaneId: string, certificateId: string): Promise<void> {
      await inControlPlane(controlPlaneId, async (tx, id) => {
        const certs = await read(tx, id);
        certs.splice(find(certs, certificateId), 1);
        await tx.settings.set(keyOf(id), JSON.stringify(certs));
      });
      onChange(controlPlaneId.toLowerCase());
    },
    /** The PEM certificates registered for a control plane (the hub's check at connect). */
    async pems(tx: Pick<StoreTx, 'settings'>, controlPlaneId: string): Promise<string[]> {
      return (await read(tx as StoreTx, controlPlaneId)).map((c) => c.cert);
    },
  };
}
export type DpCertificateService = ReturnType<typeof createDpCertificateService>;
