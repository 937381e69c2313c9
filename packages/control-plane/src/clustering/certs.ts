import { X509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Certificates for clustering: the control plane's cluster CA, its server certificate, the fleet's
// client certificate, and (in tests) data-plane certificates. ECDSA P-256 keeps generation fast
// (a few ms), which matters because the server certificate is issued at every start.

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate with its private key, both PEM. */
export interface CertPair {
  cert: string;
  key: string;
}

export interface IssueOptions {
  /** Subject common name. */
  commonName: string;
  /** DNS names and IP addresses for subjectAltName (server certificates). */
  dnsNames?: string[];
  ips?: string[];
  isServer?: boolean;
  isCa?: boolean;
  notBefore?: Date;
  notAfter?: Date;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
}

function extensions(options: IssueOptions): x509.Extension[] {
  const list: x509.Extension[] = [new x509.BasicConstraintsExtension(options.isCa === true, undefined, true)];
  if (options.isCa) list.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true));
  else {
    list.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true));
    list.push(new x509.ExtendedKeyUsageExtension([options.isServer ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]));
  }
  const names = [...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) list.push(new x509.SubjectAlternativeNameExtension(names));
  return list;
}

const cn = (name: string): string => `CN=${name.replace(/[,+=<>#;\\"]/g, '\\$&')}`;

/**
 * A self-signed certificate: a CA (`isCa`) or a pinned client certificate.
 * @example const ca = await createSelfSigned({ commonName: 'Gatehouse cluster CA', isCa: true });
 */
export async function createSelfSigned(options: IssueOptions): Promise<CertPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: cn(options.commonName),
    keys: keys as never,
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + (options.isCa ? 3650 : 365) * DAY_MS),
    signingAlgorithm: ALG,
    extensions: extensions(options),
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/**
 * A certificate signed by `issuer` (a CA pair).
 * @example const server = await issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], isServer: true });
 */
export async function issueCertificate(issuer: CertPair, options: IssueOptions): Promise<CertPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const issuerCert = new x509.X509Certificate(issuer.cert);
  const cert = await x509.X509CertificateGenerator.create({
    subject: cn(options.commonName),
    issuer: issuerCert.subject,
    publicKey: keys.publicKey as never,
    signingKey: (await importKey(issuer.key)) as never,
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY_MS),
    signingAlgorithm: ALG,
    extensions: extensions(options),
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** Parses one PEM certificate, or returns null: what the API accepts is checked with this. */
export function parseCertificate(pem: string): X509Certificate | null {
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/** Is `cert` inside its validity period at `now`? */
export function isCurrentlyValid(cert: X509Certificate, now = Date.now()): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/** Did `issuer` sign `cert` (issuer name and signature both match)? */
export function isSignedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** The subject's common name, or ''. */
export function commonName(cert: X509Certificate): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
}
