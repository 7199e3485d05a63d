import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConnectorError } from "../../src/errors.js";
import { cloudPage, cloudPages, dcPage, dcPages } from "../../src/http/paginate.js";
import { mockClient } from "../helpers/clients.js";

const json = { "content-type": "application/json" };
const Item = z.object({ n: z.number() });

async function collect<T>(pages: AsyncIterable<{ values: T[] }>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(...p.values);
  return out;
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
    const got = await collect(
      cloudPages(client, "r/pullrequests/1/commits", { pagelen: 100 }, cloudPage(Item)),
    );
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
      for await (const p of cloudPages(client, "x", { page: 1 }, cloudPage(Item)))
        seen.push(...p.values.map((v) => v.n));
    };
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe("unexpected_response");
    expect((err as ConnectorError).message).toContain("already read");
    expect(seen).toEqual([1, 2]);
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
    const got = await collect(dcPages(client, "projects", { limit: 1000 }, dcPage(Item)));
    expect(got.map((v) => v.n)).toEqual([0, 1, 3]);
    expect(starts).toHaveLength(2);
  });

  it("refuses a page that says more follows without a usable nextPageStart", async () => {
    const { client, agent } = mockClient("https://bb.example.com/rest/api/1.0");
    agent
      .get("https://bb.example.com")
      .intercept({ path: "/rest/api/1.0/projects?limit=1000&start=0" })
      .reply(200, { values: [{ n: 0 }], isLastPage: false, start: 0, limit: 1000 }, { headers: json });
    const err = await collect(dcPages(client, "projects", { limit: 1000 }, dcPage(Item))).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).message).toContain("no usable nextPageStart");
  });
});
