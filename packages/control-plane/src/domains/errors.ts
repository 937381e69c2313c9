// Why a custom domain is not (yet) served: one stable code per cause, shown to the user as
// state_metadata.reported_status with a reason written for them (reference/custom-domains-rig.md §9).

export const DOMAIN_PROBLEMS = {
  CNAME_MISSING: 'CNAME_MISSING',
  CNAME_MISMATCH: 'CNAME_MISMATCH',
  CAA_FORBIDS: 'CAA_FORBIDS',
  DNS_FAILURE: 'DNS_FAILURE',
  HTTP01_FAILED: 'HTTP01_FAILED',
  CA_RATE_LIMITED: 'CA_RATE_LIMITED',
  CA_REFUSED: 'CA_REFUSED',
  CA_UNREACHABLE: 'CA_UNREACHABLE',
  RENEWAL_FAILED: 'RENEWAL_FAILED',
} as const;

export type DomainProblemCode = (typeof DOMAIN_PROBLEMS)[keyof typeof DOMAIN_PROBLEMS];

/** A validation or issuance failure the user can act on; `retryAt` (epoch ms) is the CA's Retry-After. */
export class DomainProblem extends Error {
  readonly code: DomainProblemCode;
  readonly retryAt: number | null;
  constructor(code: DomainProblemCode, reason: string, retryAt: number | null = null) {
    super(reason);
    this.code = code;
    this.retryAt = retryAt;
  }
}
