import { randomBytes, randomUUID } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A new random (v4) UUID, the id format of every Konnect and Kong entity.
 * @example newId() // '7f9fd312-a987-4628-b4c5-bb4f4fddd5f7'
 */
export const newId = (): string => randomUUID();

/**
 * Whether a string is a UUID in canonical 8-4-4-4-12 form (any version, any case).
 * @example isUuid('7f9fd312-a987-4628-b4c5-bb4f4fddd5f7') // true
 */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID_RE.test(value);

/**
 * Ten lowercase hex characters: the DNS prefix Konnect gives control planes and gateway hostnames.
 * @example newDnsPrefix() // '9e454bcfec'
 */
export const newDnsPrefix = (): string => randomBytes(5).toString('hex');

/** Seconds since the epoch, the timestamp unit of Kong core entities. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
