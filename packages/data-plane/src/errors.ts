/** Stable error codes of @gatehouse/data-plane; tests assert these, never messages. */
export const DP_ERRORS = {
  SNAPSHOT_FORMAT: 'ERR_DP_SNAPSHOT_FORMAT',
  SNAPSHOT_INVALID: 'ERR_DP_SNAPSHOT_INVALID',
  PLUGIN_UNKNOWN: 'ERR_DP_PLUGIN_UNKNOWN',
  PLUGIN_CONFIG_INVALID: 'ERR_DP_PLUGIN_CONFIG_INVALID',
  ROUTE_REGEX_INVALID: 'ERR_DP_ROUTE_REGEX_INVALID',
  HOSTNAME_TAKEN: 'ERR_DP_HOSTNAME_TAKEN',
  NOT_LISTENING: 'ERR_DP_NOT_LISTENING',
  /** A data-plane option is malformed (a trusted_ips entry that is no IP or CIDR). */
  OPTION_INVALID: 'ERR_DP_OPTION_INVALID',
  /** DB-less mode: the declarative file is unreadable or invalid (the message names line, entity and field). */
  DECLARATIVE_INVALID: 'ERR_DP_DECLARATIVE_INVALID',
  /** The upstream address is refused by the platform's upstream policy (upstream/guard.ts): 502. */
  UPSTREAM_REFUSED: 'ERR_DP_UPSTREAM_REFUSED',
  /** Internal: a streamed request body went over maxBodyBytes. */
  BODY_TOO_LARGE: 'ERR_DP_BODY_TOO_LARGE',
} as const;

export type DataPlaneErrorCode = (typeof DP_ERRORS)[keyof typeof DP_ERRORS];

/** An Error with a stable `code`. */
export class DataPlaneError extends Error {
  readonly code: DataPlaneErrorCode;
  constructor(code: DataPlaneErrorCode, message: string) {
    super(message);
    this.name = 'DataPlaneError';
    this.code = code;
  }
}
