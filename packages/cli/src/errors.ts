import { describeErrorBody, type ApiError } from '@gatehouse/api-client';

/** Exit codes (issue 9): 0 ok, 1 failure, 2 usage. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** Stable codes for CLI failures (STYLE.md: `ERR_<AREA>_<WHAT>`). */
export const CLI_ERRORS = {
  USAGE: 'ERR_CLI_USAGE',
  NOT_LOGGED_IN: 'ERR_CLI_NOT_LOGGED_IN',
  NOT_FOUND: 'ERR_CLI_NOT_FOUND',
  CONFIRMATION: 'ERR_CLI_CONFIRMATION',
  FILE: 'ERR_CLI_FILE',
  API: 'ERR_CLI_API',
  TIMEOUT: 'ERR_CLI_TIMEOUT',
} as const;

/**
 * A failure the user can act on: `message` says what went wrong, `hint` what to do next.
 * @example throw new CliError(CLI_ERRORS.NOT_FOUND, `no gateway named 'shop'`, 'List them with `gatehouse gateways list`.');
 */
export class CliError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly exitCode: number;
  constructor(code: string, message: string, hint: string, exitCode: number = EXIT.FAILURE) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/** A usage error: exit 2, with the command's usage line as the hint. */
export const usageError = (message: string, usage: string): CliError =>
  new CliError(CLI_ERRORS.USAGE, message, `Usage: gatehouse ${usage}\nRun \`gatehouse help\` for every command.`, EXIT.USAGE);

/** Turns an API failure into what to do next, by status. */
export function fromApiError(error: ApiError): CliError {
  const detail = describeErrorBody(error.body);
  if (error.status === 0) return new CliError(CLI_ERRORS.API, error.message, 'Check that the platform is running (`npm start`) and that the URL is right (`gatehouse login --url ...`).');
  if (error.status === 401) return new CliError(CLI_ERRORS.NOT_LOGGED_IN, `the API refused the token (401${detail ? `: ${detail}` : ''})`, 'Log in again with `gatehouse login --url <api-url> --token <kpat_...>` or set GATEHOUSE_TOKEN.');
  if (error.status === 403) return new CliError(CLI_ERRORS.API, `the token may not do this (403${detail ? `: ${detail}` : ''})`, 'Use a token with access to this control plane.');
  if (error.status === 404) return new CliError(CLI_ERRORS.NOT_FOUND, `not found: ${error.method} ${error.path}${detail ? ` (${detail})` : ''}`, 'Check the name or id; `gatehouse gateways list` shows the gateways.');
  if (error.status === 400 || error.status === 409) return new CliError(CLI_ERRORS.API, `the API rejected the request (${error.status}): ${detail ?? 'invalid input'}`, 'Fix the fields named above and run the command again.');
  return new CliError(CLI_ERRORS.API, error.message, 'This looks like a server problem; check the platform logs and try again.');
}
