import { setMaxListeners } from "node:events";
import { rootCertificates } from "node:tls";
import { type Dispatcher, Pool } from "undici";
import type { z } from "zod";
import type { Auth, RetrySettings } from "../config/load.js";
import { ConnectorError } from "../errors.js";
import type { Logger } from "../protocol/output.js";
import { VERSION } from "../version.js";
import { authorizationHeader } from "./auth.js";
import { backoffMs, parseRetryAfter, sleep } from "./backoff.js";
import { HttpError, parseErrorBody } from "./errors.js";
import { RequestPacer, Semaphore } from "./limits.js";

export type QueryValue = string | number | boolean | undefined | (string | number)[];
export type Query = Record<string, QueryValue>;

export interface HttpClientOptions {
  /** "Bitbucket Cloud" or "Bitbucket Data Center": names the server in messages. */
  service: string;
  baseUrl: string;
  auth: Auth;
  timeoutMs: number;
  maxConcurrency: number;
  requestsPerHour?: number;
  retry: RetrySettings;
  /** Extra trusted CA (PEM), for this client's connections only. */
  ca?: string;
  logger: Logger;
  /** Test seam: the jitter source. */
  random?: () => number;
  /** Test seam: an undici dispatcher (e.g. MockAgent) instead of the client's own pool. */
  dispatcher?: Dispatcher;
}

/** Counters for progress display and benchmarks. */
export interface HttpStats {
  requests: number;
  retries: number;
  rateLimited: number;
  rateLimitWaitMs: number;
}

/** A 2xx answer with its body parsed as JSON (undefined for 204 / empty bodies), and its bytes. */
export interface JsonResponse {
  status: number;
  body: unknown;
  bytes: Buffer;
  url: URL;
}

const MAX_REDIRECTS = 5;
const MAX_RATE_LIMIT_STEP_MS = 10 * 60_000;
/** The shortest pause after a 429, whatever Retry-After says (see pauseForRateLimit). */
const MIN_RATE_LIMIT_WAIT_MS = 100;
const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/;

/**
 * The one HTTP layer. Every request to Bitbucket goes through `getJson`, which owns:
 * authentication, the origin guard (credentials go only to the configured origin), timeouts
 * covering connect and body, retries with capped exponential backoff and full jitter,
 * `Retry-After`, Bitbucket Cloud's hourly budget (429 without Retry-After: long waits), the
 * user's requests-per-hour pacing, the concurrency bound, and JSON + zod validation at the edge.
 */
