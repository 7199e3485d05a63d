import { setMaxListeners } from "node:events";
import type { z } from "zod";
import { ConnectorError, type ErrorCode } from "../errors.js";
import type { Logger } from "../protocol/output.js";
import { formatIssues } from "../zod-issues.js";
import { authorizationHeader } from "./auth.js";
import { backoffMs, formatMs, parseRetryAfter, sleep } from "./backoff.js";
import { OutageBreaker } from "./breaker.js";
import { HttpError, parseErrorBody } from "./errors.js";
import { scanPage } from "./json-scan.js";
import { RequestPacer, Semaphore } from "./limits.js";
import { foreignOrigin, resolveTarget } from "./origin-guard.js";
import { type Meaning, meaningOf, type Observed } from "./outcomes.js";
import { Page, wellFormedUtf8 } from "./page.js";
import { displayProxy } from "./proxy.js";
import { RateLimitPause } from "./rate-limit.js";
import type { ServerSettings } from "./settings.js";
import { type Exchange, header, Transport } from "./transport.js";

export type QueryValue = string | number | boolean | undefined | (string | number)[];
export type Query = Record<string, QueryValue>;

/** Counters for progress display and benchmarks. */
export interface HttpStats {
  requests: number;
  retries: number;
  rateLimited: number;
  rateLimitWaitMs: number;
}

/** A 2xx answer: its status and bytes, and where it came from. */
export interface Answer {
  status: number;
  bytes: Buffer;
  url: URL;
}

/** A server's clock at some instant, as far as its Date headers tell (see Requester.serverTime). */
export interface ServerTime {
  earliest: number;
  latest: number;
}

/** What streams and probes request through: one stream's view of its deployment's client. */
export interface Requester {
  /** GET with every rule of the layer; resolves with a 2xx answer, throws a ConnectorError otherwise. */
  get(target: string, query?: Query): Promise<Answer>;
  /** GET a JSON document and validate it. */
  json<T>(target: string, schema: z.ZodType<T>, query?: Query): Promise<T>;
  /** GET a page of a list: its other members validated by `envelope`, its items by `item`, lazily. */
  page<T, E>(
    target: string,
    query: Query | undefined,
    envelope: z.ZodType<E>,
    item: z.ZodType<T>,
  ): Promise<{ page: Page<T>; envelope: E; url: URL }>;
  /** Parses and validates an answer already received (e.g. one that may be a 204). */
  parse<T>(answer: Answer, schema: z.ZodType<T>): T;
  /**
   * What the server's clock showed at a local instant (default: now), from the Date header of its
   * latest answer: `earliest` (Date is truncated to the second) and `latest` (999 ms more). Before
   * any answer, the local clock.
   */
  serverTime(localMs?: number): ServerTime;
  /** The requests sent through this requester (one stream's), retries included. */
  readonly stats: { requests: number };
  readonly signal: AbortSignal;
}

export interface ClientSeams {
  /** The jitter source. */
  random?: () => number;
  /** An undici dispatcher (e.g. MockAgent) instead of the client's own. */
  dispatcher?: import("undici").Dispatcher;
  /** Where proxy settings and NODE_EXTRA_CA_CERTS are read from (default process.env). */
  env?: Record<string, string | undefined>;
}

const MAX_REDIRECTS = 5;

/**
 * One deployment's connection to its server, shared by all the streams that read from it. Owns
 * what is per server: the connection pool (transport.ts: proxies, TLS, bounded bodies), the
 * concurrency bound, the requests-per-hour pacing, the shared pause after a 429, the outage
 * breaker, and the retry loop that applies the outcome table (outcomes.ts). Streams request
 * through a `RequestScope` each: its own cancellation and rate-limit observer on the shared budget.
 */
