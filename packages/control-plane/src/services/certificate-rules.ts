import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { FieldError } from '@gatehouse/schema';
import { isValidHost } from './entity-rules.ts';

// Kong's certificate, SNI and CA certificate checks (kong/db/schema/entities/{certificates,snis,
// ca_certificates}.lua): PEM parsing with node:crypto, key/cert pairs that match, SNI name shapes.

type Body = Record<string, any>;
const fieldError = (field: string, reason: string, rule = 'invalid'): FieldError => ({ field, rule, reason });

// Vault references ({vault://env/cert}) are resolved by a data plane, not parsed here.
const isReference = (value: string): boolean => value.startsWith('{vault://');

function parseCert(pem: string, field: string, errors: FieldError[]): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    errors.push(fieldError(field, `invalid certificate: ${field} must be a PEM-encoded X.509 certificate`));
    return undefined;
  }
}

function parseKey(pem: string, field: string, errors: FieldError[]): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    errors.push(fieldError(field, `invalid key: ${field} must be a PEM-encoded private key (without a passphrase)`));
    return undefined;
  }
}

function checkPair(cert: string, key: string, certField: string, keyField: string, errors: FieldError[]): string | undefined {
  if (isReference(cert) || isReference(key)) return undefined;
  const x509 = parseCert(cert, certField, errors);
  const privateKey = parseKey(key, keyField, errors);
  if (!x509 || !privateKey) return undefined;
  if (!x509.checkPrivateKey(privateKey)) errors.push(fieldError(keyField, `certificate does not match key: ${keyField} is not the private key of ${certField}`));
  return x509.publicKey.asymmetricKeyType;
}

/** certificates.lua: cert/key parse and match; the alternate pair is complete and of another key type. */
export function checkCertificate(cert: Body): FieldError[] {
  const errors: FieldError[] = [];
  const type = checkPair(cert.cert, cert.key, 'cert', 'key', errors);
  if ((cert.cert_alt === null) !== (cert.key_alt === null)) {
    errors.push(fieldError(cert.cert_alt === null ? 'cert_alt' : 'key_alt', 'all or none of these fields must be set: cert_alt, key_alt'));
  } else if (cert.cert_alt !== null) {
    const altType = checkPair(cert.cert_alt, cert.key_alt, 'cert_alt', 'key_alt', errors);
    if (type && altType && type === altType) {
      errors.push(fieldError('cert_alt', 'certificate and alternative certificate need to have different type (e.g. RSA and ECDSA)'));
    }
  }
  for (const name of cert.snis ?? []) errors.push(...checkSniName(name, 'snis'));
  return errors;
}

/** typedefs.wildcard_host: a hostname with at most one '*', as the leftmost or rightmost label. */
export function checkSniName(name: string, field = 'name'): FieldError[] {
  const stars = name.split('*').length - 1;
  if (stars > 1) return [fieldError(field, `invalid wildcard: must have at most one wildcard: ${name}`)];
  if (stars === 1 && !/^\*\.[^*]+$/.test(name) && !/^[^*]+\.\*$/.test(name)) return [fieldError(field, `invalid wildcard: must be placed at leftmost or rightmost label: ${name}`)];
  if (/:\d+$/.test(name)) return [fieldError(field, `must not have a port: ${name}`)];
  return isValidHost(name.replace(/^\*\./, 'x.').replace(/\.\*$/, '.x')) ? [] : [fieldError(field, `invalid hostname: ${name}`)];
}

/**
 * ca_certificates.lua: a CA certificate (basic constraint CA:TRUE) that has not expired. Returns the
 * lower-case hex SHA-256 of its DER form (`cert_digest`) or the errors.
 */
export function checkCaCertificate(body: Body, now = Date.now()): { digest: string } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const x509 = parseCert(body.cert, 'cert', errors);
  if (!x509) return { errors };
  if (!x509.ca) return { errors: [fieldError('cert', 'invalid certificate: certificate does not appear to be a CA because it is missing the "CA" basic constraint')] };
  if (Date.parse(x509.validTo) < now) return { errors: [fieldError('cert', 'invalid certificate: certificate expired, "Not After" time is in the past')] };
  return { digest: x509.fingerprint256.replaceAll(':', '').toLowerCase() };
}