export class HttpClient {
  readonly base: URL;
  readonly stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0, rateLimitWaitMs: 0 };
  /** Called whenever the client starts waiting on a rate limit, with the instant it resumes. */
  onRateLimited: ((resumeAt: number) => void) | undefined;

  private readonly dispatcher: Dispatcher;
  private readonly semaphore: Semaphore;
  private readonly pacer: RequestPacer | undefined;
  private readonly authHeader: string;
  private readonly random: () => number;
  /** Shared pause: a 429 stops every request of this client, not just the one that got it. */
  private resumeAt = 0;
  /** How many pauses have begun: a request in flight when one began is covered by it. */
  private pauses = 0;
  /** Aborted by `abort`: ends every request, wait and retry of this client at once. */
  private readonly stopper = new AbortController();
  private rateLimitStepMs: number;

  constructor(private readonly opts: HttpClientOptions) {
    this.base = new URL(opts.baseUrl.endsWith("/") ? opts.baseUrl : `${opts.baseUrl}/`);
    this.dispatcher =
      opts.dispatcher ??
      new Pool(this.base.origin, {
        connections: opts.maxConcurrency,
        keepAliveTimeout: 30_000,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        connect: {
          timeout: opts.timeoutMs,
          rejectUnauthorized: true,
          // Node's `ca` replaces the default roots; keep them and add the private CA.
          ...(opts.ca ? { ca: [...rootCertificates, opts.ca] } : {}),
        },
      });
    this.semaphore = new Semaphore(opts.maxConcurrency);
    this.pacer = opts.requestsPerHour ? new RequestPacer(opts.requestsPerHour) : undefined;
    this.authHeader = authorizationHeader(opts.auth);
    this.random = opts.random ?? Math.random;
    this.rateLimitStepMs = opts.retry.rateLimitStepMs;
    // Every request and wait listens to the abort signal while it runs (and stops after), so
    // max_concurrency of them plus the waiters of a pause is normal, not a leak.
    setMaxListeners(0, this.stopper.signal);
  }

  /** GET and validate. `target` is a path relative to the base URL or an absolute URL (a `next` link). */
  async getJson<T>(target: string, schema: z.ZodType<T>, query?: Query): Promise<T> {
    const res = await this.get(target, query);
    return this.validate(res, schema);
  }

  /**
   * Checks a body against its schema. Payload schemas only validate (no defaults, no
   * transforms), so the body itself is returned: records keep Bitbucket's own field order and
   * nothing is copied on the hot path.
   */
  validate<T>(res: JsonResponse, schema: z.ZodType<T>): T {
    const parsed = schema.safeParse(res.body);
    if (parsed.success) return res.body as T;
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
    throw new ConnectorError(
      "unexpected_response",
      `${this.opts.service} answered GET ${res.url.pathname} with a payload of an unexpected shape (${first.join("; ")}). Is the URL the API's base URL?`,
    );
  }

  /** GET with every rule of the layer; resolves with a 2xx response, throws HttpError / ConnectorError otherwise. */
  async get(target: string, query?: Query): Promise<JsonResponse> {
    let url = this.resolve(target, query);
    let attempt = 0;
    let redirects = 0;
    for (;;) {
      this.throwIfAborted();
      await this.waitForRateLimit();
      if (this.pacer) await this.pacer.take(Date.now, this.stopper.signal);
      await this.semaphore.acquire();
      try {
        this.throwIfAborted();
        // A pause may have begun while this request waited for a slot.
        await this.waitForRateLimit();
      } catch (err) {
        this.semaphore.release();
        throw err;
      }
      const startedAt = Date.now();
      const pausesAtStart = this.pauses;
      let exchange: Exchange;
      try {
        this.stats.requests++;
        exchange = await this.exchange(url);
      } finally {
        // The slot bounds requests on the wire; parsing the answer happens outside it.
        this.semaphore.release();
      }
      this.throwIfAborted();
      const outcome = exchange.kind === "response" ? this.classify(url, exchange) : exchange;

      switch (outcome.kind) {
        case "ok":
          this.rateLimitStepMs = this.opts.retry.rateLimitStepMs;
          return { status: outcome.status, body: outcome.body, bytes: outcome.bytes, url };
        case "redirect": {
          const next = new URL(outcome.location, url);
          if (next.origin !== this.base.origin) throw this.foreign(next, "a redirect");
          if (++redirects > MAX_REDIRECTS)
            throw new ConnectorError(
              "unexpected_response",
              `${this.opts.service}: too many redirects from ${url.pathname}`,
            );
          url = next;
          continue;
        }
        case "rate_limited":
          this.pauseForRateLimit(outcome.retryAfterMs, startedAt, pausesAtStart, url);
          continue;
        case "fatal":
          throw outcome.error;
        case "transient": {
          attempt++;
          if (attempt > this.opts.retry.maxRetries) {
            const message =
              outcome.code === "unreachable"
                ? `could not reach ${this.opts.service} at ${this.base.origin} (GET ${url.pathname}, ${attempt} attempts, last: ${outcome.reason}). Check the URL, and that the server is up and reachable from where the connector runs.`
                : `${this.opts.service} failed GET ${url.pathname} ${attempt} times, last with ${outcome.reason}. The server or a proxy in front of it is failing; try again later.`;
            throw new ConnectorError(outcome.code, message, { failureType: "transient_error" });
          }
          // A Retry-After on a 5xx is honoured up to the longest backoff: a proxy asking for a day
          // must not park the sync for a day.
          const wait = Math.min(
            Math.max(
              backoffMs(attempt, this.opts.retry.initialBackoffMs, this.opts.retry.maxBackoffMs, this.random),
              outcome.retryAfterMs ?? 0,
            ),
            this.opts.retry.maxBackoffMs,
          );
          this.stats.retries++;
          this.opts.logger.warn(
            `${this.opts.service}: GET ${url.pathname} failed with ${outcome.reason}; retry ${attempt} of ${this.opts.retry.maxRetries} in ${formatMs(wait)}`,
          );
          await sleep(wait, this.stopper.signal);
        }
      }
    }
  }

  /**
   * Stops the client for good: requests in flight are cancelled, waits (backoff, rate limits,
   * pacing) end, and every call from now on rejects with `reason`. For a stream that failed as a
   * whole, so that its other partitions stop spending time and request budget.
   */
  abort(reason: ConnectorError): void {
    if (!this.stopper.signal.aborted) this.stopper.abort(reason);
  }

  private throwIfAborted(): void {
    if (this.stopper.signal.aborted) throw this.stopper.signal.reason;
  }

  async close(): Promise<void> {
    if (!this.opts.dispatcher) await this.dispatcher.close();
  }

  /** Builds the request URL; refuses any URL outside the configured origin. */
  private resolve(target: string, query?: Query): URL {
    const url = /^https?:\/\//i.test(target)
      ? new URL(target)
      : new URL(target.replace(/^\/+/, ""), this.base);
    if (url.origin !== this.base.origin) throw this.foreign(url, "a link");
    if (query) {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v])
          parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(item))}`);
      }
      if (parts.length) url.search = url.search ? `${url.search}&${parts.join("&")}` : `?${parts.join("&")}`;
    }
    return url;
  }

  private foreign(url: URL, what: string): ConnectorError {
    const msg = `${this.opts.service} sent ${what} to another host (${url.origin}); refusing to follow it, so that credentials meant for ${this.base.origin} are never sent elsewhere`;
    this.opts.logger.warn(msg);
    return new ConnectorError("unexpected_response", msg);
  }

  private async waitForRateLimit(): Promise<void> {
    const wait = this.resumeAt - Date.now();
    if (wait > 0) await sleep(wait, this.stopper.signal);
  }

  private pauseForRateLimit(
    retryAfterMs: number | undefined,
    startedAt: number,
    pausesAtStart: number,
    url: URL,
  ): void {
    this.stats.rateLimited++;
    const now = Date.now();
    // Requests in flight when the limit was hit get their 429s too; the running pause already
    // covers them, and each one announcing a pause of its own would only repeat the news.
    if (now < this.resumeAt && pausesAtStart < this.pauses) return;
    let wait: number;
    let why: string;
    if (retryAfterMs !== undefined) {
      // A Retry-After of 0 or in the past still waits the first backoff (and never less than
      // 100 ms): without a floor, a server that keeps answering so would be hammered in a loop
      // that never adds to the wait.
      wait = Math.max(retryAfterMs, this.opts.retry.initialBackoffMs, MIN_RATE_LIMIT_WAIT_MS);
      why = `Retry-After ${formatMs(retryAfterMs)}`;
    } else {
      // No Retry-After: on Bitbucket Cloud this is the hourly request budget. Retrying in
      // seconds only burns the next requests; wait in long steps that grow while 429s persist.
      wait = this.rateLimitStepMs;
      if (startedAt >= this.resumeAt)
        this.rateLimitStepMs = Math.min(this.rateLimitStepMs * 2, MAX_RATE_LIMIT_STEP_MS);
      why = "no Retry-After, so the hourly request budget is probably spent";
    }
    const resumeAt = now + wait;
    if (resumeAt <= this.resumeAt) return; // a pause that covers this one is already running
    const added = resumeAt - Math.max(now, this.resumeAt);
    if (this.stats.rateLimitWaitMs + added > this.opts.retry.maxRateLimitWaitMs) {
      throw new ConnectorError(
        "rate_limited",
        `${this.opts.service} kept answering 429 Too Many Requests (last to GET ${url.pathname}) after ${formatMs(this.stats.rateLimitWaitMs)} of waiting in this sync; waiting ${formatMs(added)} more would pass retry.max_rate_limit_wait_seconds (${formatMs(this.opts.retry.maxRateLimitWaitMs)}). Run the sync later, set requests_per_hour below your budget, or allow a longer wait.`,
        { failureType: "transient_error" },
      );
    }
    this.stats.rateLimitWaitMs += added;
    this.resumeAt = resumeAt;
    this.pauses++;
    this.opts.logger.warn(
      `${this.opts.service} answered 429 Too Many Requests (${why}); pausing all requests for ${formatMs(wait)}, until ${new Date(resumeAt).toISOString()}`,
    );
    this.onRateLimited?.(resumeAt);
  }

  /** One request and its whole body. Never throws for HTTP or network outcomes. */
  private async exchange(url: URL): Promise<Exchange> {
    // One signal for the timeout (connect and body) and the client's abort. Linked by hand and
    // unlinked after: AbortSignal.any on the long-lived abort signal grew memory per request.
    const signal = new AbortController();
    const timer = setTimeout(
      () => signal.abort(new DOMException("request timed out", "TimeoutError")),
      this.opts.timeoutMs,
    );
    const onAbort = () => signal.abort(this.stopper.signal.reason);
    this.stopper.signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await this.exchangeWith(url, signal.signal);
    } finally {
      clearTimeout(timer);
      this.stopper.signal.removeEventListener("abort", onAbort);
    }
  }

  private async exchangeWith(url: URL, signal: AbortSignal): Promise<Exchange> {
    const path = `${url.pathname}${url.search}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({
        origin: this.base.origin,
        method: "GET",
        path,
        headers: {
          authorization: this.authHeader,
          accept: "application/json",
          "user-agent": `source-bitbucket/${VERSION}`,
        },
        signal,
      });
    } catch (err) {
      return this.networkOutcome(err);
    }

    try {
      return {
        kind: "response",
        status: res.statusCode,
        headers: res.headers,
        bytes: Buffer.from(await res.body.arrayBuffer()),
      };
    } catch (err) {
      return this.networkOutcome(err);
    }
  }

  /** What an answer means: success (parsed), redirect, rate limit, retryable or final failure. */
  private classify(url: URL, { status, headers, bytes }: Extract<Exchange, { kind: "response" }>): Outcome {
    const header = (name: string) => {
      const v = headers[name];
      return Array.isArray(v) ? v[0] : v;
    };

    if (status >= 200 && status < 300) {
      if (status === 204 || bytes.length === 0) return { kind: "ok", status, body: undefined, bytes };
      const type = header("content-type") ?? "";
      if (type.includes("text/html")) {
        return {
          kind: "fatal",
          error: new ConnectorError(
            "unexpected_response",
            `${this.opts.service} answered GET ${url.pathname} with an HTML page instead of JSON: the URL is probably not the API's base URL, or a proxy or login page is in the way`,
          ),
        };
      }
      try {
        return { kind: "ok", status, body: JSON.parse(bytes.toString("utf8")), bytes };
      } catch {
        return {
          kind: "transient",
          reason: `a truncated or malformed JSON body (${bytes.length} bytes)`,
          code: "server_error",
        };
      }
    }
    if (status >= 300 && status < 400) {
      const location = header("location");
      if (location) return { kind: "redirect", location };
    }
    const retryAfterMs = parseRetryAfter(header("retry-after"));
    if (status === 429) return { kind: "rate_limited", retryAfterMs };
    if (status >= 500)
      return { kind: "transient", reason: `HTTP ${status}`, code: "server_error", retryAfterMs };
    return {
      kind: "fatal",
      error: new HttpError({
        service: this.opts.service,
        status,
        method: "GET",
        path: url.pathname,
        detail: parseErrorBody(bytes.toString("utf8")),
      }),
    };
  }

  private networkOutcome(err: unknown): Extract<Outcome, { kind: "transient" | "fatal" }> {
    const e = err as {
      code?: string;
      name?: string;
      message?: string;
      cause?: { code?: string; message?: string };
    };
    const code = e.code ?? e.cause?.code ?? e.name ?? "error";
    const message = e.cause?.message ?? e.message ?? String(err);
    if (TLS_ERRORS.test(code) || TLS_ERRORS.test(message)) {
      return {
        kind: "fatal",
        error: new ConnectorError(
          "unreachable",
          `${this.opts.service} at ${this.base.origin}: TLS verification failed (${code}: ${message}). If the server uses a private certificate authority, set ca_certificate to its PEM.`,
          { failureType: "config_error" },
        ),
      };
    }
    const reason =
      e.name === "TimeoutError" || /Timeout/i.test(code)
        ? `no complete answer within ${formatMs(this.opts.timeoutMs)} (request_timeout_seconds)`
        : `a network error (${code}: ${message})`;
    return { kind: "transient", reason, code: "unreachable" };
  }
}

type Exchange =
  | { kind: "response"; status: number; headers: Dispatcher.ResponseData["headers"]; bytes: Buffer }
  | Extract<Outcome, { kind: "transient" | "fatal" }>;

type Outcome =
  | { kind: "ok"; status: number; body: unknown; bytes: Buffer }
  | { kind: "redirect"; location: string }
  | { kind: "rate_limited"; retryAfterMs: number | undefined }
  | {
      kind: "transient";
      reason: string;
      code: "server_error" | "unreachable";
      retryAfterMs?: number | undefined;
    }
  | { kind: "fatal"; error: ConnectorError };

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
