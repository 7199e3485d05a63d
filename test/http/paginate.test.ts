import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConnectorError } from "../../src/errors.js";
import type { Page } from "../../src/http/page.js";
import {
  cloudPages,
  type DcPageAt,
  dcItemsChecked,
  dcPages,
  ListMoved,
  untilSteady,
} from "../../src/http/paginate.js";
import { mockClient } from "../helpers/clients.js";

const json = { "content-type": "application/json" };
const Item = z.object({ n: z.number() });

async function collect<T>(pages: AsyncIterable<Page<T> | DcPageAt<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...("page" in p ? p.page : p).items());
  return out;
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectorError);
  return err as ConnectorError;
}

describe("cloudPages", () => {
  it("follows opaque next links verbatim and sends the query only with the first request", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0");
    const pool = agent.get("https://api.example.com");
    const paths: string[] = [];
    const reply = (body: object) => (req: { path: string }) => {
      paths.push(req.path);
      return { statusCode: 200, data: body, responseOptions: { headers: json } };
    };
    pool.intercept({ path: "/2.0/r/pullrequests/1/commits?pagelen=100" }).reply(
      reply({
        values: [{ n: 1 }],
        next: "https://api.example.com/2.0/r/pullrequests/1/commits?page=Zm9v%3D",
      }),
    );
    pool
      .intercept({ path: "/2.0/r/pullrequests/1/commits?page=Zm9v%3D" })
      .reply(reply({ values: [{ n: 2 }] }));
    const got = await collect(cloudPages(client, "r/pullrequests/1/commits", { pagelen: 100 }, Item));
    expect(got).toEqual([{ n: 1 }, { n: 2 }]);
    expect(paths).toEqual([
      "/2.0/r/pullrequests/1/commits?pagelen=100",
      "/2.0/r/pullrequests/1/commits?page=Zm9v%3D",
    ]);
  });

  it("stops with an error on a next link to a page already read instead of looping", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0");
    const pool = agent.get("https://api.example.com");
    pool
      .intercept({ path: "/2.0/x?page=1" })
      .reply(200, { values: [{ n: 1 }], next: "https://api.example.com/2.0/x?page=2" }, { headers: json });
    pool
      .intercept({ path: "/2.0/x?page=2" })
      .reply(200, { values: [{ n: 2 }], next: "https://api.example.com/2.0/x?page=1" }, { headers: json });
    const seen: number[] = [];
    const run = async () => {
      for await (const p of cloudPages(client, "x", { page: 1 }, Item))
        seen.push(...p.items().map((v) => v.n));
    };
    const err = await failure(run());
    expect(err.code).toBe("unexpected_response");
    expect(err.message).toContain("already read");
    expect(seen).toEqual([1, 2]);
  });

  it("stops a next link that is always a new URL once a page repeats, or empty pages never end", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0");
    const pool = agent.get("https://api.example.com");
    pool
      .intercept({ path: (p) => p.startsWith("/2.0/same") })
      .reply((req) => {
        const n = Number(new URL(req.path, "https://x").searchParams.get("page") ?? 1);
        return {
          statusCode: 200,
          data: { values: [{ n: 1 }], next: `https://api.example.com/2.0/same?page=${n + 1}` },
          responseOptions: { headers: json },
        };
      })
      .persist();
    expect((await failure(collect(cloudPages(client, "same", {}, Item)))).message).toContain(
      "repeats a page already read",
    );
    pool
      .intercept({ path: (p) => p.startsWith("/2.0/empty") })
      .reply((req) => {
        const n = Number(new URL(req.path, "https://x").searchParams.get("page") ?? 1);
        return {
          statusCode: 200,
          data: { values: [], next: `https://api.example.com/2.0/empty?page=${n + 1}` },
          responseOptions: { headers: json },
        };
      })
      .persist();
    expect((await failure(collect(cloudPages(client, "empty", {}, Item)))).message).toContain(
      "pages in a row without any item",
    );
  });

  it("stops when the list runs past the size it announced", async () => {
    const { client, agent } = mockClient("https://api.example.com/2.0");
    agent
      .get("https://api.example.com")
      .intercept({ path: (p) => p.startsWith("/2.0/sized") })
      .reply((req) => {
        const n = Number(new URL(req.path, "https://x").searchParams.get("page") ?? 1);
        return {
          statusCode: 200,
          data: {
            size: 2,
            pagelen: 1,
            values: [{ n }],
            next: `https://api.example.com/2.0/sized?page=${n + 1}`,
          },
          responseOptions: { headers: json },
        };
      })
      .persist();
    expect((await failure(collect(cloudPages(client, "sized", {}, Item)))).message).toContain(
      "than the list said it holds (2)",
    );
  });
});

