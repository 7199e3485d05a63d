import { intParam, type RequestContext, type SimResponse } from "./http-types.js";
import type { FaultSpec } from "./types.js";

// The API's own page, altered the way a buggy server or proxy alters it: pages that never end,
// one value nested absurdly deep, one value with a field the connector relies on broken. The
// rest of the page stays as the API wrote it, so a test can tell what was lost.

type Json = Record<string, unknown>;
type Answer = (ctx: RequestContext) => SimResponse;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The body of a 200 page (an object with a `values` array), or undefined for anything else. */
export function parsePage(r: SimResponse): (Json & { values: unknown[] }) | undefined {
  if (r.status !== 200 || r.body === undefined) return undefined;
  try {
    const body: unknown = JSON.parse(r.body);
    return isObject(body) && Array.isArray(body.values) ? (body as Json & { values: unknown[] }) : undefined;
  } catch {
    return undefined;
  }
}

/** The element of `values` the spec names, when it is an object. */
export function targetValue(page: { values: unknown[] }, spec: FaultSpec): Json | undefined {
  const v = page.values[spec.valueIndex ?? 0];
  return isObject(v) ? v : undefined;
}

/** Sets a dotted path (creating the objects on the way), or removes it when `value` is undefined. */
export function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split(".");
  const last = keys.pop() ?? path;
  let at = target;
  for (const k of keys) {
    const next = at[k];
    if (!isObject(next)) {
      if (value === undefined) return;
      at[k] = {};
    }
    at = at[k] as Json;
  }
  if (value === undefined) Reflect.deleteProperty(at, last);
  else at[last] = value;
}

export const withBody = (r: SimResponse, body: string): SimResponse => ({ ...r, body });

/**
 * Cloud: the first page again and again, each time with a `next` to page n+1 (a new URL every
 * time, so remembering links already followed does not stop it). DC: the API's page with
 * `isLastPage: false` and `nextPageStart` = start + limit, for ever; past the data, pages are empty.
 */
export function endlessPages(
  deployment: "cloud" | "dc" | "sim",
  ctx: RequestContext,
  answer: Answer,
): SimResponse {
  return deployment === "dc" ? neverLastPage(ctx, answer) : nextForever(ctx, answer);
}

function nextForever(ctx: RequestContext, answer: Answer): SimResponse {
  const asked = intParam(ctx.query, "page", 1);
  const n = Number.isInteger(asked) && asked >= 1 ? asked : 1;
  const firstPage = new URLSearchParams(ctx.query);
  firstPage.delete("page");
  const r = answer({ ...ctx, query: firstPage });
  const page = parsePage(r);
  if (!page) return r;
  const next = new URLSearchParams(ctx.query);
  next.set("page", String(n + 1));
  page.next = `${ctx.origin}${ctx.pathname}?${next.toString()}`;
  if ("page" in page) page.page = n;
  return withBody(r, JSON.stringify(page));
}

function neverLastPage(ctx: RequestContext, answer: Answer): SimResponse {
  const r = answer(ctx);
  const page = parsePage(r);
  if (!page) return r;
  const start = typeof page.start === "number" ? page.start : 0;
  const limit = typeof page.limit === "number" && page.limit > 0 ? page.limit : 25;
  page.isLastPage = false;
  page.nextPageStart = start + limit;
  return withBody(r, JSON.stringify(page));
}

const NESTING_MARK = "__simulator_deep_nesting__";

/** One value's `field` (default "nested") holds `{"a":{"a":…0…}}`, `depth` objects deep. */
export function deepNesting(real: SimResponse, spec: FaultSpec): SimResponse {
  const page = parsePage(real);
  const target = page && targetValue(page, spec);
  if (!page || !target) return real;
  // Nesting this deep overflows JSON.stringify's stack: write a mark, then swap the text in.
  setPath(target, spec.field ?? "nested", NESTING_MARK);
  const depth = Math.max(0, Math.floor(spec.depth ?? 100_000));
  const nested = `${'{"a":'.repeat(depth)}0${"}".repeat(depth)}`;
  return withBody(
    real,
    JSON.stringify(page).replace(`"${NESTING_MARK}"`, () => nested),
  );
}

/** One value's `field` set to `value`, or removed when `value` is undefined. */
export function corruptValue(real: SimResponse, spec: FaultSpec): SimResponse {
  if (spec.field === undefined) throw new Error("corrupt-value needs a field");
  const page = parsePage(real);
  const target = page && targetValue(page, spec);
  if (!page || !target) return real;
  setPath(target, spec.field, spec.value);
  return withBody(real, JSON.stringify(page));
}
