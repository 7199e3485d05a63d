import { createHash } from "node:crypto";
import { z } from "zod";
import { ConnectorError } from "../errors.js";
import type { Query, Requester } from "./client.js";
import type { Page } from "./page.js";

/** A Bitbucket Cloud page: `values` and an opaque `next` link; list-style pages also tell `size`. */
export const CloudEnvelope = z.looseObject({
  next: z.string().optional(),
  size: z.number().int().min(0).optional(),
  pagelen: z.number().int().min(1).optional(),
});

/** A Bitbucket Data Center page: `values`, `isLastPage`, and `nextPageStart` while there is more. */
export const DcEnvelope = z.looseObject({
  isLastPage: z.boolean(),
  start: z.number().int().optional(),
  limit: z.number().int().optional(),
  nextPageStart: z.number().int().nullish(),
});

/** Pages in a row with no item before a list counts as stuck (permission filtering can empty a few). */
const MAX_EMPTY_PAGES = 100;

/**
 * Guards one walk through a list against a server that never ends it: a page that repeats one
 * already read, too many empty pages in a row (e.g. Data Center answering `isLastPage: false`
 * forever), or more pages than the list said it holds. Throws `unexpected_response` (the
 * partition fails; its checkpoint stays where the last real progress was).
 */
export class PageProgress {
  private pages = 0;
  private empty = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly what: string) {}

  check(page: Page<unknown>, maxPages?: number): void {
    this.pages++;
    if (maxPages !== undefined && this.pages > maxPages + 1) {
      throw this.stuck(`more pages (${this.pages}) than the list said it holds (${maxPages})`);
    }
    if (page.count === 0) {
      if (++this.empty > MAX_EMPTY_PAGES)
        throw this.stuck(`${this.empty} pages in a row without any item, and never a last one`);
      return;
    }
    this.empty = 0;
    const signature = createHash("sha1")
      .update(itemBytes(page, 0))
      .update(itemBytes(page, page.count - 1))
      .digest("base64");
    if (this.seen.has(signature)) throw this.stuck(`page ${this.pages} repeats a page already read`);
    this.seen.add(signature);
  }

  private stuck(why: string): ConnectorError {
    return new ConnectorError(
      "unexpected_response",
      `${this.what}: the list does not end (${why}); stopped reading it rather than loop. The server or a proxy in front of it is misbehaving.`,
    );
  }
}

/**
 * Bitbucket Cloud pages, following `next` as the server wrote it: the link is opaque (page
 * numbers for lists, tokens for pull-request commits), so it is never rebuilt or edited. The HTTP
 * layer refuses a `next` that leaves the configured origin; PageProgress refuses one that loops.
 */
export async function* cloudPages<T>(
  client: Requester,
  path: string,
  query: Query,
  item: z.ZodType<T>,
): AsyncGenerator<Page<T>> {
  let next: string | undefined = path;
  let q: Query | undefined = query;
  const progress = new PageProgress(`Bitbucket Cloud GET ${path}`);
  const followed = new Set<string>();
  while (next !== undefined) {
    const got: { page: Page<T>; envelope: z.infer<typeof CloudEnvelope>; url: URL } = await client.page(
      next,
      q,
      CloudEnvelope,
      item,
    );
    const { page, envelope, url } = got;
    followed.add(url.href);
    const pages =
      envelope.size !== undefined
        ? Math.ceil(envelope.size / (envelope.pagelen ?? Math.max(page.count, 1)))
        : undefined;
    progress.check(page, pages);
    yield page;
    next = envelope.next;
    q = undefined; // a next link already carries every parameter
    if (next !== undefined && followed.has(new URL(next, url).href))
      throw new ConnectorError(
        "unexpected_response",
        `Bitbucket Cloud answered GET ${url.pathname} with a next link to a page already read (${next}); stopping instead of looping`,
      );
  }
}

/** One Data Center page and where the next one starts (undefined after the last). */
export interface DcPageAt<T> {
  page: Page<T>;
  start: number;
  nextStart: number | undefined;
}

/**
 * One Data Center page from `start`. `nextPageStart` is the only truth about where the next page
 * starts: the server filters items by permission after paging (so it skips numbers) and may cap
 * `limit` below what was asked, so `start + size` and `start + limit` are both wrong.
 */
export async function dcPageAt<T>(
  client: Requester,
  path: string,
  query: Query,
  item: z.ZodType<T>,
  start: number,
): Promise<DcPageAt<T>> {
  const { page, envelope } = await client.page(path, { ...query, start }, DcEnvelope, item);
  if (envelope.isLastPage) return { page, start, nextStart: undefined };
  const next = envelope.nextPageStart;
  if (typeof next !== "number" || next <= start || next > MAX_START) {
    // Stopping here would silently drop the rest of the list.
    throw new ConnectorError(
      "unexpected_response",
      `Bitbucket Data Center answered GET ${path} (start=${start}) with isLastPage=false but no usable nextPageStart (${String(next)})`,
    );
  }
  return { page, start, nextStart: next };
}

/** Data Center offsets are Java ints. */
const MAX_START = 2 ** 31 - 1;

/** Every page of a Data Center list, from `nextPageStart` to `nextPageStart` until `isLastPage`. */
export async function* dcPages<T>(
  client: Requester,
  path: string,
  query: Query,
  item: z.ZodType<T>,
  firstStart = 0,
): AsyncGenerator<DcPageAt<T>> {
  const progress = new PageProgress(`Bitbucket Data Center GET ${path}`);
  let start: number | undefined = firstStart;
  while (start !== undefined) {
    const at: DcPageAt<T> = await dcPageAt(client, path, query, item, start);
    progress.check(at.page);
    yield at;
    start = at.nextStart;
  }
}

/** The bytes of item `i` of a page (for signatures). */
function itemBytes(page: Page<unknown>, i: number): Buffer {
  const r = page.records({}, i, i + 1);
  return r.bytes.subarray(r.spans[0]!, r.spans[1]!);
}

/** The first page of a listing; the rest is not requested (check looks at a sample). */
export async function firstPage<T>(pages: AsyncGenerator<T>): Promise<T | undefined> {
  const r = await pages.next();
  await pages.return(undefined);
  return r.done ? undefined : r.value;
}
