import type { Dispatcher } from "undici";
import { VERSION } from "../version.js";
import { type BodyBudget, LARGE_BODIES } from "./body-budget.js";
import type { Observed } from "./outcomes.js";
import { proxyFor } from "./proxy.js";
import { trustedCas } from "./tls.js";
import { Pool, ProxyAgent } from "./undici.js";

/** What one exchange gave: an answer with its whole body, or why there is none. */
export type Exchange =
  | {
      kind: "answer";
      status: number;
      headers: Dispatcher.ResponseData["headers"];
      bytes: Buffer;
    }
  | { kind: "failure"; failure: Extract<Observed, { kind: "failure" }>["failure"]; detail: string };

export interface TransportOptions {
  timeoutMs: number;
  maxConcurrency: number;
  maxResponseBytes: number;
  /** Extra CA certificates (PEM) for this origin, on top of the system's. */
  ca?: string | undefined;
  /** Test seam: an undici dispatcher (e.g. MockAgent) instead of the transport's own. */
  dispatcher?: Dispatcher;
  /** Where proxy settings are read from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** The bound on large bodies read at once (default: the process's, LARGE_BODIES). */
  budget?: BodyBudget;
}

const TLS_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME/;

/**
 * Requests to one origin over one keep-alive pool: directly, or through the proxy the
 * environment names (CONNECT for https, with the target's TLS settings applied end to end).
 * Every exchange is bounded: a timeout covers connect, headers and body, a body larger than
 * `maxResponseBytes` is abandoned as soon as it is known to be (Content-Length, or bytes read),
 * and large bodies are read a few at a time in the whole process (body-budget.ts).
 */
export class Transport {
  readonly proxy: string | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly own: boolean;

  constructor(
    readonly origin: URL,
    private readonly opts: TransportOptions,
  ) {
    this.proxy = opts.dispatcher ? undefined : proxyFor(origin, opts.env);
    this.own = opts.dispatcher === undefined;
    this.dispatcher = opts.dispatcher ?? this.build();
  }

  private build(): Dispatcher {
    const o = this.opts;
    const tls = {
      timeout: o.timeoutMs,
      rejectUnauthorized: true,
      ...(o.ca ? { ca: trustedCas(o.ca, o.env) } : {}),
    };
    const common = {
      connections: o.maxConcurrency,
      keepAliveTimeout: 30_000,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    };
    if (this.proxy)
      return new ProxyAgent({
        ...common,
        uri: this.proxy,
        requestTls: tls,
        proxyTls: { timeout: o.timeoutMs },
        // The connection to the proxy (its CONNECT) gets none of the options above from undici:
        // without these, a proxy that never answers a CONNECT holds it for undici's 300 s.
        clientFactory: (proxy, opts) =>
          new Pool(proxy, { ...opts, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs }),
      });
    return new Pool(this.origin.origin, { ...common, connect: tls });
  }

  /** One GET and its whole body. Never throws for HTTP or network outcomes; rejects only when `signal` aborts. */
  async exchange(url: URL, authorization: string, signal: AbortSignal): Promise<Exchange> {
    let res: Dispatcher.ResponseData;
    try {
      const request = this.dispatcher.request({
        origin: this.origin.origin,
        method: "GET",
        path: `${url.pathname}${url.search}`,
        headers: { authorization, accept: "application/json", "user-agent": `source-bitbucket/${VERSION}` },
        signal,
      });
      res = await untilAborted(request, signal);
    } catch (err) {
      return failure(err, signal);
    }
    const declared = Number(header(res.headers, "content-length") ?? Number.NaN);
    if (declared > this.opts.maxResponseBytes) {
      res.body.destroy();
      return tooLarge(this.opts.maxResponseBytes, `Content-Length ${declared}`);
    }
    try {
      const budget = this.opts.budget ?? LARGE_BODIES;
      const bytes = await readBounded(res.body, this.opts.maxResponseBytes, declared, budget, signal);
      if (!bytes) return tooLarge(this.opts.maxResponseBytes, "the body kept coming");
      return { kind: "answer", status: res.statusCode, headers: res.headers, bytes };
    } catch (err) {
      return failure(err, signal);
    }
  }

  /** Ends every connection at once (requests in flight fail): the client stops every request first. */
  async destroy(): Promise<void> {
    if (this.own) await this.dispatcher.destroy();
  }
}

/**
 * The response, or a rejection with the signal's reason as soon as it aborts (a timeout, a
 * cancel). undici ends a request still waiting for its connection (a proxy's CONNECT never
 * answered) only once it has one; that request is left to end by itself, its body dropped.
 */
function untilAborted(
  request: Promise<Dispatcher.ResponseData>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      request.then(
        (res) => res.body.destroy(),
        () => {},
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    request.then(
      (res) => {
        signal.removeEventListener("abort", onAbort);
        resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

export function header(headers: Dispatcher.ResponseData["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The whole body, or undefined once it passes `max` bytes (the rest is not read). A body of a
 * known length is read into one buffer of that size, not gathered and copied; one that grows past
 * the budget's free bytes waits for a permit first (body-budget.ts).
 */
async function readBounded(
  body: Dispatcher.ResponseData["body"],
  max: number,
  declared: number,
  budget: BodyBudget,
  signal: AbortSignal,
): Promise<Buffer | undefined> {
  // A large body gets an ArrayBuffer of its own (not a slice of Node's pool): a page can then
  // free it as soon as its records are written (page.ts).
  const exact = !(Number.isInteger(declared) && declared >= 0)
    ? undefined
    : declared > 4096
      ? Buffer.allocUnsafeSlow(declared)
      : Buffer.allocUnsafe(declared);
  const chunks: Buffer[] = [];
  let size = 0;
  let release = declared > budget.freeBytes ? await budget.enter(signal) : undefined;
  try {
    for await (const chunk of body) {
      const b = chunk as Buffer;
      if (size + b.length > max) {
        body.destroy();
        return undefined;
      }
      if (!exact) chunks.push(b);
      else if (size + b.length <= exact.length) b.copy(exact, size);
      else throw new Error(`more bytes than the Content-Length of ${declared}`);
      size += b.length;
      if (!release && size > budget.freeBytes) release = await budget.enter(signal);
    }
  } finally {
    release?.();
  }
  if (exact) return exact.subarray(0, size);
  // Copied even when it came in one chunk: that chunk is a slice of undici's socket read, not a
  // buffer of our own that a page may free (page.ts).
  return Buffer.concat(chunks, size);
}

function tooLarge(max: number, why: string): Exchange {
  return { kind: "failure", failure: "too_large", detail: `${why}, more than ${max} bytes` };
}

function failure(err: unknown, signal: AbortSignal): Exchange {
  // Aborted by the caller (timeout, a stream that stopped, a cancel): the caller decides.
  if (signal.aborted && !(signal.reason instanceof DOMException && signal.reason.name === "TimeoutError"))
    throw signal.reason;
  const e = err as {
    code?: string;
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const code = e.code ?? e.cause?.code ?? e.name ?? "error";
  const message = e.cause?.message ?? e.message ?? String(err);
  if (TLS_ERRORS.test(code) || TLS_ERRORS.test(message))
    return { kind: "failure", failure: "tls", detail: `${code}: ${message}` };
  if (signal.aborted || e.name === "TimeoutError" || /Timeout/i.test(code))
    return { kind: "failure", failure: "timeout", detail: "timeout" };
  return { kind: "failure", failure: "network", detail: `${code}: ${message}` };
}
