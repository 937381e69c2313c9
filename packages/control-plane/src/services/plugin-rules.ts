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
