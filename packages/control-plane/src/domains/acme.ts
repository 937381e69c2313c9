import { AsyncLocalStorage } from 'node:async_hooks';
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import * as acme from 'acme-client';
import type { StoreTx } from '../store/types.ts';
import { DOMAIN_PROBLEMS, DomainProblem } from './errors.ts';

// ACME (RFC 8555) with acme-client: one account per directory for every customer (Let's Encrypt's
// integration guide), its key in store.settings; HTTP-01 answered by the data planes; ECDSA P-256 keys.
// acme-client turns CA problems into bare Errors, so a response interceptor keeps the last problem
// document (type, detail, Retry-After) of the issuance in progress, found through AsyncLocalStorage.

export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING_DIRECTORY = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** Where HTTP-01 key authorizations go: the data planes answer `/.well-known/acme-challenge/<token>`. */
export interface AcmeChallengeSink {
  /** Publishes (or, with null, withdraws) the key authorization for `token`. */
  setAcmeChallenge(token: string, keyAuthorization: string | null): void;
}

export interface AcmeOptions {
  directoryUrl: string;
  /** Extra CA (PEM) trusted for the directory's own TLS, e.g. a test CA in front of Pebble. */
  directoryCa?: string;
  /** acme-client polling backoff; its defaults (5 s minimum) are for production. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Contact for the account. */
  email?: string;
}

export interface IssuedCertificate {
  /** Leaf first, then the intermediates. */
  certPem: string;
  keyPem: string;
  notAfter: number;
}

interface Problem {
  type: string;
  detail: string;
  retryAfter: string | undefined;
}

const RETRY_AFTER_DEFAULT_MS = 60 * 60 * 1000;
const problems = new AsyncLocalStorage<{ last: Problem | null }>();
let isInterceptorInstalled = false;

function installInterceptor(): void {
  if (isInterceptorInstalled) return;
  isInterceptorInstalled = true;
  // acme-client would sleep through a 429's Retry-After (up to hours) in-process; the domain worker
  // records the time and retries then instead (reference/custom-domains-rig.md §9).
  (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number } }).acmeSettings.retryMaxAttempts = 0;
  const record = (response: { data?: unknown; headers?: Record<string, unknown> } | undefined) => {
    const slot = problems.getStore();
    const data = response?.data as { type?: string; detail?: string; status?: string; error?: { type?: string; detail?: string } } | undefined;
    if (!slot || !data || typeof data !== 'object') return;
    const problem = typeof data.type === 'string' && data.type.startsWith('urn:ietf:params:acme:error:') ? data : data.status === 'invalid' ? data.error : undefined;
    if (problem?.type) slot.last = { type: problem.type, detail: problem.detail ?? '', retryAfter: response?.headers?.['retry-after'] as string | undefined };
  };
  acme.axios.interceptors.response.use(
    (response) => (record(response), response),
    (error: { response?: { data?: unknown; headers?: Record<string, unknown> } }) => (record(error.response), Promise.reject(error)),
  );
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAt(header: string | undefined, now: number): number {
  if (header !== undefined) {
    if (/^\d+$/.test(header.trim())) return now + Number(header) * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return date;
  }
  return now + RETRY_AFTER_DEFAULT_MS;
}

/** A CA problem as the user should read it (reference/custom-domains-rig.md §9). */
function classify(err: unknown, problem: Problem | null, domain: string): DomainProblem {
  const detail = problem?.detail || (err as Error).message;
  const type = problem?.type.replace('urn:ietf:params:acme:error:', '') ?? '';
  switch (type) {
    case 'rateLimited': {
      const at = retryAt(problem?.retryAfter, Date.now());
      return new DomainProblem(DOMAIN_PROBLEMS.CA_RATE_LIMITED, `The certificate authority's rate limit was reached for ${domain}: ${detail}. Gatehouse retries after ${new Date(at).toISOString()}.`, at);
    }
    case 'rejectedIdentifier':
    case 'caa':
    case 'unsupportedIdentifier':
    case 'malformed':
      return new DomainProblem(DOMAIN_PROBLEMS.CA_REFUSED, `The certificate authority refused to issue for ${domain}: ${detail}`);
    case 'connection':
    case 'unauthorized':
    case 'incorrectResponse':
    case 'dns':
    case 'tls':
      return new DomainProblem(DOMAIN_PROBLEMS.HTTP01_FAILED, `HTTP-01 validation of ${domain} failed: ${detail}. The CA must reach http://${domain}/.well-known/acme-challenge/ on port 80 of the gateway.`);
  }
  const code = (err as { code?: string }).code;
  if (code !== undefined && /^E[A-Z]+/.test(code)) return new DomainProblem(DOMAIN_PROBLEMS.CA_UNREACHABLE, `The certificate authority could not be reached (${code}): ${(err as Error).message}`);
  return new DomainProblem(DOMAIN_PROBLEMS.CA_REFUSED, `Certificate issuance for ${domain} failed: ${detail}`);
}

