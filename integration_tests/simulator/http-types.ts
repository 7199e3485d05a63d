import type { PresentedAuth } from "./credentials.js";

/** A response as data: handlers stay pure, and faults such as "truncate" can cut a real body. */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  /** Absent for 204 and friends. */
  body?: string;
  /**
   * A body written as it is produced, instead of `body`, with `headers` as given (no
   * Content-Length added): for bodies too big to hold or that never end. It should stop when the
   * signal it was made with aborts.
   */
  stream?: AsyncIterable<Buffer>;
}

export interface RequestContext {
  method: string;
  /** Path without the query string, still percent-encoded. */
  pathname: string;
  /** The decoded query string: note that a raw "+" has become a space, as on a real server. */
  query: URLSearchParams;
  /** scheme://host[:port] as the client addressed us (from the Host header). */
  origin: string;
  auth: PresentedAuth;
}

export function jsonResponse(
  status: number,
  body: unknown,
  contentType = "application/json; charset=utf-8",
): SimResponse {
  return { status, headers: { "content-type": contentType }, body: JSON.stringify(body) };
}

export function textResponse(
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): SimResponse {
  return { status, headers: { "content-type": contentType }, body };
}

/** Query parameter as a non-negative integer, or `fallback` when absent; NaN when malformed. */
export function intParam(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  return /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
}
