import type { EntityType } from '@gatehouse/schema';

// The one store interface. Two implementations: sqlite.ts (node:sqlite, embedded default) and
// postgres.ts (pg, DATABASE_URL). Both pass store.cases.ts. Rows are plain JSON-able objects; the API
// layer owns wire shapes and validation, the store owns persistence, uniqueness and transactions.

/** Timestamps in rows are epoch milliseconds; the API converts to ISO strings or Kong's seconds. */
export interface ControlPlaneRow {
  id: string;
  name: string;
  description: string;
  labels: Record<string, string>;
  cluster_type: string;
  auth_type: string;
  cloud_gateway: boolean;
  proxy_urls: { host: string; port: number; protocol: string }[];
  /** 10 hex chars, unique, used in endpoints and hostnames. */
  dns_prefix: string;
  created_at: number;
  updated_at: number;
}

export interface DataplaneGroupRow {
  id: string;
  provider: string | null;
  region: string;
  state: string;
  state_metadata: { reported_status?: string; reason?: string } | null;
  hostnames: string[];
  created_at: number;
  updated_at: number;
}

export interface ConfigurationRow {
  id: string;
  control_plane_id: string;
  control_plane_geo: string;
  kind: string;
  /** The groups as the user asked for them, echoed as `dataplane_group_config`. */
  dataplane_group_config: { provider?: string; region: string }[];
  dataplane_groups: DataplaneGroupRow[];
  entity_version: number;
  created_at: number;
  updated_at: number;
}

/** A custom domain (issue 8): a hostname of a gateway with an ACME certificate. */
export interface CustomDomainRow {
  id: string;
  control_plane_id: string;
  control_plane_geo: string;
  /** Lower-case, no trailing dot; unique across the platform. */
  domain: string;
  kind: string;
  /** The hostname the user's CNAME must point at (the gateway's own hostname). */
  cname_target: string;
  state: string;
  state_metadata: { reported_status?: string; reason?: string };
  certificate_id: string | null;
  sni_id: string | null;
  /** Expiry of the served certificate (epoch ms), or null before the first issuance. */
  not_after: number | null;
  /** Consecutive failed attempts, for the retry backoff. */
  attempts: number;
  /** When the background worker should next validate, retry or renew; null when nothing is due. */
  next_attempt_at: number | null;
  entity_version: number;
  created_at: number;
  updated_at: number;
}

/** Analytics rollup resolution: raw minutes and hourly rollups (issue 10). */
export type AnalyticsGranularity = 'minute' | 'hour';

/** Traffic of one control plane in one bucket for one (route, service, consumer, status). */
export interface AnalyticsRow {
  control_plane_id: string;
  /** Epoch ms of the minute or hour. */
  bucket: number;
  /** null: no route matched (or no service, no consumer). */
  route_id: string | null;
  service_id: string | null;
  consumer_id: string | null;
  status: number;
  requests: number;
  bytes_in: number;
  bytes_out: number;
  /** LatencyHistogram wire forms (@gatehouse/data-plane telemetry). */
  latency_total: number[];
  latency_upstream: number[];
  latency_gateway: number[];
}

/** Rows with from <= bucket < to; each list filter keeps rows whose value is one of the list. */
export interface AnalyticsRangeQuery {
  controlPlaneId: string;
  from: number;
  to: number;
  routeIds?: string[];
  serviceIds?: string[];
  consumerIds?: string[];
  statusMin?: number;
  statusMax?: number;
}

