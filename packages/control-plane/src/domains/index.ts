export { createAcmeIssuer, LETS_ENCRYPT_DIRECTORY, LETS_ENCRYPT_STAGING_DIRECTORY, type AcmeChallengeSink, type AcmeIssuer, type AcmeOptions } from './acme.ts';
export { MANAGED_TAG } from './certificates.ts';
export { loadDomainConfig, type DomainConfig } from './config.ts';
export { createDnsChecker, type DnsChecker } from './dns-checks.ts';
export { createDomainService, readyDomainHostnames, type DomainService, type DomainServiceOptions } from './domain-service.ts';
export { DOMAIN_PROBLEMS, DomainProblem, type DomainProblemCode } from './errors.ts';
export { createPlatformDomains } from './platform.ts';
