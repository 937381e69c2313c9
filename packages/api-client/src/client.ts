import type { Plugin, Route, Service } from '@gatehouse/schema';
import { API_CLIENT_ERRORS, ApiError, describeErrorBody } from './errors.ts';

// A typed, fetch-based client for the control-plane API (Konnect wire format): control planes,
// cloud-gateway configurations and Kong core entities, with Kong's offset paging walked for you.

export interface ProxyUrl { host: string; port: number; protocol: string }

export interface ControlPlane {
  id: string;
  name: string;
  description: string;
  labels: Record<string, string>;
  config: {
    control_plane_endpoint: string;
    telemetry_endpoint: string;
    cluster_type: string;
    auth_type: string;
    cloud_gateway: boolean;
    proxy_urls: ProxyUrl[];
  };
  created_at: string;
  updated_at: string;
}

export interface DataplaneGroup {
  id: string;
  provider?: string;
  region: string;
  state: 'created' | 'initializing' | 'ready' | 'terminating' | 'terminated';
  state_metadata?: { reported_status?: string; reason?: string };
  hostnames: string[];
}

export interface Configuration {
  id: string;
  control_plane_id: string;
  control_plane_geo: string;
  kind: string;
  dataplane_groups: DataplaneGroup[];
  entity_version: number;
}

/** A custom domain (Konnect §6.5) with Gatehouse's read-only `cname_target`. */
export interface CustomDomain {
  id: string;
  control_plane_id: string;
  control_plane_geo: string;
  domain: string;
  kind: string;
  certificate_id: string | null;
  sni_id: string | null;
  state: 'created' | 'initializing' | 'ready' | 'terminating' | 'terminated' | 'error';
  state_metadata: { reported_status?: string; reason?: string };
  /** Where the domain's CNAME record must point. */
  cname_target: string;
  created_at: string;
  updated_at: string;
}

/** A data-plane node connected to a control plane (Konnect §3, plus Kong's `sync_status`). */
export interface DataPlaneNode {
  id: string;
  hostname: string;
  version: string;
  type: string;
  last_ping: number;
  config_hash: string;
  sync_status?: string;
  compatibility_status?: { state: string; issues: { code: string; severity: string; description: string }[] };
  created_at: number;
  updated_at: number;
}

/** Consumer credentials: [path segment under `/consumers/{id}`, read-only collection of them all]. */
export const CREDENTIAL_PATHS = {
  keyauth_credentials: ['key-auth', 'key-auths'],
  basicauth_credentials: ['basic-auth', 'basic-auths'],
  jwt_secrets: ['jwt', 'jwts'],
  hmacauth_credentials: ['hmac-auth', 'hmac-auths'],
  acls: ['acls', 'acls'],
} as const;
export type CredentialType = keyof typeof CREDENTIAL_PATHS;

/** The core-entity collections this client covers (Kong DAO names). */
export type CoreEntityType = 'services' | 'routes' | 'plugins' | 'consumers' | 'consumer_groups' | 'upstreams' | 'targets' | 'certificates' | 'snis' | 'ca_certificates' | CredentialType;
type Entity = Record<string, any> & { id: string };
export type CoreEntities = { services: Service; routes: Route; plugins: Plugin } & Record<Exclude<CoreEntityType, 'services' | 'routes' | 'plugins'>, Entity>;
/** A scope for nested collections: `/services/{id}/routes`, `/consumers/{id}/key-auth`, `/upstreams/{id}/targets`. */
export interface ParentRef { type: 'services' | 'routes' | 'consumers' | 'consumer_groups' | 'upstreams' | 'certificates'; idOrName: string }

