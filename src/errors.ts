/**
 * The connector's errors, at the bottom of the layers: every other layer may throw them, and
 * they import nothing of the connector.
 */

/**
 * Error codes the connector reports. They lead `check` messages and TRACE errors so a user can
 * look them up in the README's troubleshooting table.
 */
export type ErrorCode =
  | "config_error"
  | "invalid_credentials"
  | "invalid_permissions"
  | "no_resources"
  | "not_found"
  | "unreachable"
  | "rate_limited"
  | "server_error"
  | "unexpected_response"
  | "cancelled"
  | "internal_error";

/** Airbyte's failure types (the protocol's `failure_type` of a TRACE error). */
export type FailureType = "system_error" | "config_error" | "transient_error";

/**
 * How far an error reaches. `partition`: one repository or pull request could not be read, the
 * rest of the stream goes on. `stream`: the whole server is unusable for the stream (bad
 * credentials, a config error, an outage, a rate limit past its allowance, a cancel).
 */
export type Scope = "partition" | "stream";

/** An error whose message is fit for a user: it says what happened and what to do. */
export class ConnectorError extends Error {
  readonly code: ErrorCode;
  readonly failureType: FailureType;
  readonly scope: Scope;
  /** Detail for maintainers (HTTP status, exception class); never holds secrets. */
  readonly internal?: string;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { failureType?: FailureType; scope?: Scope; internal?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ConnectorError";
    this.code = code;
    this.failureType = opts.failureType ?? defaultFailureType(code);
    this.scope = opts.scope ?? defaultScope(code);
    if (opts.internal !== undefined) this.internal = opts.internal;
  }

  /** `code: message`, the form check reports and TRACE errors carry. */
  get userMessage(): string {
    return `${this.code}: ${this.message}`;
  }
}

function defaultFailureType(code: ErrorCode): FailureType {
  switch (code) {
    case "config_error":
    case "invalid_credentials":
    case "invalid_permissions":
    case "no_resources":
    case "not_found":
      return "config_error";
    case "unreachable":
    case "rate_limited":
    case "server_error":
    case "cancelled":
      return "transient_error";
    default:
      return "system_error";
  }
}

/** Codes that say the server (or the input) is unusable as a whole; the rest concern one partition. */
function defaultScope(code: ErrorCode): Scope {
  switch (code) {
    case "config_error":
    case "invalid_credentials":
    case "rate_limited":
    case "cancelled":
      return "stream";
    default:
      return "partition";
  }
}

export function configError(message: string, internal?: string): ConnectorError {
  return new ConnectorError("config_error", message, internal === undefined ? {} : { internal });
}

/** Wraps anything thrown into a ConnectorError without losing a ConnectorError's own code. */
export function asConnectorError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ConnectorError("internal_error", `unexpected error: ${message}`, { cause: err });
}
