import { Type, type Static } from '@sinclair/typebox';
import { Nullable, foreignKeySchema, tagsSchema } from './typedefs.ts';

// Certificates, SNIs and CA certificates (kong/db/schema/entities/{certificates,snis,ca_certificates}.lua)
// in their stored shapes. PEM contents are parsed and matched by the control plane on write.

const common = { id: Type.String({ format: 'uuid' }), created_at: Type.Integer(), updated_at: Type.Integer(), tags: tagsSchema };
const pem = Type.String({ minLength: 1 });

export const certificateSchema = Type.Object(
  {
    ...common,
    cert: pem,
    key: pem,
    /** An alternate pair of the other key type (RSA beside ECDSA), or null. */
    cert_alt: Nullable(pem),
    key_alt: Nullable(pem),
    /** The names of the SNI entities pointing at this certificate (Kong's convenience field). */
    snis: Nullable(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type Certificate = Static<typeof certificateSchema>;

export const sniSchema = Type.Object(
  {
    ...common,
    /** A hostname, or a wildcard with one '*' as the leftmost or rightmost label. Unique. */
    name: Type.String({ minLength: 1, maxLength: 256 }),
    certificate: foreignKeySchema,
  },
  { additionalProperties: false },
);
export type Sni = Static<typeof sniSchema>;

export const caCertificateSchema = Type.Object(
  {
    ...common,
    cert: pem,
    /** Hex SHA-256 of the certificate's DER form, computed by the control plane. Unique. */
    cert_digest: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);
export type CaCertificate = Static<typeof caCertificateSchema>;
