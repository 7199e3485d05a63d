import { z } from "zod";
import { ConnectorError } from "../errors.js";
import type { HttpClient, Query } from "./client.js";

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

/**
 * Bitbucket Cloud pages, following `next` as the server wrote it: the link is opaque (page
 * numbers for lists, tokens for pull-request commits), so it is never rebuilt or edited. The
 * HTTP layer refuses a `next` that leaves the configured origin.
 */
export async function* cloudPages<T>(
  client: HttpClient,
  path: string,
  query: Query,
  schema: z.ZodType<CloudPage<T>>,
): AsyncGenerator<CloudPage<T>> {
  let page = await client.getJson(path, schema, query);
  for (;;) {
    yield page;
    if (!page.next) return;
    page = await client.getJson(page.next, schema);
  }
}

export interface DcPage<T> {
  values: T[];
  isLastPage: boolean;
  start?: number | undefined;
  limit?: number | undefined;
  nextPageStart?: number | null | undefined;
}

/** One Data Center page with where it started, so a caller can checkpoint between pages. */
export interface DcPageAt<T> {
  values: T[];
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
  const page = await client.getJson(path, schema, { ...query, start });
  if (page.isLastPage) return { values: page.values, start, nextStart: undefined };
  const next = page.nextPageStart;
  if (typeof next !== "number" || next <= start) {
    // Stopping here would silently drop the rest of the list.
    throw new ConnectorError(
      "unexpected_response",
      `Bitbucket Data Center answered GET ${path} (start=${start}) with isLastPage=false but no usable nextPageStart (${String(next)})`,
    );
  }
  return { values: page.values, start, nextStart: next };
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
