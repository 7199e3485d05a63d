import { z } from "zod";
import { ConnectorError } from "../errors.js";
import type { HttpClient, Query } from "./client.js";
import { rawValues } from "./raw-values.js";

/** A Bitbucket Cloud page: `values` and an opaque `next` link (page numbers or page tokens). */
export function cloudPage<T extends z.ZodType>(item: T) {
  return z.object({ values: z.array(item), next: z.string().optional() });
}

/** A Bitbucket Data Center page: `values`, `isLastPage`, and `nextPageStart` while there is more. */
export function dcPage<T extends z.ZodType>(item: T) {
  return z.object({
    values: z.array(item),
    isLastPage: z.boolean(),
    start: z.number().int().optional(),
    limit: z.number().int().optional(),
    nextPageStart: z.number().int().nullish(),
  });
}

export interface CloudPage<T> {
  values: T[];
  next?: string | undefined;
}

/** A page's values, and their own JSON bytes when the page could be sliced (see raw-values.ts). */
export interface PageValues<T> {
  values: T[];
  raw: Buffer[] | undefined;
}

/**
 * Bitbucket Cloud pages, following `next` as the server wrote it: the link is opaque (page
 * numbers for lists, tokens for pull-request commits), so it is never rebuilt or edited. The
 * HTTP layer refuses a `next` that leaves the configured origin; a `next` already followed (a
 * server or cache bug) is refused here, as following it would loop and re-emit forever.
 */
export async function* cloudPages<T>(
  client: HttpClient,
  path: string,
  query: Query,
  schema: z.ZodType<CloudPage<T>>,
): AsyncGenerator<CloudPage<T> & PageValues<T>> {
  let next: string | undefined = path;
  let q: Query | undefined = query;
  const followed = new Set<string>();
  while (next !== undefined) {
    const res = await client.get(next, q);
    followed.add(res.url.href);
    const page = client.validate(res, schema);
    yield { values: page.values, next: page.next, raw: matching(rawValues(res.bytes), page.values) };
    next = page.next;
    q = undefined; // a next link already carries every parameter
    if (next !== undefined && followed.has(new URL(next, res.url).href))
      throw new ConnectorError(
        "unexpected_response",
        `Bitbucket Cloud answered GET ${res.url.pathname} with a next link to a page already read (${next}); stopping instead of looping`,
      );
  }
}

/** Raw texts only when they line up one to one with the parsed values. */
function matching<T>(raw: Buffer[] | undefined, values: T[]): Buffer[] | undefined {
  return raw !== undefined && raw.length === values.length ? raw : undefined;
}

export interface DcPage<T> {
  values: T[];
  isLastPage: boolean;
  start?: number | undefined;
  limit?: number | undefined;
  nextPageStart?: number | null | undefined;
}

/** One Data Center page with where it started, so a caller can checkpoint between pages. */
export interface DcPageAt<T> extends PageValues<T> {
  start: number;
  /** Where the next page starts; undefined on the last page. */
  nextStart: number | undefined;
}

/**
 * One Data Center page from `start`. `nextPageStart` is the only truth about where the next page
 * starts: the server filters items by permission after paging (so it skips numbers) and may cap
 * `limit` below what was asked, so `start + size` and `start + limit` are both wrong.
 */
export async function dcPageAt<T>(
  client: HttpClient,
  path: string,
  query: Query,
  schema: z.ZodType<DcPage<T>>,
  start: number,
): Promise<DcPageAt<T>> {
  const res = await client.get(path, { ...query, start });
  const page = client.validate(res, schema);
  const raw = matching(rawValues(res.bytes), page.values);
  if (page.isLastPage) return { values: page.values, raw, start, nextStart: undefined };
  const next = page.nextPageStart;
  if (typeof next !== "number" || next <= start) {
    // Stopping here would silently drop the rest of the list.
    throw new ConnectorError(
      "unexpected_response",
      `Bitbucket Data Center answered GET ${path} (start=${start}) with isLastPage=false but no usable nextPageStart (${String(next)})`,
    );
  }
  return { values: page.values, raw, start, nextStart: next };
}

/** Every page of a Data Center list, from `nextPageStart` to `nextPageStart` until `isLastPage`. */
export async function* dcPages<T>(
  client: HttpClient,
  path: string,
  query: Query,
  schema: z.ZodType<DcPage<T>>,
  firstStart = 0,
): AsyncGenerator<DcPageAt<T>> {
  let start: number | undefined = firstStart;
  while (start !== undefined) {
    const page: DcPageAt<T> = await dcPageAt(client, path, query, schema, start);
    yield page;
    start = page.nextStart;
  }
}
