import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { type CloudPage, cloudAuth, type DcPage, dcAdmin, dcApi, get } from "./http.js";

// The API's own pages, altered: pages without end, a value nested absurdly deep, a value whose
// field the connector relies on is broken. Everything else on the page stays as the API wrote it.

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

type Json = Record<string, unknown>;
const forever = Number.POSITIVE_INFINITY;
const dcCommits = (slug: string, query = "") => `${dcApi(sim)}/projects/PLAT/repos/${slug}/commits${query}`;

describe("endless-pages", () => {
  it("Cloud: the first page again and again, each time with a next link to a new page number", async () => {
    sim.injectFault({
      route: "cloud.repositories",
      repository: undefined,
      kind: "endless-pages",
      times: forever,
    });
    const first = await get<CloudPage>(`${sim.cloudApiUrl}/repositories/acme`, cloudAuth(sim));
    const seen = new Set<string>();
    let page = first.json;
    for (let n = 1; n <= 30; n++) {
      expect(page.page).toBe(n);
      expect(page.values).toEqual(first.json.values);
      expect(page.next).toBeDefined();
      const next = page.next ?? "";
      expect(new URL(next).searchParams.get("page")).toBe(String(n + 1));
      expect(seen.has(next)).toBe(false);
      seen.add(next);
      page = (await get<CloudPage>(next, cloudAuth(sim))).json;
    }
  });

  it("Cloud: also where pages are opaque tokens (pull-request commits)", async () => {
    sim.injectFault({
      route: "cloud.pullrequest_commits",
      repository: "acme/data-pipeline",
      kind: "endless-pages",
      times: forever,
    });
    const url = `${sim.cloudApiUrl}/repositories/acme/data-pipeline/pullrequests/3/commits?pagelen=50`;
    const first = await get<CloudPage>(url, cloudAuth(sim));
    let next = first.json.next;
    for (let n = 2; n <= 10; n++) {
      expect(next).toBe(`${url}&page=${n}`);
      const r = await get<CloudPage>(next ?? "", cloudAuth(sim));
      expect(r.status).toBe(200);
      expect(r.json.values).toEqual(first.json.values);
      next = r.json.next;
    }
    // Another pull request of another repository pages normally.
    const other = await get<CloudPage>(
      `${sim.cloudApiUrl}/repositories/acme/api-gateway/pullrequests?state=MERGED&pagelen=50`,
      cloudAuth(sim),
    );
    expect(other.json.next).toBeUndefined();
  });

  it("DC: the real pages, then empty ones, never last, nextPageStart growing", async () => {
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "endless-pages",
      times: forever,
    });
    const ids: string[] = [];
    const sizes: number[] = [];
    let start = 0;
    for (let i = 0; i < 12; i++) {
      const r = await get<DcPage<{ id: string }>>(
        dcCommits("web-portal", `?limit=100&start=${start}`),
        dcAdmin(sim),
      );
      expect(r.json.isLastPage).toBe(false);
      expect(r.json.nextPageStart).toBe(start + 100);
      ids.push(...r.json.values.map((v) => v.id));
      sizes.push(r.json.values.length);
      start = r.json.nextPageStart ?? 0;
    }
    expect(sizes).toEqual([100, 100, 100, 18, 0, 0, 0, 0, 0, 0, 0, 0]);
    const truth = sim.truth().dc.filter((c) => c.project_key === "PLAT" && c.repo_slug === "web-portal");
    expect(ids).toEqual(truth.map((c) => c.id));
    const other = await get<DcPage>(dcCommits("build-tools", "?limit=1000"), dcAdmin(sim));
    expect(other.json.isLastPage).toBe(true);
  });
});

