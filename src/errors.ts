import type { FailureType } from "./protocol/messages.js";

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
  | "internal_error";

/** An error whose message is fit for a user: it says what happened and what to do. */
export class ConnectorError extends Error {
  readonly code: ErrorCode;
  readonly failureType: FailureType;
  /** Detail for maintainers (HTTP status, exception class); never holds secrets. */
  readonly internal?: string;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { failureType?: FailureType; internal?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ConnectorError";
    this.code = code;
    this.failureType = opts.failureType ?? defaultFailureType(code);
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
      return "transient_error";
    default:
      return "system_error";
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
