import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { basic, bearer, type CloudPage, cloudAuth, followCloud, get, getWithHost } from "./http.js";

type Json = Record<string, unknown>;
interface ErrorEnvelope {
  type: string;
  error: { message: string; detail?: unknown };
}

let sim: Simulator;
let api: string;

beforeAll(async () => {
  sim = await startSimulator();
  api = sim.cloudApiUrl;
});
afterAll(() => sim.close());

const ALL_STATES = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED";

describe("Cloud authentication", () => {
  it("accepts the workspace access token (Bearer) and the API token (Basic email:token)", async () => {
    expect((await get(`${api}/repositories/acme`, cloudAuth(sim))).status).toBe(200);
    const { email, token } = sim.credentials.cloud.apiToken;
    expect((await get(`${api}/repositories/acme`, basic(email, token))).status).toBe(200);
  });

  it("answers 401 with the error envelope for missing or wrong credentials", async () => {
    for (const headers of [
      {},
      bearer("nope"),
      basic(sim.credentials.cloud.apiToken.email, "wrong"),
      basic("x", "y"),
    ]) {
      const r = await get<ErrorEnvelope>(`${api}/repositories/acme`, headers);
      expect(r.status).toBe(401);
      expect(r.json.type).toBe("error");
      expect(typeof r.json.error.message).toBe("string");
    }
  });

  it("refuses other workspaces to a workspace token with 403", async () => {
    const other = bearer(sim.credentials.cloud.otherWorkspaceToken);
    expect((await get(`${api}/repositories/acme`, other)).status).toBe(403);
    expect((await get(`${api}/repositories/acme/api-gateway/pullrequests`, other)).status).toBe(403);
    expect((await get(`${api}/repositories/other-ws`, other)).status).toBe(200);
  });

  it("reads repositories but not pull requests without the pullrequest scope", async () => {
    const h = bearer(sim.credentials.cloud.noPullRequestScopeToken);
    expect((await get(`${api}/repositories/acme`, h)).status).toBe(200);
    const r = await get<ErrorEnvelope>(`${api}/repositories/acme/api-gateway/pullrequests`, h);
    expect(r.status).toBe(403);
    expect(r.json.error.detail).toEqual({ granted: ["repository", "account"], required: ["pullrequest"] });
    expect((await get(`${api}/repositories/acme/api-gateway/pullrequests/1/commits`, h)).status).toBe(403);
  });

  it("answers 410 for the removed workspaces list and serves /2.0/user to API tokens", async () => {
    const r = await get<ErrorEnvelope>(`${api}/workspaces`, cloudAuth(sim));
    expect(r.status).toBe(410);
    expect(r.json.type).toBe("error");
    const { email, token } = sim.credentials.cloud.apiToken;
    const u = await get(`${api}/user`, basic(email, token));
    expect(u.status).toBe(200);
    expect(u.json).toMatchObject({ type: "user" });
  });

  it("logs which credential each request used, and secrets are long", async () => {
    sim.resetStats();
    await get(`${api}/repositories/acme`, cloudAuth(sim));
    await get(`${api}/repositories/acme`, bearer(sim.credentials.cloud.noPullRequestScopeToken));
    await get(`${api}/repositories/acme`);
    expect(sim.requests().map((r) => [r.authorization, r.credentialId])).toEqual([
      ["bearer", "cloud.accessToken"],
      ["bearer", "cloud.noPullRequestScopeToken"],
      ["none", undefined],
    ]);
    const c = sim.credentials.cloud;
    for (const s of [c.accessToken, c.apiToken.token, c.noPullRequestScopeToken, c.otherWorkspaceToken]) {
      expect(s.length).toBeGreaterThan(100);
    }
    expect(
      new Set([c.accessToken, c.apiToken.token, c.noPullRequestScopeToken, c.otherWorkspaceToken]).size,
    ).toBe(4);
  });
});