/**
 * An ACME client bound to one directory and the store holding its account.
 * @example
 * const issuer = createAcmeIssuer(store, { directoryUrl: LETS_ENCRYPT_STAGING_DIRECTORY });
 * const { certPem, keyPem, notAfter } = await issuer.issue('api.example.com', dataPlane);
 */
export function createAcmeIssuer(store: { transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> }, options: AcmeOptions) {
  installInterceptor();
  // acme-client has one axios instance for the process: the directory CA applies to every client.
  if (options.directoryCa) acme.axios.defaults.httpsAgent = new Agent({ ca: options.directoryCa });
  const settingKey = `acme.account:${options.directoryUrl}`;
  let client: Promise<acme.Client> | null = null;

  async function account(): Promise<acme.Client> {
    const saved = await store.transaction((tx) => tx.settings.get(settingKey));
    const parsed = saved ? (JSON.parse(saved) as { keyPem: string; url?: string }) : null;
    const keyPem = parsed?.keyPem ?? (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
    const c = new acme.Client({
      directoryUrl: options.directoryUrl,
      accountKey: keyPem,
      ...(parsed?.url ? { accountUrl: parsed.url } : {}),
      backoffMin: options.backoffMinMs ?? 5000,
      backoffMax: options.backoffMaxMs ?? 30000,
      backoffAttempts: 30,
    });
    if (!parsed?.url) {
      await c.createAccount({ termsOfServiceAgreed: true, ...(options.email ? { contact: [`mailto:${options.email}`] } : {}) });
      await store.transaction((tx) => tx.settings.set(settingKey, JSON.stringify({ keyPem, url: c.getAccountUrl() })));
    }
    return c;
  }

  async function getClient(): Promise<acme.Client> {
    client ??= account().catch((err: unknown) => {
      client = null;
      throw err;
    });
    return client;
  }

  return {
    /** The account URL, for CAA `accounturi` checks (creates the account on first use). */
    async accountUrl(): Promise<string> {
      return (await getClient()).getAccountUrl();
    },

    /** Orders, answers HTTP-01 through `sink`, finalizes with a new ECDSA key; throws DomainProblem. */
    async issue(domain: string, sink: AcmeChallengeSink): Promise<IssuedCertificate> {
      return problems.run({ last: null }, async () => {
        const published: string[] = [];
        try {
          const c = await getClient();
          const order = await c.createOrder({ identifiers: [{ type: 'dns', value: domain }] });
          for (const authz of await c.getAuthorizations(order)) {
            // Pebble and Let's Encrypt may reuse a valid authorization: nothing to prove then.
            if (authz.status === 'valid') continue;
            const challenge = authz.challenges.find((ch) => ch.type === 'http-01');
            if (!challenge) throw new DomainProblem(DOMAIN_PROBLEMS.CA_REFUSED, `The certificate authority offered no HTTP-01 challenge for ${domain}`);
            sink.setAcmeChallenge(challenge.token, await c.getChallengeKeyAuthorization(challenge));
            published.push(challenge.token);
            await c.completeChallenge(challenge);
            await c.waitForValidStatus(challenge);
          }
          const [key, csr] = await acme.crypto.createCsr({ commonName: domain, altNames: [domain] }, await acme.crypto.createPrivateEcdsaKey('P-256'));
          const finalized = await c.finalizeOrder(order, csr);
          const certPem = await c.getCertificate(finalized);
          const leaf = new X509Certificate(certPem);
          return { certPem, keyPem: key.toString(), notAfter: Date.parse(leaf.validTo) };
        } catch (err) {
          if (err instanceof DomainProblem) throw err;
          throw classify(err, problems.getStore()?.last ?? null, domain);
        } finally {
          for (const token of published) sink.setAcmeChallenge(token, null);
        }
      });
    },
  };
}

export type AcmeIssuer = ReturnType<typeof createAcmeIssuer>;
