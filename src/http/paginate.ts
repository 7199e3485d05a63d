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
  if (next < start + page.count) {
    // Offsets count what the server scanned, which is at least what it returned: the next page
    // would repeat items of this one, and every page after it too (each item many times over).
    throw new ConnectorError(
      "unexpected_response",
      `Bitbucket Data Center answered GET ${path} (start=${start}) with ${page.count} items but nextPageStart ${next}: the pages would overlap`,
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

/**
 * A Data Center list paged while items may leave it (a pull request deleted): offsets count items,
 * so one deleted from a page already read moves every later item up a place, and the item at the
 * page boundary is on neither page. Each page after the first is therefore asked from one item
 * before where the previous one ended, and must begin with an item of that page and go on past
 * it; one that does not means items moved up (a deletion) or down by a page less one or more, and
 * `ListMoved` is thrown for `untilSteady` to read the list again. Items are yielded parsed,
 * the repeated one included (callers keep each key once). Where the server's offsets are not its
 * items' (`nextPageStart` past `start + size`: it skipped items the caller may not see) or a page
 * holds one item, the next page is asked where the server says, unchecked, as `dcPages` does.
 */
export async function* dcItemsChecked<T>(
  client: Requester,
  path: string,
  query: Query,
  item: z.ZodType<T>,
  key: (t: T) => string | number,
): AsyncGenerator<T[]> {
  const progress = new PageProgress(`Bitbucket Data Center GET ${path}`);
  let start: number | undefined = 0;
  let before: Set<string | number> | undefined; // the keys of the page the overlap repeats
  while (start !== undefined) {
    const at: DcPageAt<T> = await dcPageAt(client, path, query, item, start);
    const items = at.page.items();
    if (before !== undefined && !continues(items, before, key)) throw new ListMoved(path, start);
    progress.check(at.page);
    yield items;
    const next: number | undefined = at.nextStart;
    if (next !== undefined && items.length > 1 && next === start + items.length) {
      before = new Set(items.map(key));
      start = next - 1;
    } else {
      before = undefined;
      start = next;
    }
  }
}

/**
 * Whether a page asked from the last item of the page before continues it: it begins with an item
 * of that page and, past it, goes on to items that page did not hold (its last one did: at least a
 * page less one came in at the head, and the page would repeat the one before).
 */
function continues<T>(items: T[], before: Set<string | number>, key: (t: T) => string | number): boolean {
  if (items.length === 0 || !before.has(key(items[0]!))) return false;
  return items.length === 1 || !before.has(key(items[items.length - 1]!));
}

/** A Data Center list moved under its paging (see dcItemsChecked). */
export class ListMoved extends ConnectorError {
  constructor(path: string, start: number) {
    super(
      "server_error",
      `Bitbucket Data Center GET ${path}: the list changed while it was paged (the page from start=${start} did not continue the one before: items left it, or more than a page of new ones came in)`,
    );
  }
}

/** How many times a list that moves under its paging is read before its partition fails. */
const LIST_READS = 3;

/**
 * `read` (a whole list) again while it throws ListMoved, `LIST_READS` times at most; then the
 * partition fails, its state as it was, and the next sync reads it again.
 */
export async function untilSteady<R>(read: () => Promise<R>, onMoved: (err: ListMoved) => void): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof ListMoved)) throw err;
      if (attempt >= LIST_READS)
        throw new ConnectorError(
          "server_error",
          `${err.message}, ${LIST_READS} times in a row; it is read again next sync`,
          {
            cause: err,
          },
        );
      onMoved(err);
    }
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
