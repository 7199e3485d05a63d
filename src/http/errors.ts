import { ConnectorError } from "../errors.js";
import { meaningOf } from "./outcomes.js";

/** What Bitbucket said in an error body: Cloud's `{error: {message}}` or Data Center's `{errors: [...]}`. */
export interface ApiErrorDetail {
  message?: string;
  exceptionName?: string;
}

/**
 * A response Bitbucket gave that is not a success: the status, and what the body explained. Its
 * code and scope come from the outcome table (outcomes.ts).
 */
export class HttpError extends ConnectorError {
  readonly status: number;
  readonly detail: ApiErrorDetail;
  readonly method: string;
  readonly path: string;

  constructor(opts: {
    service: string;
    status: number;
    method: string;
    path: string;
    detail: ApiErrorDetail;
  }) {
    const exception = opts.detail.exceptionName?.split(".").pop();
    const means = meaningOf({ kind: "answer", status: opts.status, contentType: "", exception });
    const said = opts.detail.message ? `: ${opts.detail.message}` : "";
    super(
      means.code ?? "unexpected_response",
      `${opts.service} answered ${opts.status} ${statusText(opts.status)} to ${opts.method} ${opts.path}${said}`,
      {
        internal: [`HTTP ${opts.status}`, opts.detail.exceptionName].filter(Boolean).join(" "),
        ...(means.scope ? { scope: means.scope } : {}),
      },
    );
    this.name = "HttpError";
    this.status = opts.status;
    this.detail = opts.detail;
    this.method = opts.method;
    this.path = opts.path;
  }

  /** Data Center's exception class, e.g. `NoSuchCommitException`, without its package. */
  get exception(): string | undefined {
    return this.detail.exceptionName?.split(".").pop();
  }
}

/** Reads the error envelope of either deployment; tolerates HTML and plain-text bodies. */
export function parseErrorBody(text: string): ApiErrorDetail {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) {
    const plain = trimmed
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim();
    return plain ? { message: plain.slice(0, 200) } : {};
  }
  try {
    const body = JSON.parse(trimmed) as {
      error?: { message?: unknown; detail?: unknown };
      errors?: { message?: unknown; exceptionName?: unknown }[];
      message?: unknown;
    };
    const dc = Array.isArray(body.errors) ? body.errors[0] : undefined;
    const message = str(body.error?.message) ?? str(dc?.message) ?? str(body.message);
    const detail = str(body.error?.detail);
    const exceptionName = str(dc?.exceptionName);
    const out: ApiErrorDetail = {};
    const full = [message, detail].filter(Boolean).join(" ");
    if (full) out.message = full.slice(0, 500);
    if (exceptionName) out.exceptionName = exceptionName;
    return out;
  } catch {
    return { message: trimmed.slice(0, 200) };
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  410: "Gone",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "";
}