describe("deep-nesting", () => {
  it("one value's field holds `depth` nested objects; the rest of the page is the API's", async () => {
    const plain = await get<DcPage<Json>>(dcCommits("web-portal", "?limit=5"), dcAdmin(sim));
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "deep-nesting",
      valueIndex: 2,
    });
    const r = await get<DcPage<Json>>(dcCommits("web-portal", "?limit=5"), dcAdmin(sim));
    expect(r.status).toBe(200);
    expect(r.text.split('{"a":').length - 1).toBe(100_000);
    expect(r.text).toContain(`"nested":{"a":{"a":`);
    const { nested, ...rest } = r.json.values[2] ?? {};
    expect(rest).toEqual(plain.json.values[2]);
    let depth = 0;
    for (let at: unknown = nested; typeof at === "object" && at !== null; at = (at as Json).a) depth++;
    expect(depth).toBe(100_000);
    expect(r.json.values.filter((_, i) => i !== 2)).toEqual(plain.json.values.filter((_, i) => i !== 2));
  });

  it("any depth and field (a dotted path)", async () => {
    sim.injectFault({
      route: "cloud.pullrequest_commits",
      kind: "deep-nesting",
      depth: 3,
      field: "summary.raw",
    });
    const r = await get(
      `${sim.cloudApiUrl}/repositories/acme/data-pipeline/pullrequests/3/commits`,
      cloudAuth(sim),
    );
    expect(r.text).toContain(`"raw":{"a":{"a":{"a":0}}}`);
  });
});

describe("corrupt-value", () => {
  it("DC: committerTimestamp 'yesterday' in one commit, a missing id in another", async () => {
    const plain = await get<DcPage<Json>>(dcCommits("web-portal", "?limit=5"), dcAdmin(sim));
    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "corrupt-value",
      valueIndex: 1,
      field: "committerTimestamp",
      value: "yesterday",
    });
    const bad = await get<DcPage<Json>>(dcCommits("web-portal", "?limit=5"), dcAdmin(sim));
    expect(bad.json.values[1]).toEqual({ ...plain.json.values[1], committerTimestamp: "yesterday" });
    expect(bad.json.values.filter((_, i) => i !== 1)).toEqual(plain.json.values.filter((_, i) => i !== 1));

    sim.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "corrupt-value",
      field: "id",
    });
    const missing = await get<DcPage<Json>>(dcCommits("web-portal", "?limit=5"), dcAdmin(sim));
    expect(missing.json.values[0]).not.toHaveProperty("id");
    expect(missing.json.values[0]?.committerTimestamp).toBe(plain.json.values[0]?.committerTimestamp);
  });

  it("Cloud: a pull request listed with updated_on 'not a date', also in a partial response", async () => {
    const url = `${sim.cloudApiUrl}/repositories/acme/api-gateway/pullrequests?state=MERGED&fields=next,values.id,values.updated_on,values.state`;
    const plain = await get<CloudPage<Json>>(url, cloudAuth(sim));
    sim.injectFault({
      route: "cloud.pullrequests",
      repository: "acme/api-gateway",
      kind: "corrupt-value",
      field: "updated_on",
      value: "not a date",
    });
    const bad = await get<CloudPage<Json>>(url, cloudAuth(sim));
    expect(bad.json.values[0]).toEqual({ ...plain.json.values[0], updated_on: "not a date" });
    expect(bad.json.values.slice(1)).toEqual(plain.json.values.slice(1));
    expect(bad.json.next).toBe(plain.json.next);
  });

  it("needs a field, and passes errors and out-of-range indexes through untouched", async () => {
    expect(() => sim.injectFault({ kind: "corrupt-value" })).toThrow(/field/);
    const plain = await get(dcCommits("web-portal", "?limit=5"), dcAdmin(sim));
    sim.injectFault({ route: "dc.commits", kind: "corrupt-value", field: "id", valueIndex: 99 });
    expect((await get(dcCommits("web-portal", "?limit=5"), dcAdmin(sim))).text).toBe(plain.text);
    sim.injectFault({ route: "dc.commits", kind: "corrupt-value", field: "id" });
    expect((await get(dcCommits("web-portal", "?limit=5"))).status).toBe(401);
  });
});
