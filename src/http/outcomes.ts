import type { ErrorCode, FailureType, Scope } from "../errors.js";

/**
 * What one exchange with the server showed: an answer, or a failure to get one.
 */
export type Observed =
  | {
      kind: "answer";
      status: number;
      /** Lower-cased Content-Type, "" when absent. */
      contentType: string;
      location?: string | undefined;
      /** Data Center's exception class from the error body, without its package. */
      exception?: string | undefined;
    }
  | { kind: "failure"; failure: "timeout" | "network" | "tls" | "too_large" | "malformed" };

/**
 * What an outcome means. `accept`: hand the body to the caller. `follow`: a redirect (same
 * origin only). `pause`: a rate limit, every request of the deployment waits, then retries.
 * `retry`: transient, retried with backoff; once retries are spent the error has `scope`.
 * `fail`: not retried; the error has `scope`.
 */
export interface Meaning {
  action: "accept" | "follow" | "pause" | "retry" | "fail";
  code?: ErrorCode;
  scope?: Scope;
  failureType?: FailureType;
}

interface Rule {
  /** What the server or the network did, in words (the README's table says the same). */
  when: string;
  test: (o: Observed) => boolean;
  means: Meaning;
}

const status = (o: Observed, test: (s: number) => boolean) => o.kind === "answer" && test(o.status);
const failed = (o: Observed, f: Extract<Observed, { kind: "failure" }>["failure"]) =>
  o.kind === "failure" && o.failure === f;

/**
 * The one table of what each HTTP outcome means: retry it, fail the partition (one repository
 * or pull request; the stream goes on) or fail the stream. The first rule that matches applies.
 * A stream adds its own cases on top (e.g. "this 404 means the repository is gone") through
 * `Stream.errorCases`; nothing else decides what a status means.
 */
export const OUTCOMES: readonly Rule[] = [
  {
    when: "2xx with an HTML page (a login page or a proxy in the way, or not the API's URL)",
    test: (o) =>
      status(o, (s) => s >= 200 && s < 300) && o.kind === "answer" && o.contentType.includes("text/html"),
    means: { action: "fail", code: "unexpected_response", scope: "stream" },
  },
  { when: "2xx", test: (o) => status(o, (s) => s >= 200 && s < 300), means: { action: "accept" } },
  {
    when: "3xx with a Location (followed within the configured origin, at most 5 times)",
    test: (o) => status(o, (s) => s >= 300 && s < 400) && o.kind === "answer" && o.location !== undefined,
    means: { action: "follow" },
  },
  {
    when: "401 with AuthorisationException (Data Center: signed in, may not read this)",
    test: (o) =>
      status(o, (s) => s === 401) && o.kind === "answer" && o.exception === "AuthorisationException",
    means: { action: "fail", code: "invalid_permissions", scope: "partition" },
  },
  {
    when: "401 (the credentials are wrong, expired or revoked)",
    test: (o) => status(o, (s) => s === 401),
    means: { action: "fail", code: "invalid_credentials", scope: "stream" },
  },
  {
    when: "403 (no permission on this repository, or a token scope is missing)",
    test: (o) => status(o, (s) => s === 403),
    means: { action: "fail", code: "invalid_permissions", scope: "partition" },
  },
  {
    when: "404 or 410 (gone, or never there)",
    test: (o) => status(o, (s) => s === 404 || s === 410),
    means: { action: "fail", code: "not_found", scope: "partition" },
  },
  {
    when: "429 (rate limited: every request of the deployment pauses; past retry.max_rate_limit_wait_seconds the stream fails)",
    test: (o) => status(o, (s) => s === 429),
    means: { action: "pause", code: "rate_limited", scope: "stream" },
  },
  {
    when: "5xx, non-standard ones such as 555 too",
    test: (o) => status(o, (s) => s >= 500),
    means: { action: "retry", code: "server_error", scope: "partition" },
  },
  {
    when: "any other status (400, a 3xx without Location, ...)",
    test: (o) => o.kind === "answer",
    means: { action: "fail", code: "unexpected_response", scope: "partition" },
  },
  {
    when: "a 2xx body that is truncated or not JSON",
    test: (o) => failed(o, "malformed"),
    means: { action: "retry", code: "server_error", scope: "partition" },
  },
  {
    when: "no complete answer within request_timeout_seconds",
    test: (o) => failed(o, "timeout"),
    means: { action: "retry", code: "unreachable", scope: "partition" },
  },
  {
    when: "a network error (connection refused or reset, DNS, proxy)",
    test: (o) => failed(o, "network"),
    means: { action: "retry", code: "unreachable", scope: "partition" },
  },
  {
    when: "TLS verification failed",
    test: (o) => failed(o, "tls"),
    means: { action: "fail", code: "unreachable", scope: "stream", failureType: "config_error" },
  },
  {
    when: "a body larger than max_response_mb",
    test: (o) => failed(o, "too_large"),
    means: { action: "fail", code: "unexpected_response", scope: "partition" },
  },
];

/** The meaning of an outcome: the first rule of OUTCOMES that matches. */
export function meaningOf(o: Observed): Meaning {
  for (const rule of OUTCOMES) if (rule.test(o)) return rule.means;
  return { action: "fail", code: "unexpected_response", scope: "partition" };
}
