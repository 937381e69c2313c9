import type { Logger } from 'pino';
import { isUuid, newId, type FieldError } from '@gatehouse/schema';
import { ProblemError, invalidParameters } from '../api/errors.ts';
import { CONTROL_PLANE_GEOS } from '../api/schemas/cloud-gateway.ts';
import { createCustomDomainSchema, CUSTOM_DOMAIN_STATES, type CustomDomain } from '../api/schemas/custom-domain.ts';
import { assertNoQueryErrors, pageMeta, readBody, readFilters, readPage, splitList, type Query } from '../api/schemas/request.ts';
import type { PlatformEvents } from '../events.ts';
import { controlPlaneNotFound } from '../services/control-planes.ts';
import { StoreConflictError, type CustomDomainRow, type Store } from '../store/types.ts';
import type { AcmeChallengeSink, AcmeIssuer } from './acme.ts';
import { removeCertificate, storeCertificate } from './certificates.ts';
import type { DnsChecker } from './dns-checks.ts';
import { DOMAIN_PROBLEMS, DomainProblem } from './errors.ts';

// Custom domains (issue 8; reference/konnect-api.md §6.5, §8.4): POST registers the domain (`created`);
// a background worker validates it (CNAME to the gateway's hostname, CAA), orders a certificate over
// ACME HTTP-01 (`initializing`), stores it as a konnect-managed certificate + SNI (`ready`) or records
// why not (`error`, state_metadata). Once ready a domain is not re-validated; it is renewed 30 days
// before expiry. Failures are retried with backoff, never before the CA's Retry-After.