export class HttpClient {
  readonly base: URL;
  readonly stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0, rateLimitWaitMs: 0 };
  readonly service: string;
  private readonly transport: Transport;
  private readonly semaphore: Semaphore;
  private readonly pacer: RequestPacer | undefined;
  private readonly pause: RateLimitPause;
  private readonly breaker: OutageBreaker;
  private readonly authHeader: string;
  private readonly random: () => number;
  private readonly stopper = new AbortController();
  private readonly scopes = new Set<RequestScope>();
  private clock: { server: number; local: number } | undefined;

  constructor(
    private readonly settings: ServerSettings,
    private readonly logger: Logger,
    seams: ClientSeams = {},
  ) {
    this.service = settings.service;
    this.base = new URL(settings.baseUrl.endsWith("/") ? settings.baseUrl : `${settings.baseUrl}/`);
    this.transport = new Transport(this.base, {
      timeoutMs: settings.timeoutMs,
      maxConcurrency: settings.maxConcurrency,
      maxResponseBytes: settings.maxResponseBytes,
      ca: settings.ca,
      ...(seams.dispatcher ? { dispatcher: seams.dispatcher } : {}),
      ...(seams.env ? { env: seams.env } : {}),
    });
    this.semaphore = new Semaphore(settings.maxConcurrency);
    this.pacer = settings.requestsPerHour ? new RequestPacer(settings.requestsPerHour) : undefined;
    this.pause = new RateLimitPause(settings.retry, this.service, logger, (resumeAt) => {
      this.stats.rateLimitWaitMs = this.pause.waitedMs;
      for (const s of this.scopes) s.onRateLimited?.(resumeAt);
    });
    this.breaker = new OutageBreaker(settings.outageMs, `${settings.service} at ${this.base.origin}`);
    this.authHeader = authorizationHeader(settings.auth);
    this.random = seams.random ?? Math.random;
    // Every request and wait listens to the stop signal while it runs: many at once is normal.
    setMaxListeners(0, this.stopper.signal);
  }

  /** The proxy requests go through, without credentials, or undefined. */
  get proxy(): string | undefined {
    const proxy = this.transport.proxy;
    return proxy === undefined ? undefined : displayProxy(proxy);
  }

  /** A view for one stream: ends when the stream aborts it or the client stops. */
  scope(): RequestScope {
    const scope = new RequestScope(this, this.stopper.signal);
    this.scopes.add(scope);
    scope.signal.addEventListener("abort", () => this.scopes.delete(scope), { once: true });
    return scope;
  }

  /** Stops every request, wait and scope of this deployment for good (an outage, a cancel). */
  stop(reason: ConnectorError): void {
    if (!this.stopper.signal.aborted) this.stopper.abort(reason);
  }

  get stopped(): ConnectorError | undefined {
    return this.stopper.signal.aborted ? (this.stopper.signal.reason as ConnectorError) : undefined;
  }

  async close(): Promise<void> {
    this.stop(
      new ConnectorError("cancelled", `${this.service}: the connection was closed`, { scope: "stream" }),
    );
    // Every request was stopped above, so nothing is lost by not waiting: a graceful close would
    // wait for one undici still holds (a proxy's CONNECT never answered) up to its timeout.
    await this.transport.destroy();
  }

  /** See Requester.serverTime. */
  serverTime(localMs: number = Date.now()): ServerTime {
    const earliest = this.clock ? this.clock.server + (localMs - this.clock.local) : localMs;
    return { earliest, latest: this.clock ? earliest + 999 : localMs };
  }

  /** GET `target` for `scope`, retried by the outcome table; `accept` reads a 2xx body (throwing Malformed when it is not JSON). */
  async request<T>(
    signal: AbortSignal,
    target: string,
    query: Query | undefined,
    accept: (a: Answer) => T,
    counter?: { requests: number },
  ): Promise<T> {
    let url = resolveTarget(this.base, target, query, this.service, this.logger);
    let attempt = 0;
    let redirects = 0;
    for (;;) {
      const exchange = await this.send(url, signal);
      if (counter) counter.requests++;
      const mark = exchange.mark;
      const { observed, value, body } = this.observe(exchange.result, url, accept);
      const means = meaningOf(observed);
      this.noteHealth(url, observed, means.action);
      switch (means.action) {
        case "accept":
          this.pause.succeeded();
          return value as T;
        case "follow": {
          const next = new URL((observed as { location: string }).location, url);
          if (next.origin !== this.base.origin)
            throw foreignOrigin(next, "a redirect", this.service, this.base, this.logger);
          if (++redirects > MAX_REDIRECTS)
            throw new ConnectorError(
              "unexpected_response",
              `${this.service}: too many redirects from ${url.pathname}`,
            );
          url = next;
          continue;
        }
        case "pause":
          this.stats.rateLimited++;
          this.pause.hit(parseRetryAfter(retryAfterOf(exchange.result)), mark, url.pathname);
          continue;
        case "retry": {
          attempt++;
          const reason = this.reason(observed, exchange.result);
          if (attempt > this.settings.retry.maxRetries)
            throw this.spent(means.code ?? "server_error", url, attempt, reason);
          const wait = this.backoff(attempt, exchange.result);
          this.stats.retries++;
          this.logger.warn(
            `${this.service}: GET ${url.pathname} failed with ${reason}; retry ${attempt} of ${this.settings.retry.maxRetries} in ${formatMs(wait)}`,
          );
          await sleep(wait, signal);
          continue;
        }
        default:
          throw this.failure(observed, url, body, means, exchange.result);
      }
    }
  }

  /** Waits its turn (pause, pacing, a slot), then exchanges once. */
  private async send(
    url: URL,
    signal: AbortSignal,
  ): Promise<{ result: Exchange; mark: { startedAt: number; pauses: number } }> {
    throwIfAborted(signal);
    await this.pause.wait(signal);
    await this.semaphore.acquire(signal);
    try {
      throwIfAborted(signal);
      await this.turn(signal);
      const mark = this.pause.mark();
      this.stats.requests++;
      const result = await withTimeout(signal, this.settings.timeoutMs, (s) =>
        this.transport.exchange(url, this.authHeader, s),
      );
      return { result, mark };
    } finally {
      this.semaphore.release();
    }
  }

  /**
   * Holding a slot, waits out a pause, then the pacing: taken only now, since taken before the
   * wait for a slot the requests queued for one all started together when slots freed, more than
   * requests_per_hour allows. A turn that comes while a pause runs is given up for one after it
   * (kept, the turns that fell in a long pause all started together at its end); a pause that
   * began and ended while the turn was waited for changes nothing.
   */
  private async turn(signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.pause.wait(signal);
      if (!this.pacer) return;
      await this.pacer.take(Date.now, signal);
      if (!this.pause.running) return;
    }
  }

  /** What the exchange showed, with a 2xx body read by `accept` (a body it cannot read is "malformed"). */
  private observe<T>(
    result: Exchange,
    url: URL,
    accept: (a: Answer) => T,
  ): { observed: Observed; value?: T; body?: Buffer } {
    if (result.kind === "failure") return { observed: { kind: "failure", failure: result.failure } };
    const date = Date.parse(header(result.headers, "date") ?? "");
    if (!Number.isNaN(date)) this.clock = { server: date, local: Date.now() };
    const contentType = (header(result.headers, "content-type") ?? "").toLowerCase();
    const status = result.status;
    const observed: Observed = {
      kind: "answer",
      status,
      contentType,
      location: header(result.headers, "location"),
      exception:
        status >= 400
          ? parseErrorBody(result.bytes.toString("utf8", 0, 4096))
              .exceptionName?.split(".")
              .pop()
          : undefined,
    };
    if (status < 200 || status >= 300 || contentType.includes("text/html"))
      return { observed, body: result.bytes };
    try {
      return { observed, value: accept({ status, bytes: result.bytes, url }) };
    } catch (err) {
      if (err instanceof Malformed)
        return { observed: { kind: "failure", failure: "malformed" }, body: result.bytes };
      throw err;
    }
  }

  private noteHealth(url: URL, observed: Observed, action: string): void {
    if (action !== "retry") {
      if (observed.kind === "answer" && observed.status !== 429) this.breaker.healthy();
      return;
    }
    const tripped = this.breaker.failed(
      url.pathname,
      observed.kind === "failure" && observed.failure !== "malformed" ? "unreachable" : "server_error",
      this.reason(observed),
    );
    if (tripped) {
      this.logger.error(tripped.message);
      this.stop(tripped);
      throw tripped;
    }
  }

  private reason(observed: Observed, result?: Exchange): string {
    if (observed.kind === "answer") return `HTTP ${observed.status}`;
    switch (observed.failure) {
      case "timeout":
        return `no complete answer within ${formatMs(this.settings.timeoutMs)} (request_timeout_seconds)`;
      case "malformed":
        return `a truncated or malformed JSON body (${result?.kind === "answer" ? result.bytes.length : "?"} bytes)`;
      default:
        return `a network error (${result?.kind === "failure" ? result.detail : observed.failure})`;
    }
  }

  private backoff(attempt: number, result: Exchange): number {
    const r = this.settings.retry;
    // A Retry-After on a 5xx is honoured up to the longest backoff: a proxy asking for a day must
    // not park the sync for a day.
    const asked = parseRetryAfter(retryAfterOf(result)) ?? 0;
    return Math.min(
      Math.max(backoffMs(attempt, r.initialBackoffMs, r.maxBackoffMs, this.random), asked),
      r.maxBackoffMs,
    );
  }

  private spent(code: ErrorCode, url: URL, attempts: number, reason: string): ConnectorError {
    const message =
      code === "unreachable"
        ? `could not reach ${this.service} at ${this.base.origin} (GET ${url.pathname}, ${attempts} attempts, last: ${reason}). Check the URL, and that the server is up and reachable from where the connector runs.`
        : `${this.service} failed GET ${url.pathname} ${attempts} times, last with ${reason}. The server or a proxy in front of it is failing; try again later.`;
    return new ConnectorError(code === "unreachable" ? "unreachable" : "server_error", message, {
      failureType: "transient_error",
      scope: "partition",
    });
  }

  private failure(
    observed: Observed,
    url: URL,
    body: Buffer | undefined,
    means: Meaning,
    result: Exchange,
  ): ConnectorError {
    const opts = {
      ...(means.scope ? { scope: means.scope } : {}),
      ...(means.failureType ? { failureType: means.failureType } : {}),
    };
    if (observed.kind === "failure") {
      if (observed.failure === "tls")
        return new ConnectorError(
          "unreachable",
          `${this.service} at ${this.base.origin}: TLS verification failed (${result.kind === "failure" ? result.detail : "?"}). If the server uses a private certificate authority, set ca_certificate to its PEM.`,
          opts,
        );
      return new ConnectorError(
        "unexpected_response",
        `${this.service} answered GET ${url.pathname} with a body larger than ${this.settings.maxResponseBytes / 1_048_576} MB, the max_response_mb limit; it was not read. Raise max_response_mb if such pages are expected.`,
        opts,
      );
    }
    if (observed.status >= 200 && observed.status < 300)
      return new ConnectorError(
        "unexpected_response",
        `${this.service} answered GET ${url.pathname} with an HTML page instead of JSON: the URL is probably not the API's base URL, or a proxy or login page is in the way`,
        opts,
      );
    return new HttpError({
      service: this.service,
      status: observed.status,
      method: "GET",
      path: url.pathname,
      detail: parseErrorBody((body ?? Buffer.alloc(0)).toString("utf8", 0, 8192)),
    });
  }
}

