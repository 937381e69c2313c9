/** Stable error codes of @gatehouse/plugins; tests assert these, never messages. */
export const PLUGIN_ERRORS = {
  /** A `$(...)` template uses syntax outside the supported subset (see request-transformer/README.md). */
  TEMPLATE_SYNTAX: 'ERR_PLUGINS_TEMPLATE_SYNTAX',
  /** A plugin config failed its schema at data-plane load. */
  CONFIG_INVALID: 'ERR_PLUGINS_CONFIG_INVALID',
} as const;

export type PluginErrorCode = (typeof PLUGIN_ERRORS)[keyof typeof PLUGIN_ERRORS];

/** An Error with a stable `code`. */
export class PluginError extends Error {
  readonly code: PluginErrorCode;
  constructor(code: PluginErrorCode, message: string) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
  }
}