const DAY_MS = 24 * 60 * 60 * 1000;
const NOT_FOUND = 'The requested custom domain was not found.';
const FILTERS = {
  control_plane_id: ['eq', 'oeq'],
  control_plane_geo: ['eq', 'oeq'],
  domain: ['eq', 'oeq', 'contains'],
  state: ['eq', 'oeq'],
} as const;
// RFC 1123 labels; at least two of them; no wildcard (HTTP-01 cannot prove one).
const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface DomainServiceOptions {
  events: PlatformEvents;
  logger: Logger;
  /** The platform's base domain (GATEHOUSE_BASE_DOMAIN): it and its subdomains cannot be claimed. */
  baseDomain: string;
  /** Where HTTP-01 answers go (the data planes). */
  challenges: AcmeChallengeSink;
  /** The CA's CAA identities (letsencrypt.org). */
  caaIdentities: string[];
  /** Renew this long before expiry; default 30 days. */
  renewBeforeMs?: number;
  /** First retry delay after a failure, doubled per failure up to `retryMaxMs`; defaults 5 min and 24 h. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often the worker looks for due work; default 60 s. */
  pollMs?: number;
  /** How long one attempt holds a domain before another worker may take it; default 10 min. */
  leaseMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function customDomainView(row: CustomDomainRow): CustomDomain {
  return {
    id: row.id,
    control_plane_id: row.control_plane_id,
    control_plane_geo: row.control_plane_geo as CustomDomain['control_plane_geo'],
    domain: row.domain,
    kind: row.kind,
    certificate_id: row.certificate_id,
    sni_id: row.sni_id,
    state: row.state as CustomDomain['state'],
    state_metadata: row.state_metadata,
    cname_target: row.cname_target,
    entity_version: row.entity_version,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function readListQuery(query: Query) {
  const errors: FieldError[] = [];
  const page = readPage(query, errors);
  const filters = readFilters(query, FILTERS, errors);
  const values = (field: keyof typeof FILTERS): string[] | undefined => {
    const ops = filters[field];
    if (!ops) return undefined;
    if (ops.oeq !== undefined) return splitList(ops.oeq);
    return ops.eq === undefined ? undefined : [ops.eq];
  };
  const controlPlaneIds = values('control_plane_id')?.map((id) => id.toLowerCase());
  if (controlPlaneIds && !controlPlaneIds.every(isUuid)) errors.push({ field: 'filter[control_plane_id]', rule: 'is_uuid', reason: 'invalid ID format' });
  const geos = values('control_plane_geo');
  if (geos && !geos.every((g) => (CONTROL_PLANE_GEOS as readonly string[]).includes(g))) {
    errors.push({ field: 'filter[control_plane_geo]', rule: 'enum', choices: [...CONTROL_PLANE_GEOS], reason: `filter[control_plane_geo] must be one of the following values: ${CONTROL_PLANE_GEOS.join(', ')}` });
  }
  const states = values('state');
  if (states && !states.every((s) => (CUSTOM_DOMAIN_STATES as readonly string[]).includes(s))) {
    errors.push({ field: 'filter[state]', rule: 'enum', choices: [...CUSTOM_DOMAIN_STATES], reason: `filter[state] must be one of the following values: ${CUSTOM_DOMAIN_STATES.join(', ')}` });
  }
  assertNoQueryErrors(errors);
  const domains = values('domain')?.map((d) => d.toLowerCase());
  return { page, filter: { controlPlaneIds, geos, states, domains, domainContains: filters.domain?.contains } };
}

/**
 * Custom domains of serverless gateways: the API operations and the background worker.
 * @example
 * const domains = createDomainService(store, acme, dns, { events, logger, baseDomain, challenges: dataPlane, caaIdentities: ['letsencrypt.org'] });
 * domains.start(); // validation, issuance and renewal in the background
 */
export function createDomainService(store: Store, acme: AcmeIssuer, dns: DnsChecker, options: DomainServiceOptions) {
  const renewBeforeMs = options.renewBeforeMs ?? 30 * DAY_MS;
  const retryBaseMs = options.retryBaseMs ?? 5 * 60 * 1000;
  const retryMaxMs = options.retryMaxMs ?? DAY_MS;
  const pollMs = options.pollMs ?? 60 * 1000;
  const leaseMs = options.leaseMs ?? 10 * 60 * 1000;
  const { events, logger } = options;
  let timer: NodeJS.Timeout | null = null;
  let isStopped = true;
  let running: Promise<void> | null = null;
  let isAgain = false;

  async function load(id: string): Promise<CustomDomainRow> {
    const row = isUuid(id) ? await store.transaction((tx) => tx.customDomains.get(id.toLowerCase())) : undefined;
    if (!row) throw new ProblemError(404, NOT_FOUND);
    return row;
  }

  /** Takes a due domain for this worker (a lease), moving it to `initializing` unless it is being renewed. */
  async function claim(id: string, now: number): Promise<CustomDomainRow | undefined> {
    return store.transaction(async (tx) => {
      const row = await tx.customDomains.get(id);
      if (!row || row.next_attempt_at === null || row.next_attempt_at > now) return undefined;
      const isRenewal = row.state === 'ready';
      const next: CustomDomainRow = {
        ...row,
        state: isRenewal ? 'ready' : 'initializing',
        state_metadata: isRenewal ? row.state_metadata : { reported_status: 'INITIALIZING', reason: `Checking DNS for ${row.domain} and requesting a certificate` },
        next_attempt_at: now + leaseMs,
        entity_version: row.entity_version + 1,
        updated_at: now,
      };
      await tx.customDomains.update(next);
      return next;
    });
  }

  async function attempt(row: CustomDomainRow): Promise<void> {
    const isRenewal = row.state === 'ready';
    try {
      await dns.checkCname(row.domain, row.cname_target);
      const accountUri = await acme.accountUrl().catch(() => undefined);
      await dns.checkCaa(row.domain, { identities: options.caaIdentities, accountUri });
      const issued = await acme.issue(row.domain, options.challenges);
      const isStored = await store.transaction(async (tx) => {
        const current = await tx.customDomains.get(row.id);
        if (!current) return false; // Deleted while the CA worked: drop the certificate.
        const ids = await storeCertificate(tx, current, issued.certPem, issued.keyPem);
        const now = Date.now();
        await tx.customDomains.update({
          ...current,
          state: 'ready',
          state_metadata: { reported_status: 'READY', reason: `Certificate issued; valid until ${iso(issued.notAfter)}, renewed from ${iso(issued.notAfter - renewBeforeMs)}` },
          certificate_id: ids.certificateId,
          sni_id: ids.sniId,
          not_after: issued.notAfter,
          attempts: 0,
          next_attempt_at: Math.max(now, issued.notAfter - renewBeforeMs),
          entity_version: current.entity_version + 1,
          updated_at: now,
        });
        return true;
      });
      if (isStored) events.gatewayChanged(row.control_plane_id);
      logger.info({ domain: row.domain, notAfter: iso(issued.notAfter), isRenewal }, 'custom domain certificate issued');
    } catch (err) {
      const problem = err instanceof DomainProblem ? err : new DomainProblem(DOMAIN_PROBLEMS.CA_UNREACHABLE, `Unexpected failure: ${(err as Error).message}`);
      if (!(err instanceof DomainProblem)) logger.error({ err, domain: row.domain }, 'custom domain attempt failed');
      await recordFailure(row, problem, isRenewal);
    }
  }

  async function recordFailure(row: CustomDomainRow, problem: DomainProblem, isRenewal: boolean): Promise<void> {
    await store.transaction(async (tx) => {
      const current = await tx.customDomains.get(row.id);
      if (!current) return;
      const now = Date.now();
      const attempts = current.attempts + 1;
      const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempts - 1));
      const next = Math.max(now + backoff, problem.retryAt ?? 0);
      // A renewal that fails leaves the current certificate in service while it is still valid.
      const isStillServing = isRenewal && current.not_after !== null && current.not_after > now;
      await tx.customDomains.update({
        ...current,
        state: isStillServing ? 'ready' : 'error',
        state_metadata: {
          reported_status: isStillServing ? DOMAIN_PROBLEMS.RENEWAL_FAILED : problem.code,
          reason: `${isStillServing ? `Renewal failed (the current certificate is valid until ${iso(current.not_after as number)}): ` : ''}${problem.message} Next attempt after ${iso(next)}.`,
        },
        attempts,
        next_attempt_at: next,
        entity_version: current.entity_version + 1,
        updated_at: now,
      });
    });
    logger.warn({ domain: row.domain, code: problem.code, reason: problem.message }, 'custom domain attempt failed');
  }

  async function runDue(): Promise<void> {
    for (let batch = 0; batch < 100; batch++) {
      const now = Date.now();
      const due = await store.transaction((tx) => tx.customDomains.due(now, 10));
      if (due.length === 0) return;
      for (const candidate of due) {
        const row = await claim(candidate.id, now);
        if (row) await attempt(row);
      }
    }
  }

  function kick(): Promise<void> {
    if (running) {
      isAgain = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          isAgain = false;
          await runDue();
        } while (isAgain);
      } catch (err) {
        logger.error({ err }, 'custom domain worker failed');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  function schedule(): void {
    if (isStopped) return;
    timer = setTimeout(() => void kick().finally(schedule), pollMs);
    timer.unref();
  }

  async function cnameTarget(controlPlaneId: string, geo: string): Promise<string> {
    const configurations = await store.transaction((tx) => tx.configurations.getByControlPlane(controlPlaneId));
    const hostname = configurations.find((c) => c.control_plane_geo === geo)?.dataplane_groups.flatMap((g) => g.hostnames)[0];
    if (hostname === undefined) {
      throw invalidParameters(
        [{ field: 'control_plane_geo', rule: 'invalid', reason: `control plane ${controlPlaneId} has no serverless gateway in geo ${geo}: create one with PUT /v3/cloud-gateways/configurations first` }],
        'No gateway to attach the domain to',
      );
    }
    return hostname;
  }

  return {
    async create(body: unknown): Promise<CustomDomain> {
      const input = readBody(createCustomDomainSchema, body);
      const domain = input.domain.trim().toLowerCase().replace(/\.$/, '');
      const base = options.baseDomain;
      if (!DOMAIN_RE.test(domain)) {
        throw invalidParameters([{ field: 'domain', rule: 'is_fqdn', reason: `domain must be a fully qualified domain name such as api.example.com (no wildcard, no IP address), got '${input.domain}'` }]);
      }
      if (domain === base || domain.endsWith(`.${base}`)) {
        throw invalidParameters([{ field: 'domain', rule: 'invalid', reason: `domain ${domain} is under the platform's own domain ${base} and cannot be claimed` }]);
      }
      const controlPlaneId = input.control_plane_id.toLowerCase();
      const controlPlane = await store.transaction((tx) => tx.controlPlanes.get(controlPlaneId));
      if (!controlPlane) throw controlPlaneNotFound();
      const target = await cnameTarget(controlPlaneId, input.control_plane_geo);
      const now = Date.now();
      const row: CustomDomainRow = {
        id: newId(), control_plane_id: controlPlaneId, control_plane_geo: input.control_plane_geo, domain, kind: input.kind ?? 'serverless.v1',
        cname_target: target, state: 'created',
        state_metadata: { reported_status: 'CREATED', reason: `Create the DNS record '${domain}. CNAME ${target}.'; Gatehouse then validates it and requests a certificate` },
        certificate_id: null, sni_id: null, not_after: null, attempts: 0, next_attempt_at: now, entity_version: 1, created_at: now, updated_at: now,
      };
      try {
        await store.transaction((tx) => tx.customDomains.insert(row));
      } catch (err) {
        if (err instanceof StoreConflictError && err.constraint === 'domain') throw new ProblemError(409, `Custom domain ${domain} is already claimed by a gateway.`);
        throw err;
      }
      if (!isStopped) void kick();
      return customDomainView(row);
    },

    async list(query: Query) {
      const { page, filter } = readListQuery(query);
      const { rows, total } = await store.transaction((tx) => tx.customDomains.list(filter, { limit: page.size, offset: page.offset }));
      return { meta: pageMeta(page, total), data: rows.map(customDomainView) };
    },

    async get(id: string): Promise<CustomDomain> {
      return customDomainView(await load(id));
    },

    /** Deletes the domain and its certificate + SNI; re-adding it starts a new validation. */
    async delete(id: string): Promise<void> {
      const row = await load(id);
      const isDeleted = await store.transaction(async (tx) => {
        const current = await tx.customDomains.get(row.id);
        if (!current) return false;
        await removeCertificate(tx, current);
        return tx.customDomains.delete(row.id);
      });
      if (!isDeleted) throw new ProblemError(404, NOT_FOUND);
      events.gatewayChanged(row.control_plane_id);
    },

    /**
     * Live CNAME check and certificate state. A domain in error whose CNAME is now right is retried at
     * once (unless the CA asked to wait): the user's "check again".
     */
    async onlineStatus(id: string): Promise<{ cname: 'verified' | 'unverified'; ssl: 'verified' | 'unverified' }> {
      const row = await load(id);
      const isCnameOk = await dns.checkCname(row.domain, row.cname_target).then(() => true, () => false);
      const isSslOk = row.certificate_id !== null && row.not_after !== null && row.not_after > Date.now();
      if (isCnameOk && row.state === 'error' && row.state_metadata.reported_status !== DOMAIN_PROBLEMS.CA_RATE_LIMITED) {
        await store.transaction(async (tx) => {
          const current = await tx.customDomains.get(row.id);
          if (current?.state === 'error') await tx.customDomains.update({ ...current, next_attempt_at: Date.now(), entity_version: current.entity_version + 1, updated_at: Date.now() });
        });
        if (!isStopped) void kick();
      }
      return { cname: isCnameOk ? 'verified' : 'unverified', ssl: isSslOk ? 'verified' : 'unverified' };
    },

    /** Starts the background worker (validation, issuance, retries, renewal). */
    start(): void {
      if (!isStopped) return;
      isStopped = false;
      void kick().finally(schedule);
    },

    /** Runs every due attempt now and resolves when the worker is idle (tests, start-up). */
    runDue: kick,

    async stop(): Promise<void> {
      isStopped = true;
      if (timer) clearTimeout(timer);
      while (running) await running;
    },
  };
}

export type DomainService = ReturnType<typeof createDomainService>;

/** Hostnames of a gateway's ready custom domains: the snapshot serves them besides its own. */
export async function readyDomainHostnames(store: Store, controlPlaneId: string): Promise<string[]> {
  const { rows } = await store.transaction((tx) => tx.customDomains.list({ controlPlaneIds: [controlPlaneId], states: ['ready'] }, { limit: 1000, offset: 0 }));
  return rows.map((r) => r.domain);
}
