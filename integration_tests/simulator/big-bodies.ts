import { intParam, type RequestContext, type SimResponse } from "./http-types.js";
import { sleep } from "./streaming.js";
import type { FaultSpec } from "./types.js";

// Bodies too big to hold: a page that never ends, a page of many megabytes, a page of a million
// values. They are generated while they are sent, so the simulator (which runs in the test
// process) never holds more than one batch, and every value is a commit the connector's
// validation accepts, so only a size or count limit can stop it.

type Deployment = "cloud" | "dc" | "sim";

const BATCH_CHARS = 64 * 1024;
const MIB = 1024 * 1024;
/** Newest committerTimestamp of generated DC commits: 2026-06-01, the simulated clock's start. */
const DC_NEWEST_MS = 1_780_272_000_000;

/** A 40-hex commit id no seeded commit has ("ba5eba11" and the index). */
export function generatedHash(i: number): string {
  return `ba5eba11${i.toString(16).padStart(32, "0")}`;
}

/**
 * The smallest commit each deployment's validation accepts, with an optional message. Every
 * value of one body has the same length (the index is padded, timestamps keep 13 digits), so the
 * exact Content-Length is known before the first byte.
 */
export function generatedCommit(deployment: Deployment, i: number, message?: string): string {
  const tail = message === undefined ? "" : `,"message":"${message}"`;
  return deployment === "dc"
    ? `{"id":"${generatedHash(i)}","committerTimestamp":${DC_NEWEST_MS - i}${tail}}`
    : `{"hash":"${generatedHash(i)}"${tail}}`;
}

/** The page's fields before `values`, which come last so that an endless body stays a valid prefix. */
function pageOpening(deployment: Deployment, ctx: RequestContext, size: number, last: boolean): string {
  if (deployment !== "dc") return `{"pagelen":${size},"values":[`;
  const start = intParam(ctx.query, "start", 0);
  return `{"size":${size},"limit":${size},"isLastPage":${last},"start":${Number.isFinite(start) ? start : 0},"values":[`;
}
const PAGE_CLOSING = "]}";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

/** `count` values (Infinity: forever), batched into writes of about 64 KiB. */
async function* pageBody(
  opening: string,
  count: number,
  value: (i: number) => string,
  closing: string,
  intervalMs: number,
  signal: AbortSignal,
): AsyncGenerator<Buffer> {
  let batch = opening;
  for (let i = 0; i < count; i++) {
    batch += i === 0 ? value(i) : `,${value(i)}`;
    if (batch.length < BATCH_CHARS) continue;
    yield Buffer.from(batch);
    batch = "";
    if (intervalMs > 0) await sleep(intervalMs, signal);
  }
  yield Buffer.from(batch + closing);
}

/** A finite last page of `count` equally long values, with its exact Content-Length unless chunked. */
function finitePage(
  deployment: Deployment,
  ctx: RequestContext,
  spec: FaultSpec,
  signal: AbortSignal,
  count: number,
  value: (i: number) => string,
): SimResponse {
  const opening = pageOpening(deployment, ctx, count, true);
  const length = opening.length + count * value(0).length + Math.max(0, count - 1) + PAGE_CLOSING.length;
  return {
    status: 200,
    headers: spec.chunked ? JSON_HEADERS : { ...JSON_HEADERS, "content-length": String(length) },
    stream: pageBody(opening, count, value, PAGE_CLOSING, 0, signal),
  };
}

/** 200 and `{…,"values":[` followed by commits forever: never a complete JSON document. */
export function endlessBody(
  deployment: Deployment,
  ctx: RequestContext,
  spec: FaultSpec,
  signal: AbortSignal,
): SimResponse {
  const size = intParam(ctx.query, deployment === "dc" ? "limit" : "pagelen", deployment === "dc" ? 25 : 10);
  const opening = pageOpening(deployment, ctx, Number.isFinite(size) ? size : 25, false);
  const value = (i: number) => generatedCommit(deployment, i);
  const intervalMs = Math.max(0, spec.intervalMs ?? 0);
  return {
    status: 200,
    headers: JSON_HEADERS,
    stream: pageBody(opening, Number.POSITIVE_INFINITY, value, "", intervalMs, signal),
  };
}

/** One last page of at least `bytes`: commits whose messages are 1 MiB of "x" (less for small sizes). */
export function hugePage(
  deployment: Deployment,
  ctx: RequestContext,
  spec: FaultSpec,
  signal: AbortSignal,
): SimResponse {
  const bytes = Math.max(1, spec.bytes ?? 64 * MIB);
  const bare = generatedCommit(deployment, 0, "").length;
  const message = "x".repeat(Math.max(0, Math.min(bytes, MIB) - bare));
  const each = bare + message.length + 1;
  const count = Math.max(1, Math.ceil(bytes / each));
  return finitePage(deployment, ctx, spec, signal, count, (i) => generatedCommit(deployment, i, message));
}

/** One last page of `count` minimal commits. */
export function manyValues(
  deployment: Deployment,
  ctx: RequestContext,
  spec: FaultSpec,
  signal: AbortSignal,
): SimResponse {
  const count = Math.max(0, Math.floor(spec.count ?? 1_000_000));
  return finitePage(deployment, ctx, spec, signal, count, (i) => generatedCommit(deployment, i));
}
