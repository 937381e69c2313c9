// The UI's only way out: the control-plane API at this page's own origin, with the token from
// session storage in `Authorization` (never in a URL, so it stays out of logs and history).

const TOKEN_KEY = 'gatehouse.token';

export const getToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);
export const clearToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

/** Errors keyed by dotted field path (`paths`, `config.add.headers`), plus the ones naming no field. */
export interface FieldErrors {
  fields: Record<string, string[]>;
  form: string[];
}

export class ApiError extends Error {
  status: number;
  body: any;
  constructor(status: number, body: any) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
  }
}

function describe(status: number, body: any): string {
  if (body && typeof body === 'object') return String(body.message ?? body.detail ?? body.title ?? `HTTP ${status}`);
  return `HTTP ${status}`;
}

let onUnauthorized: () => void = () => undefined;
/** Called when the API answers 401: the token was revoked or mistyped. */
export const setUnauthorizedHandler = (fn: () => void): void => {
  onUnauthorized = fn;
};

/** Calls the API; resolves with the JSON body, rejects with ApiError on any non-2xx status. */
export async function api<T = any>(method: string, path: string, body?: unknown, token = getToken()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { message: text.slice(0, 200) };
  }
  if (res.status === 401 && token) onUnauthorized();
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed as T;
}

/** Like api(), but a 404 (an endpoint this server does not have yet) resolves to undefined. */
export async function optional<T = any>(method: string, path: string): Promise<T | undefined> {
  try {
    return await api<T>(method, path);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501)) return undefined;
    throw error;
  }
}

/**
 * The field errors of either API dialect: core entities' `{code, message, details:[{field, messages}]}`
 * and Konnect-native problem+json `{detail, invalid_parameters:[{field, reason}]}`.
 */
export function fieldErrors(error: unknown): FieldErrors {
  const result: FieldErrors = { fields: {}, form: [] };
  if (!(error instanceof ApiError)) {
    result.form.push(error instanceof Error ? error.message : String(error));
    return result;
  }
  const body = error.body ?? {};
  const add = (field: unknown, messages: string[]) => {
    if (typeof field === 'string' && field !== '' && field !== 'body') (result.fields[normalizeField(field)] ??= []).push(...messages);
    else result.form.push(...messages);
  };
  if (Array.isArray(body.details)) for (const d of body.details) add(d?.field, Array.isArray(d?.messages) ? d.messages.map(String) : [String(d?.message ?? body.message)]);
  if (Array.isArray(body.invalid_parameters)) for (const p of body.invalid_parameters) add(p?.field, [String(p?.reason ?? p?.rule ?? 'invalid')]);
  if (Object.keys(result.fields).length === 0 && result.form.length === 0) result.form.push(error.message);
  return result;
}

