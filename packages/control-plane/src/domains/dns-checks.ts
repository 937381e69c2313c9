import { Resolver } from 'node:dns/promises';
import { DOMAIN_PROBLEMS, DomainProblem } from './errors.ts';

// DNS preflight before any ACME order (reference/custom-domains-rig.md §5, §9): Let's Encrypt counts
// failed authorizations against tight limits, so the platform checks CNAME and CAA itself first.
// Lookup errors other than "no such name / no such record" fail closed and are reported as DNS
// problems, never as a wrong CNAME.

const ABSENT = new Set(['ENODATA', 'ENOTFOUND']);

export interface DnsCheckOptions {
  /** `host` or `host:port` list (GATEHOUSE_DNS_SERVERS); empty = the system's resolvers. */
  servers?: string[];
  timeoutMs?: number;
  tries?: number;
}

export interface CaaPolicy {
  /** The CA's CAA identities, e.g. ['letsencrypt.org']. */
  identities: string[];
  /** ACME account URL for RFC 8657 `accounturi`; unknown before the account exists. */
  accountUri?: string;
}

interface CaaRecord {
  critical: number;
  issue?: string;
  issuewild?: string;
  [tag: string]: unknown;
}

// Node 24 adds `type: 'CAA'` to each record beside `critical` and the tag.
const NOT_TAGS = new Set(['critical', 'type']);
const KNOWN_TAGS = new Set(['issue', 'issuewild', 'iodef', 'contactemail', 'contactphone', 'issuemail', 'issuevmc']);

function dnsFailure(err: unknown, what: string, name: string): DomainProblem {
  const code = (err as { code?: string }).code ?? 'EUNKNOWN';
  const kind = code === 'ETIMEOUT' ? 'timed out' : code === 'ESERVFAIL' ? 'returned SERVFAIL' : code === 'EREFUSED' ? 'refused the query' : `failed (${code})`;
  return new DomainProblem(
    DOMAIN_PROBLEMS.DNS_FAILURE,
    `DNS problem: the lookup of ${what} for ${name} ${kind}. Certificates cannot be issued until your DNS provider answers it; fix the nameservers of ${name} and the check runs again.`,
  );
}

const render = (r: CaaRecord): string => {
  const tag = Object.keys(r).find((k) => !NOT_TAGS.has(k)) ?? 'issue';
  return `${r.critical} ${tag} "${String(r[tag])}"`;
};

/** `"letsencrypt.org; validationmethods=http-01"` -> issuer and parameters (RFC 8659 §4.2). */
function parseIssueValue(value: string): { issuer: string; params: Map<string, string> } {
  const [issuer, ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return { issuer: issuer.trim().toLowerCase(), params };
}

/** Whether one `issue` value lets our CA issue by HTTP-01 for our account (RFC 8659, RFC 8657). */
function allows(value: string, policy: CaaPolicy): boolean {
  const { issuer, params } = parseIssueValue(value);
  if (!policy.identities.includes(issuer)) return false;
  const methods = params.get('validationmethods');
  if (methods !== undefined && !methods.split(',').map((m) => m.trim().toLowerCase()).includes('http-01')) return false;
  const account = params.get('accounturi');
  if (account !== undefined && account !== policy.accountUri) return false;
  return true;
}

/**
 * DNS checks through a resolver of our own choosing.
 * @example
 * const dns = createDnsChecker({ servers: ['127.0.0.1:8053'] });
 * await dns.checkCname('api.example.com', '0123456789.us.gw.example'); // throws DomainProblem CNAME_MISMATCH
 */
export function createDnsChecker(options: DnsCheckOptions = {}) {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: options.tries ?? 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers(options.servers);

  /** The CNAME of `domain` (one hop), or null when it has none. */
  async function cnameOf(domain: string): Promise<string | null> {
    try {
      const [target] = await resolver.resolveCname(domain);
      return target === undefined ? null : target.toLowerCase().replace(/\.$/, '');
    } catch (err) {
      if (ABSENT.has((err as { code?: string }).code ?? '')) return null;
      throw dnsFailure(err, 'the CNAME record', domain);
    }
  }

  return {
    cnameOf,

    /** Throws CNAME_MISSING / CNAME_MISMATCH / DNS_FAILURE unless `domain` CNAMEs to `target`. */
    async checkCname(domain: string, target: string): Promise<void> {
      const found = await cnameOf(domain);
      if (found === null) {
        throw new DomainProblem(DOMAIN_PROBLEMS.CNAME_MISSING, `${domain} has no CNAME record. Create '${domain}. CNAME ${target}.' at your DNS provider.`);
      }
      if (found !== target) {
        throw new DomainProblem(DOMAIN_PROBLEMS.CNAME_MISMATCH, `${domain} has a CNAME to '${found}' instead of '${target}'. Change the record to '${domain}. CNAME ${target}.'.`);
      }
    },

    /**
     * RFC 8659 §3 as Let's Encrypt applies it: the CAA set at the name (DNS follows its CNAME), else at
     * each parent up to the TLD; the first non-empty set decides. Throws CAA_FORBIDS naming the record.
     */
    async checkCaa(domain: string, policy: CaaPolicy): Promise<void> {
      const labels = domain.split('.');
      for (let i = 0; i < labels.length; i++) {
        const name = labels.slice(i).join('.');
        let records: CaaRecord[];
        try {
          records = (await resolver.resolveCaa(name)) as unknown as CaaRecord[];
        } catch (err) {
          if (ABSENT.has((err as { code?: string }).code ?? '')) continue;
          throw dnsFailure(err, 'CAA records', name);
        }
        if (records.length === 0) continue;
        // Node does not say where a CAA set reached through a CNAME lives: name the CNAME target.
        const owner = i === 0 ? ((await cnameOf(name).catch(() => null)) ?? name) : name;
        const set = records.map(render).join(', ');
        const forbid = (why: string) =>
          new DomainProblem(
            DOMAIN_PROBLEMS.CAA_FORBIDS,
            `CAA record for ${domain} prevents issuance: ${why} (relevant CAA set at ${owner}: ${set}). Add '${owner}. CAA 0 issue "${policy.identities[0]}"' or remove the restriction.`,
          );
        const unknownCritical = records.find((r) => (r.critical & 128) !== 0 && Object.keys(r).some((k) => !NOT_TAGS.has(k) && !KNOWN_TAGS.has(k)));
        if (unknownCritical) throw forbid(`it has a critical record with an unknown tag`);
        const issues = records.filter((r) => typeof r.issue === 'string').map((r) => r.issue as string);
        if (issues.length === 0) return;
        if (issues.some((v) => allows(v, policy))) return;
        const named = issues.some((v) => policy.identities.includes(parseIssueValue(v).issuer));
        throw forbid(named ? `${policy.identities[0]} is listed only with parameters that exclude http-01 or this ACME account` : `${policy.identities[0]} is not listed`);
      }
    },
  };
}

export type DnsChecker = ReturnType<typeof createDnsChecker>;
