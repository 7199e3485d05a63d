import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { cloudAuth, dcAdmin, dcApi, get } from "./http.js";

// Bodies a connector must refuse by size or count: endless, huge, a million values. All of them
// are streamed; every value is a commit the connector's validation accepts.

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const MIB = 1024 * 1024;
const HEX40 = /^[0-9a-f]{40}$/;
const dcCommits = (slug: string) => `${dcApi(sim)}/projects/PLAT/repos/${slug}/commits`;
const cloudCommits = `${"/repositories/acme/data-pipeline/pullrequests/3/commits"}`;

/** Reads at least `bytes` of the body, then hangs up; returns what was read. */
async function readSome(res: Response, bytes: number, stop: AbortController): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) throw new Error("no body");
  const chunks: Uint8Array[] = [];
  let n = 0;
  while (n < bytes) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.length;
  }
  stop.abort();
  return Buffer.concat(chunks).toString("utf8");
}

/** Counts the body's bytes without keeping them. */
async function countBytes(res: Response): Promise<number> {
  let n = 0;
  for await (const chunk of res.body ?? []) n += (chunk as Uint8Array).length;
  return n;
}

describe("endless-body", () => {
  it("DC: 200, a page opening, then valid commits for as long as the client reads", async () => {
    sim.injectFault({ route: "dc.commits", repository: "PLAT/web-portal", kind: "endless-body" });
    const stop = new AbortController();
    const res = await fetch(`${dcCommits("web-portal")}?limit=100&start=200`, {
      headers: dcAdmin(sim),
      signal: stop.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBeNull();
    const text = await readSome(res, 8 * MIB, stop);
    expect(text.length).toBeGreaterThanOrEqual(8 * MIB);
    const opening = '{"size":100,"limit":100,"isLastPage":false,"start":200,"values":[';
    expect(text.startsWith(opening)).toBe(true);
    // Complete the prefix at a value boundary: every value is a commit with a 40-hex id.
    const cut = text.lastIndexOf("},{");
    const page = JSON.parse(`${text.slice(0, cut + 1)}]}`) as {
      values: { id: string; committerTimestamp: number }[];
    };
    expect(page.values.length).toBeGreaterThan(90_000);
    for (const v of [page.values[0], page.values.at(-1)]) {
      expect(Object.keys(v ?? {})).toEqual(["id", "committerTimestamp"]);
      expect(v?.id).toMatch(HEX40);
      expect(Number.isInteger(v?.committerTimestamp)).toBe(true);
    }
    expect(new Set(page.values.map((v) => v.id)).size).toBe(page.values.length);
    expect((await get(dcCommits("api-gateway"), dcAdmin(sim))).status).toBe(200);
  });

  it("Cloud: {pagelen, values: [{hash}, …", async () => {
    sim.injectFault({ route: "cloud.pullrequest_commits", kind: "endless-body", intervalMs: 5 });
    const stop = new AbortController();
    const res = await fetch(`${sim.cloudApiUrl}${cloudCommits}`, {
      headers: cloudAuth(sim),
      signal: stop.signal,
    });
    const text = await readSome(res, 200_000, stop);
    expect(text.startsWith(`{"pagelen":10,"values":[{"hash":"`)).toBe(true);
    expect(text.slice(0, 200)).toMatch(
      /^\{"pagelen":10,"values":\[\{"hash":"[0-9a-f]{40}"\},\{"hash":"[0-9a-f]{40}"\}/,
    );
  });
});

describe("huge-page", () => {
  it("a last page of at least `bytes`, valid JSON, with its exact Content-Length", async () => {
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "huge-page",
      bytes: 5 * MIB,
    });
    const r = await get<{
      isLastPage: boolean;
      values: { id: string; committerTimestamp: number; message: string }[];
    }>(dcCommits("web-portal"), dcAdmin(sim));
    expect(r.status).toBe(200);
    expect(Number(r.headers.get("content-length"))).toBe(Buffer.byteLength(r.text));
    expect(r.text.length).toBeGreaterThanOrEqual(5 * MIB);
    expect(r.text.length).toBeLessThan(6 * MIB);
    expect(r.json.isLastPage).toBe(true);
    expect(r.json.values).toHaveLength(5);
    for (const v of r.json.values) {
      expect(v.id).toMatch(HEX40);
      expect(v.message.length).toBeGreaterThan(MIB - 100);
    }
  });

  it("by default 64 MiB; chunked: no Content-Length", async () => {
    sim.injectFault({ route: "cloud.pullrequest_commits", kind: "huge-page" });
    const res = await fetch(`${sim.cloudApiUrl}${cloudCommits}`, { headers: cloudAuth(sim) });
    const length = Number(res.headers.get("content-length"));
    expect(length).toBeGreaterThanOrEqual(64 * MIB);
    expect(await countBytes(res)).toBe(length);
    sim.injectFault({ route: "cloud.pullrequest_commits", kind: "huge-page", bytes: 100_000, chunked: true });
    const small = await get<{ values: { hash: string; message: string }[] }>(
      `${sim.cloudApiUrl}${cloudCommits}`,
      cloudAuth(sim),
    );
    expect(small.headers.get("content-length")).toBeNull();
    expect(small.json.values).toHaveLength(1);
    expect(small.text.length).toBeGreaterThanOrEqual(100_000);
  });
});

describe("many-values", () => {
  it("Cloud: `count` values of {hash}", async () => {
    sim.injectFault({ route: "cloud.pullrequest_commits", kind: "many-values", count: 1234 });
    const r = await get<{ values: { hash: string }[]; next?: string }>(
      `${sim.cloudApiUrl}${cloudCommits}`,
      cloudAuth(sim),
    );
    expect(r.json.values).toHaveLength(1234);
    expect(r.json.next).toBeUndefined();
    expect(r.json.values.every((v) => Object.keys(v).length === 1 && HEX40.test(v.hash))).toBe(true);
  });

  it("DC: minimal commits, all valid and distinct, in one last page", async () => {
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "many-values",
      count: 100_000,
    });
    const r = await get<{
      size: number;
      isLastPage: boolean;
      values: { id: string; committerTimestamp: number }[];
    }>(dcCommits("web-portal"), dcAdmin(sim));
    expect(Number(r.headers.get("content-length"))).toBe(Buffer.byteLength(r.text));
    expect(r.json.size).toBe(100_000);
    expect(r.json.isLastPage).toBe(true);
    expect(r.json.values).toHaveLength(100_000);
    expect(r.text.slice(0, 200)).toMatch(
      /^\{"size":100000,"limit":100000,"isLastPage":true,"start":0,"values":\[\{"id":"[0-9a-f]{40}","committerTimestamp":\d{13}\},\{/,
    );
    expect(r.json.values.every((v) => HEX40.test(v.id) && Number.isInteger(v.committerTimestamp))).toBe(true);
    expect(new Set(r.json.values.map((v) => v.id)).size).toBe(100_000);
  });

  it("by default 1,000,000 values: the Content-Length of a million fixed-size commits", async () => {
    sim.injectFault({ route: "dc.commits", repository: "PLAT/web-portal", kind: "many-values" });
    const stop = new AbortController();
    const res = await fetch(dcCommits("web-portal"), { headers: dcAdmin(sim), signal: stop.signal });
    const head = await readSome(res, 1, stop);
    const opening = '{"size":1000000,"limit":1000000,"isLastPage":true,"start":0,"values":[';
    expect(head.startsWith(opening)).toBe(true);
    const value = `{"id":"${"0".repeat(40)}","committerTimestamp":${"0".repeat(13)}}`;
    expect(Number(res.headers.get("content-length"))).toBe(
      opening.length + 1_000_000 * (value.length + 1) - 1 + 2,
    );
  });
});
