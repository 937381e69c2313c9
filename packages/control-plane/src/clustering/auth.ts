import type { X509Certificate } from 'node:crypto';
import type { ControlPlaneRow } from '../store/types.ts';
import { commonName, isCurrentlyValid, isSignedBy, parseCertificate } from './certs.ts';
import type { NodeScope } from './nodes.ts';

// Who may connect (reference/kong-dataplane.md §6.2, Konnect's auth types):
// - the platform's own fleet workers: a certificate signed by the cluster CA with CN `FLEET_COMMON_NAME`;
//   they serve serverless gateways;
// - a self-managed node of a `pinned_client_certs` control plane: exactly one of the certificates
//   registered for it (same SHA-256 fingerprint);
// - a self-managed node of a `pki_client_certs` control plane: a certificate signed by one of the CA
//   certificates registered for it, whose subject CN is the control plane's id or its cluster hostname.
// Every certificate must be inside its validity period. TLS itself proves the node holds the key.

export const FLEET_COMMON_NAME = 'gatehouse-fleet';
const SERVERLESS_TYPES: readonly string[] = ['CLUSTER_TYPE_SERVERLESS', 'CLUSTER_TYPE_SERVERLESS_V1'];

export const isServerless = (clusterType: string): boolean => SERVERLESS_TYPES.includes(clusterType);

export type AuthResult = { ok: true; scope: NodeScope } | { ok: false; status: 401 | 403 | 404; reason: string };

/** Is this the platform's fleet certificate (signed by the cluster CA, fleet CN)? */
export function isFleetCertificate(peer: X509Certificate, clusterCa: X509Certificate): boolean {
  return commonName(peer) === FLEET_COMMON_NAME && isSignedBy(peer, clusterCa) && isCurrentlyValid(peer);
}

/**
 * Decides whether `peer` may serve `controlPlane` as a self-managed node.
 * @example authenticateNode(peer, cp, ['-----BEGIN CERTIFICATE-----…'], 'abc.cp.localhost') // { ok: true, scope }
 */
export function authenticateNode(peer: X509Certificate | undefined, controlPlane: ControlPlaneRow, registered: string[], clusterHost: string, now = Date.now()): AuthResult {
  if (!peer) return { ok: false, status: 401, reason: 'no client certificate presented' };
  if (isServerless(controlPlane.cluster_type)) {
    return { ok: false, status: 403, reason: `control plane ${controlPlane.id} is serverless: its data planes are the platform's fleet, self-managed nodes are refused` };
  }
  if (!isCurrentlyValid(peer, now)) return { ok: false, status: 401, reason: `client certificate is not valid now (valid from ${peer.validFrom} to ${peer.validTo})` };
  const certs = registered.map(parseCertificate).filter((c): c is X509Certificate => c !== null);
  if (controlPlane.auth_type === 'pki_client_certs') {
    const issuer = certs.find((ca) => isCurrentlyValid(ca, now) && isSignedBy(peer, ca));
    if (!issuer) return { ok: false, status: 401, reason: `client certificate is not signed by a CA registered for control plane ${controlPlane.id}` };
    const name = commonName(peer);
    if (name !== controlPlane.id && name !== clusterHost) {
      return { ok: false, status: 401, reason: `client certificate subject CN '${name}' is not the control plane id or '${clusterHost}'` };
    }
  } else if (!certs.some((c) => c.fingerprint256 === peer.fingerprint256)) {
    return { ok: false, status: 401, reason: `client certificate ${peer.fingerprint256} is not registered for control plane ${controlPlane.id}` };
  }
  return { ok: true, scope: { kind: 'hybrid', controlPlaneId: controlPlane.id } };
}