/** A Kong core entity. `body` is the full stored entity (id, timestamps and every field included). */
export interface EntityRow {
  id: string;
  control_plane_id: string;
  type: EntityType;
  /** The entity's unique name within (control plane, type), or null: `name`, `username`, `instance_name`... */
  name: string | null;
  body: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

export interface TokenRow {
  id: string;
  name: string;
  /** sha256 hex of the token; the token itself is never stored. */
  hash: string;
  created_at: number;
}

export interface PageQuery {
  limit: number;
  offset: number;
}

export interface ControlPlaneFilter {
  ids?: string[];
  nameEq?: string;
  nameNeq?: string;
  nameContains?: string;
  /** Any of these cluster types. */
  clusterTypes?: string[];
  clusterTypesNot?: string[];
  cloudGateway?: boolean;
}

/**
 * Kong-style list: stable order (insertion), opaque cursor. `after` is the cursor returned by the
 * previous page (`null` when there is no next page).
 */
export interface EntityListQuery {
  limit: number;
  after?: string | null;
  /** Equality on a foreign key inside body: `{ 'service': id }` means body.service.id = id. */
  refs?: Partial<Record<'service' | 'route' | 'consumer' | 'consumer_group' | 'upstream' | 'certificate', string>>;
  /** Tags filter: every tag in `all` (Kong `tags=a,b`) or any tag in `any` (Kong `tags=a/b`). */
  tags?: { all?: string[]; any?: string[] };
  nameEq?: string;
  nameContains?: string;
}

export interface EntityPage {
  rows: EntityRow[];
  /** Cursor for the next page, or null on the last page. */
  next: string | null;
}

/** Thrown on a unique-constraint violation; `constraint` names what collided. */
export class StoreConflictError extends Error {
  readonly code = 'ERR_STORE_CONFLICT';
  readonly constraint: string;
  constructor(constraint: string, message = `unique constraint violated: ${constraint}`) {
    super(message);
    this.constraint = constraint;
  }
}

export interface StoreTx {
  controlPlanes: {
    /** Throws StoreConflictError('name') when the name exists, ('dns_prefix') when the prefix does. */
    insert(row: ControlPlaneRow): Promise<void>;
    get(id: string): Promise<ControlPlaneRow | undefined>;
    getByName(name: string): Promise<ControlPlaneRow | undefined>;
    list(filter: ControlPlaneFilter, page: PageQuery): Promise<{ rows: ControlPlaneRow[]; total: number }>;
    /** Whole-row replace by id; StoreConflictError('name') on a duplicate name. Returns false if absent. */
    update(row: ControlPlaneRow): Promise<boolean>;
    /** Deletes the control plane, its configuration and every entity of it. Returns false if absent. */
    delete(id: string): Promise<boolean>;
  };
  configurations: {
    /** Insert or replace the configuration of (control_plane_id, control_plane_geo). */
    put(row: ConfigurationRow): Promise<void>;
    get(id: string): Promise<ConfigurationRow | undefined>;
    getByControlPlane(controlPlaneId: string): Promise<ConfigurationRow[]>;
    list(filter: { controlPlaneIds?: string[]; geos?: string[] }, page: PageQuery): Promise<{ rows: ConfigurationRow[]; total: number }>;
    delete(id: string): Promise<boolean>;
  };
  /**
   * Configurations of deleted control planes, kept so that their id stays readable while the groups
   * go `terminating` -> `terminated` (issue 7); no foreign key, pruned by age.
   */
  retiredConfigurations: {
    /** Insert, or replace by id. */
    put(row: ConfigurationRow, retiredAt: number): Promise<void>;
    get(id: string): Promise<ConfigurationRow | undefined>;
    getByControlPlane(controlPlaneId: string): Promise<ConfigurationRow[]>;
    /** In retired_at order. */
    list(page: PageQuery): Promise<ConfigurationRow[]>;
    /** Deletes those retired before `before` (epoch ms); returns how many. */
    prune(before: number): Promise<number>;
  };
  /** Hostnames handed out, kept forever so that none is ever reused. */
  hostnames: {
    /** Throws StoreConflictError('hostname') if the hostname was ever claimed. */
    claim(hostname: string, controlPlaneId: string): Promise<void>;
    release(controlPlaneId: string): Promise<void>;
  };
  entities: {
    /** Throws StoreConflictError('<type>.name') on a duplicate non-null name, ('<type>.id') on a duplicate id. */
    insert(row: EntityRow): Promise<void>;
    get(controlPlaneId: string, type: EntityType, id: string): Promise<EntityRow | undefined>;
    getByName(controlPlaneId: string, type: EntityType, name: string): Promise<EntityRow | undefined>;
    list(controlPlaneId: string, type: EntityType, query: EntityListQuery): Promise<EntityPage>;
    /** Every entity of a control plane of the given type, in insertion order (for the compiler). */
    all(controlPlaneId: string, type: EntityType): Promise<EntityRow[]>;
    /** Whole-row replace; StoreConflictError on a duplicate name. Returns false if absent. */
    update(row: EntityRow): Promise<boolean>;
    delete(controlPlaneId: string, type: EntityType, id: string): Promise<boolean>;
    count(controlPlaneId: string, type: EntityType, refs?: EntityListQuery['refs']): Promise<number>;
  };
  tokens: {
    insert(row: TokenRow): Promise<void>;
    findByHash(hash: string): Promise<TokenRow | undefined>;
    count(): Promise<number>;
  };
  customDomains: {
    /** Throws StoreConflictError('domain') when another row holds the domain. */
    insert(row: CustomDomainRow): Promise<void>;
    get(id: string): Promise<CustomDomainRow | undefined>;
    getByDomain(domain: string): Promise<CustomDomainRow | undefined>;
    list(filter: { controlPlaneIds?: string[]; geos?: string[]; domains?: string[]; domainContains?: string; states?: string[] }, page: PageQuery): Promise<{ rows: CustomDomainRow[]; total: number }>;
    /** Rows whose next_attempt_at is at or before `now`, soonest first. */
    due(now: number, limit: number): Promise<CustomDomainRow[]>;
    /** Whole-row replace by id. Returns false if absent. */
    update(row: CustomDomainRow): Promise<boolean>;
    delete(id: string): Promise<boolean>;
  };
  /** Analytics rollups (issue 10); the service merges histograms, the store keeps rows. */
  analytics: {
    /** Every row of a control plane in one bucket (to merge a batch into). */
    bucket(granularity: AnalyticsGranularity, controlPlaneId: string, bucket: number): Promise<AnalyticsRow[]>;
    /** Inserts or replaces rows by (control plane, bucket, route, service, consumer, status). */
    put(granularity: AnalyticsGranularity, rows: AnalyticsRow[]): Promise<void>;
    range(granularity: AnalyticsGranularity, query: AnalyticsRangeQuery): Promise<AnalyticsRow[]>;
    /** Requests per control plane over [from, to) (buckets), only those with traffic: one grouped query. */
    requestsByControlPlane(granularity: AnalyticsGranularity, from: number, to: number): Promise<{ control_plane_id: string; requests: number }[]>;
    /** Deletes rows older than `before` (bucket < before); returns how many. */
    prune(granularity: AnalyticsGranularity, before: number): Promise<number>;
  };
  /** Small platform settings and secrets (local CA, ACME account key...). */
  settings: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
  };
}

export interface Store extends StoreTx {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. Transactions
   * are serialized on SQLite (one writer) and real on PostgreSQL.
   * On PostgreSQL they run SERIALIZABLE, and `fn` runs again (up to 10 times) when PostgreSQL aborts it
   * for a conflicting concurrent transaction (SQLSTATE 40001/40P01): keep side effects after the call.
   * Inside `fn` use only `tx`: calling `store.*` there throws ERR_STORE_REENTRANT (it would deadlock).
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