describe("dcPages", () => {
  it("follows nextPageStart (which skips numbers and reflects a capped limit) until isLastPage", async () => {
    const { client, agent } = mockClient("https://bb.example.com/rest/api/1.0");
    const pool = agent.get("https://bb.example.com");
    const starts: string[] = [];
    const page = (start: number, body: object) =>
      pool.intercept({ path: `/rest/api/1.0/projects?limit=1000&start=${start}` }).reply((req) => {
        starts.push(req.path);
        return { statusCode: 200, data: body, responseOptions: { headers: json } };
      });
    // The server caps limit at 2 and hides an item the user may not see: the second page starts at 3.
    page(0, { values: [{ n: 0 }, { n: 1 }], isLastPage: false, start: 0, limit: 2, nextPageStart: 3 });
    page(3, { values: [{ n: 3 }], isLastPage: true, start: 3, limit: 2 });
    const got = await collect(dcPages(client, "projects", { limit: 1000 }, Item));
    expect(got.map((v) => v.n)).toEqual([0, 1, 3]);
    expect(starts).toHaveLength(2);
  });

  it("refuses a page that says more follows without a usable nextPageStart", async () => {
    const { client, agent } = mockClient("https://bb.example.com/rest/api/1.0");
    agent
      .get("https://bb.example.com")
      .intercept({ path: "/rest/api/1.0/projects?limit=1000&start=0" })
      .reply(200, { values: [{ n: 0 }], isLastPage: false, start: 0, limit: 1000 }, { headers: json });
    expect((await failure(collect(dcPages(client, "projects", { limit: 1000 }, Item)))).message).toContain(
      "no usable nextPageStart",
    );
  });

  it("refuses a nextPageStart inside the page just read (pages that would overlap, each item many times)", async () => {
    const { client, agent } = mockClient("https://bb.example.com/rest/api/1.0");
    agent
      .get("https://bb.example.com")
      .intercept({ path: "/rest/api/1.0/projects?limit=1000&start=0" })
      .reply(
        200,
        {
          values: [{ n: 0 }, { n: 1 }, { n: 2 }],
          isLastPage: false,
          start: 0,
          limit: 1000,
          nextPageStart: 1,
        },
        { headers: json },
      );
    expect((await failure(collect(dcPages(client, "projects", { limit: 1000 }, Item)))).message).toContain(
      "with 3 items but nextPageStart 1: the pages would overlap",
    );
  });

  it("stops a list stuck at isLastPage false with empty pages (a real server bug) after a bounded number of pages", async () => {
    const { http, client, agent } = mockClient("https://bb.example.com/rest/api/1.0");
    agent
      .get("https://bb.example.com")
      .intercept({ path: (p) => p.startsWith("/rest/api/1.0/projects") })
      .reply((req) => {
        const start = Number(new URL(req.path, "https://x").searchParams.get("start"));
        return {
          statusCode: 200,
          data: { values: [], isLastPage: false, start, limit: 1000, nextPageStart: start + 1000 },
          responseOptions: { headers: json },
        };
      })
      .persist();
    expect((await failure(collect(dcPages(client, "projects", { limit: 1000 }, Item)))).message).toContain(
      "does not end",
    );
    expect(http.stats.requests).toBeLessThanOrEqual(102);
  });
});