describe("Cloud repositories", () => {
  it("paginates 12 acme repositories 10 per page with an absolute next", async () => {
    const pages = await followCloud(`${api}/repositories/acme`, cloudAuth(sim));
    expect(pages.map((p) => p.values.length)).toEqual([10, 2]);
    expect(pages[0]).toMatchObject({ pagelen: 10, size: 12, page: 1 });
    expect(pages[0]?.next).toBe(`${api}/repositories/acme?page=2`);
    const slugs = pages.flatMap((p) => p.values.map((v) => v.slug));
    expect(slugs).toEqual(sim.cloud.repositories("acme"));
  });

  it("builds next from the Host header and keeps the other query parameters", async () => {
    const r = await getWithHost(
      `${api}/repositories/acme?pagelen=5&role=member&fields=next,values.slug`,
      "bitbucket.example.test:8443",
      cloudAuth(sim),
    );
    const next = (r.json as CloudPage).next ?? "";
    const u = new URL(next);
    expect(u.host).toBe("bitbucket.example.test:8443");
    expect(u.searchParams.get("pagelen")).toBe("5");
    expect(u.searchParams.get("role")).toBe("member");
    expect(u.searchParams.get("fields")).toBe("next,values.slug");
    expect(u.searchParams.get("page")).toBe("2");
  });

  it("rejects pagelen above 100 with 400 Invalid pagelen", async () => {
    const r = await get<ErrorEnvelope>(`${api}/repositories/acme?pagelen=101`, cloudAuth(sim));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe("Invalid pagelen");
    expect((await get(`${api}/repositories/acme?pagelen=100`, cloudAuth(sim))).status).toBe(200);
  });

  it("answers 404 for unknown workspaces and repositories; empty-ws has none", async () => {
    const r = await get<ErrorEnvelope>(`${api}/repositories/nope`, cloudAuth(sim));
    expect(r.status).toBe(404);
    expect(r.json.error.message).toContain("No workspace with identifier 'nope'");
    expect((await get(`${api}/repositories/acme/nope`, cloudAuth(sim))).status).toBe(404);
    const empty = await get<CloudPage>(`${api}/repositories/empty-ws`, cloudAuth(sim));
    expect(empty.json).toMatchObject({ size: 0, values: [] });
    expect(empty.json.next).toBeUndefined();
  });

  it("serves repositories with the recorded shape", async () => {
    const r = await get<Json>(`${api}/repositories/acme/api-gateway`, cloudAuth(sim));
    expect(r.status).toBe(200);
    for (const k of [
      "scm",
      "uuid",
      "links",
      "name",
      "project",
      "language",
      "created_on",
      "mainbranch",
      "full_name",
    ]) {
      expect(r.json).toHaveProperty(k);
    }
    expect(r.json).toMatchObject({ type: "repository", slug: "api-gateway", full_name: "acme/api-gateway" });
    expect(String(r.json.uuid)).toMatch(/^\{[0-9a-f-]{36}\}$/);
  });

  it("keeps only the requested paths with fields= (and drops next unless asked)", async () => {
    const r = await get<Json>(
      `${api}/repositories/acme?fields=values.slug,values.updated_on`,
      cloudAuth(sim),
    );
    expect(Object.keys(r.json)).toEqual(["values"]);
    const values = r.json.values as Json[];
    expect(values).toHaveLength(10);
    expect(Object.keys(values[0] ?? {}).sort()).toEqual(["slug", "updated_on"]);
    const withNext = await get<Json>(`${api}/repositories/acme?fields=next,values.slug`, cloudAuth(sim));
    expect(Object.keys(withNext.json).sort()).toEqual(["next", "values"]);
  });

  it("supports q and sort on repositories", async () => {
    const r = await get<CloudPage>(
      `${api}/repositories/acme?q=${encodeURIComponent('slug ~ "service"')}&sort=-slug`,
      cloudAuth(sim),
    );
    expect(r.json.values.map((v) => v.slug)).toEqual(["notification-service", "billing-service"]);
  });
});