export interface ClientOptions {
  /** API base URL, e.g. `http://127.0.0.1:8001`. */
  url: string;
  /** A personal access token (`kpat_...`), sent as `Authorization: Bearer`. */
  token: string;
  /** For tests and custom agents; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
};

/**
 * Creates a client for one Gatehouse (or Konnect) API.
 * @example
 * const client = createClient({ url: 'http://127.0.0.1:8001', token: 'kpat_...' });
 * const cp = await client.controlPlanes.create({ name: 'shop', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
 * for await (const service of client.entities(cp.id).iterate('services')) console.log(service.name);
 */
export function createClient(options: ClientOptions) {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  async function request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      const reason = (cause as any)?.cause?.code ?? (cause as Error).message;
      throw new ApiError({ code: API_CLIENT_ERRORS.UNREACHABLE, status: 0, body: undefined, method, path, cause, message: `cannot reach ${base} (${reason})` });
    }
    const text = await res.text();
    let parsed: unknown;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const detail = describeErrorBody(parsed);
      throw new ApiError({ code: API_CLIENT_ERRORS.HTTP, status: res.status, body: parsed, method, path, message: `${method} ${path} answered ${res.status}${detail ? `: ${detail}` : ''}` });
    }
    return parsed as T;
  }

  const controlPlanes = {
    /** One page of control planes; `name` filters by exact name. */
    list: (filter: { name?: string; pageSize?: number; pageNumber?: number } = {}) =>
      request<{ data: ControlPlane[]; meta: { page: { number: number; size: number; total: number } } }>(
        'GET',
        `/v2/control-planes${q({ 'filter[name][eq]': filter.name, 'page[size]': filter.pageSize, 'page[number]': filter.pageNumber })}`,
      ),
    /** Every control plane, page by page. */
    async all(): Promise<ControlPlane[]> {
      const out: ControlPlane[] = [];
      for (let page = 1; ; page++) {
        const res = await controlPlanes.list({ pageSize: 100, pageNumber: page });
        out.push(...res.data);
        if (res.data.length === 0 || out.length >= res.meta.page.total) return out;
      }
    },
    get: (id: string) => request<ControlPlane>('GET', `/v2/control-planes/${encodeURIComponent(id)}`),
    create: (body: { name: string; description?: string; cluster_type?: string; cloud_gateway?: boolean; auth_type?: string; labels?: Record<string, string> }) =>
      request<ControlPlane>('POST', '/v2/control-planes', body),
    delete: (id: string) => request<void>('DELETE', `/v2/control-planes/${encodeURIComponent(id)}`),
  };

  const configurations = {
    /** Creates or replaces the cloud-gateway configuration of a control plane. */
    put: (body: { control_plane_id: string; control_plane_geo: string; dataplane_groups: { provider?: string; region: string }[]; kind: string }) =>
      request<Configuration>('PUT', '/v3/cloud-gateways/configurations', body),
    list: (filter: { controlPlaneId?: string } = {}) =>
      request<{ data: Configuration[] }>('GET', `/v3/cloud-gateways/configurations${q({ 'filter[control_plane_id]': filter.controlPlaneId })}`),
    get: (id: string) => request<Configuration>('GET', `/v3/cloud-gateways/configurations/${encodeURIComponent(id)}`),
  };

  const customDomains = {
    /** One page; `domain` and `controlPlaneId` filter by exact value. */
    list: (filter: { domain?: string; controlPlaneId?: string; pageSize?: number } = {}) =>
      request<{ data: CustomDomain[]; meta: { page: { number: number; size: number; total: number } } }>(
        'GET',
        `/v3/cloud-gateways/custom-domains${q({ 'filter[domain][eq]': filter.domain, 'filter[control_plane_id][eq]': filter.controlPlaneId, 'page[size]': filter.pageSize })}`,
      ),
    create: (body: { control_plane_id: string; control_plane_geo: string; domain: string }) => request<CustomDomain>('POST', '/v3/cloud-gateways/custom-domains', body),
    get: (id: string) => request<CustomDomain>('GET', `/v3/cloud-gateways/custom-domains/${encodeURIComponent(id)}`),
    onlineStatus: (id: string) => request<{ cname: 'verified' | 'unverified'; ssl: 'verified' | 'unverified' }>('GET', `/v3/cloud-gateways/custom-domains/${encodeURIComponent(id)}/online-status`),
    delete: (id: string) => request<void>('DELETE', `/v3/cloud-gateways/custom-domains/${encodeURIComponent(id)}`),
  };

  const nodes = {
    /** Every node of a control plane, page by page. */
    async all(controlPlaneId: string): Promise<DataPlaneNode[]> {
      const out: DataPlaneNode[] = [];
      let after: string | undefined;
      do {
        const res = await request<{ items: DataPlaneNode[]; page: { total_count: number; next?: string } }>(
          'GET',
          `/v2/control-planes/${encodeURIComponent(controlPlaneId)}/nodes${q({ 'page[size]': 100, 'page[after]': after })}`,
        );
        out.push(...res.items);
        after = res.page.next;
      } while (after);
      return out;
    },
  };

  /** Kong core entities of one control plane, under `/v2/control-planes/{id}/core-entities`. */
  function entities(controlPlaneId: string) {
    const root = `/v2/control-planes/${encodeURIComponent(controlPlaneId)}/core-entities`;
    // Credentials are written under their consumer (`/consumers/{id}/key-auth`); `/key-auths` only reads.
    const segment = (type: CoreEntityType, isNested: boolean): string => (type in CREDENTIAL_PATHS ? CREDENTIAL_PATHS[type as CredentialType][isNested ? 0 : 1] : type);
    const collection = (type: CoreEntityType, parent?: ParentRef) =>
      parent ? `${root}/${parent.type}/${encodeURIComponent(parent.idOrName)}/${segment(type, true)}` : `${root}/${segment(type, false)}`;
    const item = (type: CoreEntityType, idOrName: string, parent?: ParentRef) => `${collection(type, parent)}/${encodeURIComponent(idOrName)}`;
    return {
      /** One page in Kong's list format; pass the returned `offset` back for the next one. */
      page: <T extends CoreEntityType>(type: T, opts: { parent?: ParentRef; size?: number; offset?: string; tags?: string[] } = {}) =>
        request<{ data: CoreEntities[T][]; next: string | null; offset?: string }>(
          'GET',
          `${collection(type, opts.parent)}${q({ size: opts.size, offset: opts.offset, tags: opts.tags && opts.tags.length > 0 ? opts.tags.join(',') : undefined })}`,
        ),
      /** Walks every page, as go-kong does (`size=1000`, then `offset` until there is none). */
      async *iterate<T extends CoreEntityType>(type: T, opts: { parent?: ParentRef; tags?: string[] } = {}): AsyncGenerator<CoreEntities[T]> {
        let offset: string | undefined;
        do {
          const res = await this.page(type, { ...opts, size: 1000, offset });
          yield* res.data;
          offset = res.offset ?? undefined;
        } while (offset);
      },
      async all<T extends CoreEntityType>(type: T, opts: { parent?: ParentRef; tags?: string[] } = {}): Promise<CoreEntities[T][]> {
        const out: CoreEntities[T][] = [];
        for await (const e of this.iterate(type, opts)) out.push(e);
        return out;
      },
      get: <T extends CoreEntityType>(type: T, idOrName: string, parent?: ParentRef) => request<CoreEntities[T]>('GET', item(type, idOrName, parent)),
      create: <T extends CoreEntityType>(type: T, body: Record<string, unknown>, parent?: ParentRef) => request<CoreEntities[T]>('POST', collection(type, parent), body),
      /** Kong's PUT: creates with this id or replaces the entity whole. Credentials need their consumer as `parent`. */
      upsert: <T extends CoreEntityType>(type: T, id: string, body: Record<string, unknown>, parent?: ParentRef) => request<CoreEntities[T]>('PUT', item(type, id, parent), body),
      patch: <T extends CoreEntityType>(type: T, idOrName: string, body: Record<string, unknown>, parent?: ParentRef) => request<CoreEntities[T]>('PATCH', item(type, idOrName, parent), body),
      delete: (type: CoreEntityType, idOrName: string, parent?: ParentRef) => request<void>('DELETE', item(type, idOrName, parent)),
      /** The consumers in a consumer group (answered whole, as Kong does). */
      members: async (groupIdOrName: string) => (await request<{ data: CoreEntities['consumers'][] }>('GET', `${root}/consumer_groups/${encodeURIComponent(groupIdOrName)}/consumers`)).data,
      addMember: (groupIdOrName: string, consumerIdOrName: string) => request<void>('POST', `${root}/consumer_groups/${encodeURIComponent(groupIdOrName)}/consumers`, { consumer: consumerIdOrName }),
      removeMember: (groupIdOrName: string, consumerIdOrName: string) => request<void>('DELETE', `${root}/consumer_groups/${encodeURIComponent(groupIdOrName)}/consumers/${encodeURIComponent(consumerIdOrName)}`),
    };
  }

  return { url: base, request, controlPlanes, configurations, customDomains, nodes, entities };
}

export type Client = ReturnType<typeof createClient>;
export type EntitiesClient = ReturnType<Client['entities']>;
