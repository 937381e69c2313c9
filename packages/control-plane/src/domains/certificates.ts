import { newId } from '@gatehouse/schema';
import type { CustomDomainRow, EntityRow, StoreTx } from '../store/types.ts';

// The issued certificate becomes Kong core entities of the domain's control plane: a certificate and
// an SNI, tagged `konnect-managed` so that decK leaves them alone (reference/konnect-api.md §7.4).
// The snapshot compiler carries them to the data planes, which serve HTTPS for the domain by SNI.

export const MANAGED_TAG = 'konnect-managed';

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Creates the pair, or renews the certificate in place (same ids, so the SNI keeps pointing at it). */
export async function storeCertificate(tx: StoreTx, row: CustomDomainRow, certPem: string, keyPem: string): Promise<{ certificateId: string; sniId: string }> {
  const now = Date.now();
  const existing = row.certificate_id ? await tx.entities.get(row.control_plane_id, 'certificates', row.certificate_id) : undefined;
  const certificateId = existing?.id ?? newId();
  const certificate: EntityRow = {
    id: certificateId, control_plane_id: row.control_plane_id, type: 'certificates', name: null,
    body: { id: certificateId, cert: certPem, key: keyPem, cert_alt: null, key_alt: null, snis: null, tags: [MANAGED_TAG], created_at: seconds(existing?.created_at ?? now), updated_at: seconds(now) },
    created_at: existing?.created_at ?? now, updated_at: now,
  };
  if (existing) await tx.entities.update(certificate);
  else await tx.entities.insert(certificate);

  const sni = row.sni_id ? await tx.entities.get(row.control_plane_id, 'snis', row.sni_id) : undefined;
  if (sni && (sni.body.certificate as { id?: string } | null)?.id === certificateId) return { certificateId, sniId: sni.id };
  if (sni) await tx.entities.delete(row.control_plane_id, 'snis', sni.id);
  const sniId = newId();
  await tx.entities.insert({
    id: sniId, control_plane_id: row.control_plane_id, type: 'snis', name: row.domain,
    body: { id: sniId, name: row.domain, certificate: { id: certificateId }, tags: [MANAGED_TAG], created_at: seconds(now), updated_at: seconds(now) },
    created_at: now, updated_at: now,
  });
  return { certificateId, sniId };
}

/** Removes the pair a custom domain created. */
export async function removeCertificate(tx: StoreTx, row: CustomDomainRow): Promise<void> {
  if (row.sni_id) await tx.entities.delete(row.control_plane_id, 'snis', row.sni_id);
  if (row.certificate_id) await tx.entities.delete(row.control_plane_id, 'certificates', row.certificate_id);
}