describe("Cloud pull requests", () => {
  const prs = () => sim.cloud.pullRequests("acme", "api-gateway");

  it("returns only OPEN pull requests when no state is given", async () => {
    const pages = await followCloud(
      `${api}/repositories/acme/api-gateway/pullrequests?pagelen=50`,
      cloudAuth(sim),
    );
    const got = pages.flatMap((p) => p.values);
    const open = prs().filter((p) => p.state === "OPEN");
    expect(got.length).toBe(open.length);
    expect(got.every((p) => p.state === "OPEN")).toBe(true);
  });

  it("returns every state with repeated state params, 60 in two pages at the cap of 50", async () => {
    const pages = await followCloud(
      `${api}/repositories/acme/api-gateway/pullrequests?${ALL_STATES}&pagelen=50`,
      cloudAuth(sim),
    );
    expect(pages.map((p) => p.values.length)).toEqual([50, 10]);
    expect(pages[0]?.size).toBe(60);
    const states = new Set(pages.flatMap((p) => p.values.map((v) => v.state)));
    expect(states).toEqual(new Set(["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]));
    const next = new URL(pages[0]?.next ?? "");
    expect(next.searchParams.getAll("state")).toEqual(["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]);
  });

  it("rejects pagelen above 50 with 400", async () => {
    const r = await get<ErrorEnvelope>(
      `${api}/repositories/acme/api-gateway/pullrequests?pagelen=51`,
      cloudAuth(sim),
    );
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe("Invalid pagelen");
  });

  it("sorts by updated_on", async () => {
    const r = await get<CloudPage>(
      `${api}/repositories/acme/api-gateway/pullrequests?${ALL_STATES}&pagelen=50&sort=updated_on`,
      cloudAuth(sim),
    );
    const updated = r.json.values.map((v) => String(v.updated_on));
    expect(updated).toEqual([...updated].sort());
    expect(updated[0]).toBe(
      prs()
        .map((p) => p.updated_on)
        .sort()[0],
    );
  });

  it("filters with BBQL on updated_on when the offset's + is sent as %2B", async () => {
    const sorted = prs()
      .map((p) => p.updated_on)
      .sort();
    const threshold = sorted[30] ?? "";
    expect(threshold).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    const expected = sorted.filter((u) => u >= threshold).length;
    const q = encodeURIComponent(`updated_on >= "${threshold}"`);
    expect(q).toContain("%2B");
    const pages = await followCloud(
      `${api}/repositories/acme/api-gateway/pullrequests?${ALL_STATES}&pagelen=50&q=${q}`,
      cloudAuth(sim),
    );
    expect(pages.flatMap((p) => p.values).length).toBe(expected);
    // Microsecond precision: ">" the exact value excludes it.
    const gt = encodeURIComponent(`updated_on > "${threshold}" AND updated_on <= "${sorted[59]}"`);
    const r = await get<CloudPage>(
      `${api}/repositories/acme/api-gateway/pullrequests?${ALL_STATES}&pagelen=50&q=${gt}`,
      cloudAuth(sim),
    );
    expect(r.json.size).toBe(expected - 1);
  });

  it("answers 400 Invalid date when the + of the offset arrives raw (decoded as a space)", async () => {
    const threshold = prs()[0]?.updated_on ?? "";
    const raw = `updated_on >= "${threshold}"`.replace(/ /g, "%20").replace(/"/g, "%22");
    expect(raw).toContain("+00:00");
    const r = await get<ErrorEnvelope>(
      `${api}/repositories/acme/api-gateway/pullrequests?q=${raw}`,
      cloudAuth(sim),
    );
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe("Invalid date");
  });

  it("lets q constrain the state instead of the OPEN default, and filters created_on", async () => {
    const q = encodeURIComponent('state = "MERGED" AND created_on >= "2020-01-01T00:00:00Z"');
    const pages = await followCloud(
      `${api}/repositories/acme/api-gateway/pullrequests?pagelen=50&q=${q}`,
      cloudAuth(sim),
    );
    const got = pages.flatMap((p) => p.values);
    expect(got.length).toBe(prs().filter((p) => p.state === "MERGED").length);
    expect(got.every((p) => p.state === "MERGED")).toBe(true);
  });

  it("serves pull requests with the recorded shape and microsecond times", async () => {
    const r = await get<CloudPage>(
      `${api}/repositories/acme/api-gateway/pullrequests?${ALL_STATES}&pagelen=50`,
      cloudAuth(sim),
    );
    const pr = r.json.values[0] ?? {};
    expect(Object.keys(pr).sort()).toEqual(
      [
        "author",
        "close_source_branch",
        "closed_by",
        "comment_count",
        "created_on",
        "description",
        "destination",
        "draft",
        "id",
        "links",
        "merge_commit",
        "reason",
        "source",
        "state",
        "summary",
        "task_count",
        "title",
        "type",
        "updated_on",
      ].sort(),
    );
    expect(String(pr.updated_on)).toMatch(/\.\d{6}\+00:00$/);
    const merged = r.json.values.find((v) => v.state === "MERGED");
    expect(merged?.merge_commit).toMatchObject({ type: "commit" });
    expect(merged?.closed_by).toMatchObject({ type: "user" });
  });

  it("spreads updated_on over about two years before the simulator's now", () => {
    const all = sim.cloud
      .workspaces()
      .flatMap((ws) => sim.cloud.repositories(ws).flatMap((r) => sim.cloud.pullRequests(ws, r)));
    const times = all.map((p) => Date.parse(p.updated_on)).sort((a, b) => a - b);
    const first = times[0] ?? 0;
    const last = times[times.length - 1] ?? 0;
    expect(last).toBeLessThan(sim.now().getTime());
    expect(last - first).toBeGreaterThan(600 * 86_400_000);
  });
});

describe("Cloud pull request commits", () => {
  const truthFor = (repo: string, id: number) =>
    sim
      .truth()
      .cloud.filter((t) => t.workspace === "acme" && t.repo_slug === repo && t.pull_request_id === id);

  it("pages 250 commits in 3 pages of 100 with opaque page tokens, newest first", async () => {
    const url = `${api}/repositories/acme/data-pipeline/pullrequests/3/commits?pagelen=100`;
    const pages = await followCloud(url, cloudAuth(sim));
    expect(pages.map((p) => p.values.length)).toEqual([100, 100, 50]);
    for (const p of pages.slice(0, 2)) {
      const token = new URL(p.next ?? "").searchParams.get("page") ?? "";
      expect(token).not.toMatch(/^\d+$/);
      expect(token.length).toBeGreaterThan(4);
      expect(new URL(p.next ?? "").searchParams.get("pagelen")).toBe("100");
    }
    const commits = pages.flatMap((p) => p.values);
    const hashes = commits.map((c) => String(c.hash));
    expect(new Set(hashes).size).toBe(250);
    expect(hashes).toEqual(truthFor("data-pipeline", 3).map((t) => t.hash));
    const dates = commits.map((c) => String(c.date));
    expect(dates).toEqual([...dates].sort().reverse());
    // Each commit's parent is the next (older) one.
    commits.slice(0, -1).forEach((c, i) => {
      expect((c.parents as Json[])[0]?.hash).toBe(commits[i + 1]?.hash);
    });
  });

  it("serves commits with the recorded shape; about a quarter lack author.user", async () => {
    const pages = await followCloud(
      `${api}/repositories/acme/data-pipeline/pullrequests/3/commits?pagelen=100`,
      cloudAuth(sim),
    );
    const commits = pages.flatMap((p) => p.values);
    const c = commits[0] ?? {};
    expect(Object.keys(c)).toEqual([
      "type",
      "hash",
      "date",
      "author",
      "message",
      "summary",
      "links",
      "parents",
      "repository",
    ]);
    expect(Object.keys(c.links as Json)).toEqual([
      "self",
      "html",
      "diff",
      "approve",
      "comments",
      "statuses",
      "patch",
    ]);
    expect(c.summary).toMatchObject({ type: "rendered", markup: "markdown" });
    expect(c.repository).toMatchObject({
      type: "repository",
      full_name: "acme/data-pipeline",
      name: "data-pipeline",
    });
    expect(String(c.hash)).toMatch(/^[0-9a-f]{40}$/);
    expect(String(c.date)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    const unmapped = commits.filter((x) => !("user" in (x.author as Json))).length / commits.length;
    expect(unmapped).toBeGreaterThan(0.12);
    expect(unmapped).toBeLessThan(0.4);
    for (const x of commits) expect(String((x.author as Json).raw)).toMatch(/^.+ <.+>$/);
  });

  it("rejects pagelen above 100 and numeric page numbers", async () => {
    const base = `${api}/repositories/acme/data-pipeline/pullrequests/3/commits`;
    expect((await get(`${base}?pagelen=101`, cloudAuth(sim))).status).toBe(400);
    expect((await get(`${base}?page=2`, cloudAuth(sim))).status).toBe(400);
  });

  it("defaults to 10 per page", async () => {
    const r = await get<CloudPage>(
      `${api}/repositories/acme/data-pipeline/pullrequests/3/commits`,
      cloudAuth(sim),
    );
    expect(r.json.values).toHaveLength(10);
    expect(r.json.pagelen).toBe(10);
  });

  it("answers 404 for pull requests whose source fork is gone, and [] for empty ones", async () => {
    const summaries = sim.cloud.pullRequests("acme", "api-gateway");
    const gone = summaries.find((p) => p.commitsStatus === 404);
    const empty = summaries.find((p) => p.commitsStatus === 200 && p.commits === 0);
    expect(gone).toBeDefined();
    expect(empty).toBeDefined();
    const r404 = await get<ErrorEnvelope>(
      `${api}/repositories/acme/api-gateway/pullrequests/${gone?.id}/commits`,
      cloudAuth(sim),
    );
    expect(r404.status).toBe(404);
    expect(r404.json.type).toBe("error");
    const r0 = await get<CloudPage>(
      `${api}/repositories/acme/api-gateway/pullrequests/${empty?.id}/commits`,
      cloudAuth(sim),
    );
    expect(r0.status).toBe(200);
    expect(r0.json.values).toEqual([]);
    expect(r0.json.next).toBeUndefined();
    expect(truthFor("api-gateway", gone?.id ?? 0)).toEqual([]);
    expect(
      (await get(`${api}/repositories/acme/api-gateway/pullrequests/9999/commits`, cloudAuth(sim))).status,
    ).toBe(404);
  });

  it("has roughly 1 in 15 pull requests answering 404 and 1 in 20 empty", () => {
    const all = sim.cloud
      .workspaces()
      .flatMap((ws) => sim.cloud.repositories(ws).flatMap((r) => sim.cloud.pullRequests(ws, r)));
    const gone = all.filter((p) => p.commitsStatus === 404).length / all.length;
    const empty = all.filter((p) => p.commitsStatus === 200 && p.commits === 0).length / all.length;
    expect(gone).toBeGreaterThan(0.02);
    expect(gone).toBeLessThan(0.15);
    expect(empty).toBeGreaterThan(0.01);
    expect(empty).toBeLessThan(0.12);
  });

  it("truth covers every state and only extractable pull requests", () => {
    const t = sim.truth().cloud;
    let expected = 0;
    for (const ws of sim.cloud.workspaces()) {
      for (const r of sim.cloud.repositories(ws)) {
        for (const p of sim.cloud.pullRequests(ws, r)) if (p.commitsStatus === 200) expected += p.commits;
      }
    }
    expect(t.length).toBe(expected);
    expect(sim.truthCount().cloud).toBe(expected);
    expect(new Set(t.map((x) => x.hash)).size).toBe(t.length);
  });
});

describe("Cloud rate limit", () => {
  it("answers 429 text/plain without Retry-After past the hourly budget, per credential", async () => {
    const limited = await startSimulator({ cloudRequestsPerHour: 3 });
    try {
      const url = `${limited.cloudApiUrl}/repositories/acme`;
      for (let i = 0; i < 3; i++) expect((await get(url, cloudAuth(limited))).status).toBe(200);
      const r = await get(url, cloudAuth(limited));
      expect(r.status).toBe(429);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(r.headers.get("retry-after")).toBeNull();
      expect(r.text).toBe("Rate limit for this resource has been exceeded");
      const { email, token } = limited.credentials.cloud.apiToken;
      expect((await get(url, basic(email, token))).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