describe("dcItemsChecked", () => {
  /** A server paging `list()` as it is at each request, capped at `cap` items, recording the starts. */
  function server(list: () => number[], cap: number, skipAfter?: number) {
    const { client, agent } = mockClient("https://bb.example.com/rest/api/1.0");
    const starts: number[] = [];
    agent
      .get("https://bb.example.com")
      .intercept({ path: (p) => p.startsWith("/rest/api/1.0/prs") })
      .reply((req) => {
        const start = Number(new URL(req.path, "https://x").searchParams.get("start"));
        starts.push(start);
        const all = list();
        const values = all.slice(start, start + cap).map((n) => ({ n }));
        const last = start + cap >= all.length;
        // A server that skips offsets (items hidden from the caller) says so by a later nextPageStart.
        const next = start + cap + (skipAfter !== undefined && start === 0 ? skipAfter : 0);
        return {
          statusCode: 200,
          data: { values, isLastPage: last, start, limit: cap, ...(last ? {} : { nextPageStart: next }) },
          responseOptions: { headers: json },
        };
      })
      .persist();
    return { client, starts };
  }
  const read = async (client: ReturnType<typeof server>["client"]) => {
    const out: number[] = [];
    for await (const items of dcItemsChecked(client, "prs", { limit: 1000 }, Item, (i) => i.n))
      out.push(...items.map((i) => i.n));
    return out;
  };

  it("asks each page from the last item of the one before, and keeps every item", async () => {
    const list = [9, 8, 7, 6, 5, 4, 3, 2, 1];
    const { client, starts } = server(() => list, 4);
    expect(new Set(await read(client))).toEqual(new Set(list));
    expect(starts).toEqual([0, 3, 6]);
  });

  it("throws ListMoved when an item of a page already read left the list, which would hide the one at the boundary", async () => {
    const list = [9, 8, 7, 6, 5, 4, 3, 2, 1];
    let requests = 0;
    const { client } = server(() => (++requests === 1 ? list : list.filter((n) => n !== 8)), 4);
    expect(await read(client).catch((e: unknown) => e)).toBeInstanceOf(ListMoved);
  });

  it("takes a list that grew at its head as it is (its items only moved on)", async () => {
    let requests = 0;
    const { client } = server(() => (++requests === 1 ? [6, 5, 4, 3, 2, 1] : [7, 6, 5, 4, 3, 2, 1]), 3);
    expect(new Set(await read(client))).toEqual(new Set([6, 5, 4, 3, 2, 1]));
  });

  it("throws ListMoved, not a looping-server error, when a page less one came in at the head (the page would repeat)", async () => {
    let requests = 0;
    const { client } = server(() => (++requests === 1 ? [6, 5, 4, 3, 2, 1] : [8, 7, 6, 5, 4, 3, 2, 1]), 3);
    expect(await read(client).catch((e: unknown) => e)).toBeInstanceOf(ListMoved);
  });

  it("moves on one item a page when pages hold two, and reads every item", async () => {
    const { client, starts } = server(() => [4, 3, 2, 1], 2);
    expect(new Set(await read(client))).toEqual(new Set([4, 3, 2, 1]));
    expect(starts).toEqual([0, 1, 2]);
  });

  it("pages unchecked where the server's offsets skip items the caller may not see", async () => {
    const { client, starts } = server(() => [9, 8, 7, 6, 5, 4, 3, 2, 1], 3, 1);
    // From 0 the server skipped an offset: the next page is asked where it says (4); from 4 it
    // did not, so the one after is asked from 4 + 3 - 1 and checked.
    expect(await read(client)).toEqual([9, 8, 7, 5, 4, 3, 3, 2, 1]);
    expect(starts).toEqual([0, 4, 6]);
  });

  it("untilSteady reads a moving list again, then fails it after three reads", async () => {
    let reads = 0;
    const moved: string[] = [];
    const steadyOnThird = await untilSteady(
      async () => {
        if (++reads < 3) throw new ListMoved("prs", 3);
        return reads;
      },
      (e) => moved.push(e.message),
    );
    expect(steadyOnThird).toBe(3);
    expect(moved).toHaveLength(2);
    const err = await failure(
      untilSteady(
        async () => {
          throw new ListMoved("prs", 3);
        },
        () => {},
      ),
    );
    expect(err).not.toBeInstanceOf(ListMoved);
    expect(err.failureType).toBe("transient_error");
    expect(err.message).toMatch(/3 times in a row; it is read again next sync$/);
  });
});