// `paths[0]` and `config.add.headers.1` name the same field as `paths` and `config.add.headers`.
const normalizeField = (field: string): string => field.replace(/\[\d+\]/g, '').replace(/\.\d+(?=\.|$)/g, '').replace(/^\//, '').replace(/\//g, '.');

/** Core-entity base path of one gateway. */
export const coreBase = (controlPlaneId: string): string => `/v2/control-planes/${encodeURIComponent(controlPlaneId)}/core-entities`;

/** Every item of a Kong-style paged list (bounded: 20 pages of 1000). */
export async function listAll<T = any>(path: string): Promise<T[]> {
  const out: T[] = [];
  let next: string | null = `${path}${path.includes('?') ? '&' : '?'}size=1000`;
  for (let page = 0; next && page < 20; page++) {
    const body: { data: T[]; offset?: string | null } = await api('GET', next);
    out.push(...body.data);
    next = body.offset ? `${path}${path.includes('?') ? '&' : '?'}size=1000&offset=${encodeURIComponent(body.offset)}` : null;
  }
  return out;
}

export interface ControlPlane {
  id: string;
  name: string;
  description: string;
  labels: Record<string, string>;
  config: { cluster_type: string; cloud_gateway: boolean; control_plane_endpoint: string; proxy_urls: { host: string; port: number; protocol: string }[] };
  created_at: string;
}

export interface DataplaneGroup {
  id: string;
  provider?: string;
  region: string;
  state: string;
  state_metadata?: { reported_status?: string; reason?: string };
  hostnames?: string[];
}

export interface Configuration {
  id: string;
  control_plane_id: string;
  control_plane_geo: string;
  kind?: string;
  dataplane_groups: DataplaneGroup[];
}

/** A gateway as the UI shows it: its control plane and, for serverless ones, its configuration. */
export interface Gateway {
  cp: ControlPlane;
  configuration?: Configuration;
}

export const KIND_LABELS: Record<string, string> = {
  CLUSTER_TYPE_SERVERLESS_V1: 'Serverless',
  CLUSTER_TYPE_SERVERLESS: 'Serverless (V0)',
  CLUSTER_TYPE_CONTROL_PLANE: 'Self-managed hybrid',
  CLUSTER_TYPE_K8S_INGRESS_CONTROLLER: 'Kubernetes Ingress',
  CLUSTER_TYPE_CONTROL_PLANE_GROUP: 'Control plane group',
};

/** The state of a gateway: its data-plane group's, or `ready` for kinds without one. */
export function gatewayState(g: Gateway): string {
  const groups = g.configuration?.dataplane_groups ?? [];
  if (groups.length === 0) return g.cp.config.cloud_gateway || g.cp.config.cluster_type.startsWith('CLUSTER_TYPE_SERVERLESS') ? 'created' : 'ready';
  if (groups.some((x) => x.state === 'error')) return 'error';
  if (groups.every((x) => x.state === 'ready')) return 'ready';
  return groups[0].state;
}

export const hostnameOf = (g: Gateway): string | undefined => g.configuration?.dataplane_groups.flatMap((x) => x.hostnames ?? [])[0];

/** The gateway's URLs per protocol, from the API's `proxy_urls` for its hostname (with the proxy's ports). */
export function gatewayUrls(g: Gateway): { https?: string; http?: string } {
  const host = hostnameOf(g);
  const out: { https?: string; http?: string } = {};
  for (const proxy of g.cp.config.proxy_urls) {
    // A port of 0 means the server was started on an ephemeral port it does not report here.
    if ((host && proxy.host !== host) || proxy.port === 0 || (proxy.protocol !== 'https' && proxy.protocol !== 'http')) continue;
    const isDefaultPort = (proxy.protocol === 'https' && proxy.port === 443) || (proxy.protocol === 'http' && proxy.port === 80);
    out[proxy.protocol] ??= `${proxy.protocol}://${proxy.host}${isDefaultPort ? '' : `:${proxy.port}`}`;
  }
  if (!out.https && !out.http && host) out.https = `https://${host}`;
  return out;
}

/** The gateway's URL to show first: HTTPS where it is served, else HTTP. */
export function gatewayUrl(g: Gateway): string | undefined {
  const urls = gatewayUrls(g);
  return urls.https ?? urls.http;
}

/** Every gateway with its configuration: two calls, made together. */
export async function loadGateways(): Promise<Gateway[]> {
  const [cps, configurations] = await Promise.all([
    api<{ data: ControlPlane[] }>('GET', '/v2/control-planes?page[size]=100'),
    api<{ data: Configuration[] }>('GET', '/v3/cloud-gateways/configurations?page[size]=100'),
  ]);
  const byCp = new Map(configurations.data.map((c) => [c.control_plane_id, c]));
  return cps.data.map((cp) => ({ cp, configuration: byCp.get(cp.id) }));
}

export async function loadGateway(id: string): Promise<Gateway> {
  const [cp, configurations] = await Promise.all([
    api<ControlPlane>('GET', `/v2/control-planes/${encodeURIComponent(id)}`),
    api<{ data: Configuration[] }>('GET', `/v3/cloud-gateways/configurations?filter[control_plane_id]=${encodeURIComponent(id)}`),
  ]);
  return { cp, configuration: configurations.data[0] };
}
