import type { FieldError } from '@gatehouse/schema';
import { isKnownPlugin, validatePluginConfig } from '@gatehouse/plugins/schemas.ts';

// Plugin entity rules that depend on the plugin: its name must be one Gatehouse ships, and its config
// must pass that plugin's schema (defaults filled), as Kong checks `config` against the plugin's schema.

type Body = Record<string, any>;

/** The checked config with defaults, or errors with the prefix their fields need ('config.' or none). */
export function checkPlugin(plugin: Body): { config: Record<string, unknown> } | { errors: FieldError[]; prefix: string } {
  if (!isKnownPlugin(plugin.name)) {
    return { errors: [{ field: 'name', rule: 'invalid', reason: `plugin '${plugin.name}' not enabled; add it to the 'plugins' configuration property` }], prefix: '' };
  }
  const result = validatePluginConfig(plugin.name, plugin.config ?? {});
  if (!result.ok) return { errors: result.errors, prefix: 'config.' };
  return { config: result.value };
}

const isRecord = (value: unknown): value is Body => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Objects merge key by key; arrays, scalars and null replace. */
function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return patch;
  const out: Body = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = deepMerge(base[key], value);
  return out;
}

/**
 * A PATCH of a plugin: top-level fields replace, `config` merges into the stored config (Kong merges
 * nested records on update), unless the patch changes the plugin's name, whose old config means nothing.
 */
export function mergePluginPatch(existing: Body, patch: Body): Body {
  const merged = { ...existing, ...patch };
  const isSamePlugin = patch.name === undefined || patch.name === existing.name;
  if ('config' in patch) merged.config = isSamePlugin ? deepMerge(existing.config, patch.config) : patch.config;
  else if (!isSamePlugin) merged.config = {};
  return merged;
}

/** Cluster types whose data planes are Gatehouse's shared serverless fleet. */
export const SERVERLESS_CLUSTER_TYPES: readonly string[] = ['CLUSTER_TYPE_SERVERLESS', 'CLUSTER_TYPE_SERVERLESS_V1', 'CLUSTER_TYPE_CLOUD_API_GATEWAY'];

interface ServerlessLimit {
  /** Why the plugin cannot work on a serverless gateway, shown to the user. */
  reason: string;
  /** Refused only for configs this matches; refused whatever the config when absent. */
  when?: (config: Body) => boolean;
}

/**
 * Plugins a serverless gateway cannot run, with the reason (konnect-api.md §8.5: plugins that depend
 * on a local agent, the Status API or Admin API endpoints, AWS IAM AssumeRole, or the file system do
 * not work). Prometheus is fine: the fleet scrapes it for the user. The single place to extend.
 */
export const SERVERLESS_UNSUPPORTED_PLUGINS: Readonly<Record<string, ServerlessLimit>> = {
  'file-log': { reason: 'it writes to the data plane\'s local file system, which serverless gateways do not expose' },
  syslog: { reason: 'it needs a local syslog agent on the data plane host' },
  datadog: { reason: 'it needs a local Datadog agent on the data plane host' },
  statsd: { reason: 'it needs a local StatsD agent on the data plane host' },
  'statsd-advanced': { reason: 'it needs a local StatsD agent on the data plane host' },
  acme: { reason: 'it needs Admin API endpoints and data-plane storage; use custom domains instead' },
  oauth2: { reason: 'it needs Admin API endpoints and a data-plane database to manage tokens' },
  'aws-lambda': { reason: 'AWS IAM AssumeRole is not available to serverless gateways', when: (config) => Boolean(config?.aws_assume_role_arn) },
};

/** The error for a plugin a serverless control plane refuses, or none. */
export function checkServerlessPlugin(name: string, config: unknown): FieldError[] {
  const limit = SERVERLESS_UNSUPPORTED_PLUGINS[name];
  if (!limit || (limit.when && !limit.when((config ?? {}) as Body))) return [];
  return [{ field: 'name', rule: 'invalid', reason: `plugin '${name}' is not available on serverless gateways: ${limit.reason}` }];
}