/** A body a reader could not use as JSON: a transient failure (truncated by a proxy, say). */
export class Malformed extends Error {}

/** One stream's (or the listing's) requests: they end when this scope aborts or its client stops. */
export class RequestScope implements Requester {
  /** Told whenever the deployment starts waiting on a rate limit, with the instant it resumes. */
  onRateLimited: ((resumeAt: number) => void) | undefined;
  /** The requests this scope (one stream) has sent, retries included. */
  readonly stats = { requests: 0 };
  private readonly controller = new AbortController();

  constructor(
    private readonly client: HttpClient,
    parent: AbortSignal,
  ) {
    setMaxListeners(0, this.controller.signal);
    if (parent.aborted) this.controller.abort(parent.reason);
    else {
      const onStop = () => this.controller.abort(parent.reason);
      parent.addEventListener("abort", onStop, { once: true });
      this.controller.signal.addEventListener("abort", () => parent.removeEventListener("abort", onStop), {
        once: true,
      });
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends this scope's requests and waits at once; every later call rejects with `reason`. */
  abort(reason: ConnectorError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The scope is done (its stream ended): it stops listening to its client. */
  release(): void {
    this.abort(new ConnectorError("cancelled", "the stream's requests were released", { scope: "stream" }));
  }

  get(target: string, query?: Query): Promise<Answer> {
    return this.client.request(this.signal, target, query, (a) => a, this.stats);
  }

  json<T>(target: string, schema: z.ZodType<T>, query?: Query): Promise<T> {
    return this.client.request(this.signal, target, query, (a) => this.parse(a, schema), this.stats);
  }

  parse<T>(answer: Answer, schema: z.ZodType<T>): T {
    let body: unknown;
    if (answer.status === 204 || answer.bytes.length === 0) body = undefined;
    else {
      try {
        body = JSON.parse(answer.bytes.toString("utf8"));
      } catch {
        throw new Malformed();
      }
    }
    const parsed = schema.safeParse(body);
    if (parsed.success) return body as T;
    throw this.shapeError(answer.url, formatIssues(parsed.error.issues.slice(0, 3)));
  }

  page<T, E>(
    target: string,
    query: Query | undefined,
    envelope: z.ZodType<E>,
    item: z.ZodType<T>,
  ): Promise<{ page: Page<T>; envelope: E; url: URL }> {
    return this.client.request(
      this.signal,
      target,
      query,
      (answer) => {
        const a = { ...answer, bytes: wellFormedUtf8(answer.bytes) };
        const scanned = scanPage(a.bytes);
        if (!scanned) {
          // Not a page: malformed JSON is retried; well-formed JSON of another shape is not.
          let body: unknown;
          try {
            body = JSON.parse(a.bytes.toString("utf8"));
          } catch {
            throw new Malformed();
          }
          throw this.shapeError(
            a.url,
            `values: ${Array.isArray((body as { values?: unknown })?.values) ? "must be a list of objects" : "missing; not a page of a list"}`,
          );
        }
        const meta: Record<string, unknown> = {};
        for (const [k, [s, e]] of scanned.members) meta[k] = JSON.parse(a.bytes.toString("utf8", s, e));
        const env = envelope.safeParse(meta);
        if (!env.success) throw this.shapeError(a.url, formatIssues(env.error.issues.slice(0, 3)));
        return {
          page: new Page(a.bytes, scanned, meta, item, `${this.client.service}: GET ${a.url.pathname}`),
          envelope: env.data,
          url: a.url,
        };
      },
      this.stats,
    );
  }

  serverTime(localMs?: number): ServerTime {
    return this.client.serverTime(localMs);
  }

  private shapeError(url: URL, what: string): ConnectorError {
    return new ConnectorError(
      "unexpected_response",
      `${this.client.service} answered GET ${url.pathname} with a payload of an unexpected shape (${what}). Is the URL the API's base URL?`,
    );
  }
}

function retryAfterOf(result: Exchange): string | undefined {
  return result.kind === "answer" ? header(result.headers, "retry-after") : undefined;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

/**
 * Runs `fn` with a signal that aborts after `ms` or when `parent` does. Linked by hand and
 * unlinked after: AbortSignal.any on a long-lived parent grew memory per request.
 */
async function withTimeout<T>(
  parent: AbortSignal,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const c = new AbortController();
  const timer = setTimeout(() => c.abort(new DOMException("request timed out", "TimeoutError")), ms);
  const onAbort = () => c.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  try {
    return await fn(c.signal);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener("abort", onAbort);
  }
}
