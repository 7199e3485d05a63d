import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { basic, bearer, type DcPage, dcAdmin, dcApi, followDc, get } from "./http.js";

type Json = Record<string, unknown>;
interface DcErrors {
  errors: { context: null; message: string; exceptionName: string | null }[];
}

let sim: Simulator;
let api: string;

beforeAll(async () => {
  sim = await startSimulator();
  api = dcApi(sim);
});
afterAll(() => sim.close());

const exception = (r: { json: DcErrors }) => r.json.errors[0]?.exceptionName;
const repoUrl = (key: string, slug: string) => `${api}/projects/${key}/repos/${slug}`;
const truthOf = (key: string, slug: string) =>
  sim.truth().dc.filter((t) => t.project_key === key && t.repo_slug === slug);

describe("DC authentication and permissions", () => {
  it("accepts password, personal access token (Bearer and Basic) for the admin user", async () => {
    const { username, password, personalAccessToken } = sim.credentials.dc;
    for (const h of [
      basic(username, password),
      bearer(personalAccessToken),
      basic(username, personalAccessToken),
    ]) {
      const r = await get<DcPage>(`${api}/projects`, h);
      expect(r.status).toBe(200);
      expect(r.json.values.map((p) => p.key)).toEqual(["DATA", "OPS", "PLAT", "SEC"]);
    }
  });

  it("answers 401 IncorrectPasswordAuthenticationException for bad credentials", async () => {
    for (const h of [basic(sim.credentials.dc.username, "wrong"), bearer("BBDC-nope"), basic("ghost", "x")]) {
      const r = await get<DcErrors>(`${api}/projects`, h);
      expect(r.status).toBe(401);
      expect(r.json.errors[0]?.message).toBe(
        "Authentication failed. Please check your credentials and try again.",
      );
      expect(exception(r)).toBe("com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException");
    }
  });

  it("lets the user without permissions authenticate but read nothing", async () => {
    const { username, password } = sim.credentials.dc.noAccessUser;
    const h = basic(username, password);
    const projects = await get<DcPage>(`${api}/projects`, h);
    expect(projects.status).toBe(200);
    expect(projects.json).toMatchObject({ size: 0, values: [], isLastPage: true });
    const repo = await get<DcErrors>(repoUrl("PLAT", "api-gateway"), h);
    expect(repo.status).toBe(401);
    expect(exception(repo)).toBe("com.atlassian.bitbucket.AuthorisationException");
    expect(repo.json.errors[0]?.message).toBe("You are not permitted to access this resource");
    expect((await get(`${repoUrl("PLAT", "api-gateway")}/commits`, h)).status).toBe(401);
  });

  it("scopes the HTTP access token to its project: hidden in lists, 401 on direct reads", async () => {
    const h = bearer(sim.credentials.dc.httpAccessToken);
    expect(sim.credentials.dc.httpAccessTokenProjectKey).toBe("PLAT");
    expect(sim.dc.repositories()[0]?.projectKey).toBe("PLAT");
    const pages = await followDc(`${api}/projects?limit=25`, h);
    expect(pages.flatMap((p) => p.values.map((v) => v.key))).toEqual(["PLAT"]);
    const other = await get<DcErrors>(repoUrl("SEC", "secrets-scanner"), h);
    expect(other.status).toBe(401);
    expect(exception(other)).toBe("com.atlassian.bitbucket.AuthorisationException");
    expect((await get(`${repoUrl("PLAT", "api-gateway")}/commits?limit=1`, h)).status).toBe(200);
  });

  it("answers 404 NoSuchProjectException / NoSuchRepositoryException", async () => {
    const p = await get<DcErrors>(`${api}/projects/NOPE/repos`, dcAdmin(sim));
    expect(p.status).toBe(404);
    expect(exception(p)).toBe("com.atlassian.bitbucket.project.NoSuchProjectException");
    const r = await get<DcErrors>(repoUrl("PLAT", "nope"), dcAdmin(sim));
    expect(r.status).toBe(404);
    expect(exception(r)).toBe("com.atlassian.bitbucket.repository.NoSuchRepositoryException");
  });

  it("logs credential ids", async () => {
    sim.resetStats();
    await get(`${api}/projects`, dcAdmin(sim));
    await get(`${api}/projects`, bearer(sim.credentials.dc.httpAccessToken));
    await get(`${api}/projects`, bearer(sim.credentials.dc.personalAccessToken));
    expect(sim.requests().map((r) => r.credentialId)).toEqual([
      "dc.password",
      "dc.httpAccessToken",
      "dc.personalAccessToken",
    ]);
  });
});

describe("DC paging", () => {
  it("skips offsets of invisible projects: pages with size < limit that are not last", async () => {
    const pages = await followDc(`${api}/projects?limit=1`, bearer(sim.credentials.dc.httpAccessToken));
    expect(pages.map((p) => [p.start, p.size, p.isLastPage, p.nextPageStart])).toEqual([
      [0, 0, false, 1],
      [1, 0, false, 2],
      [2, 1, false, 3],
      [3, 0, true, undefined],
    ]);
    expect(pages.every((p) => !p.isLastPage === "nextPageStart" in p)).toBe(true);
  });

  it("skips offsets in /repos for the HTTP access token", async () => {
    const pages = await followDc(`${api}/repos?limit=5`, bearer(sim.credentials.dc.httpAccessToken));
    const got = pages.flatMap((p) => p.values.map((v) => `${(v.project as Json).key}/${v.slug}`));
    expect(got).toEqual(["PLAT/api-gateway", "PLAT/build-tools", "PLAT/sandbox", "PLAT/web-portal"]);
    expect(pages.some((p) => !p.isLastPage && p.size < p.limit)).toBe(true);
    const admin = await followDc(`${api}/repos?limit=5`, dcAdmin(sim));
    expect(admin.flatMap((p) => p.values)).toHaveLength(sim.dc.repositories().length);
  });

  it("caps limit at 1000 and shows the effective limit; default 25", async () => {
    const r = await get<DcPage>(`${repoUrl("PLAT", "api-gateway")}/commits?limit=5000`, dcAdmin(sim));
    expect(r.json.limit).toBe(1000);
    expect(r.json.values).toHaveLength(1000);
    const d = await get<DcPage>(`${repoUrl("PLAT", "api-gateway")}/commits`, dcAdmin(sim));
    expect(d.json.limit).toBe(25);
    expect(d.json.values).toHaveLength(25);
  });

  it("honours dcMaxLimit", async () => {
    const small = await startSimulator({ dcMaxLimit: 100 });
    try {
      const r = await get<DcPage>(
        `${dcApi(small)}/projects/PLAT/repos/api-gateway/commits?limit=1000`,
        dcAdmin(small),
      );
      expect(r.json).toMatchObject({ limit: 100, nextPageStart: 100, isLastPage: false });
      expect(r.json.values).toHaveLength(100);
    } finally {
      await small.close();
    }
  });

  it("serves projects and repositories with the recorded shapes", async () => {
    const r = await get<DcPage>(`${api}/projects/PLAT/repos`, dcAdmin(sim));
    const repo = r.json.values[0] ?? {};
    for (const k of [
      "slug",
      "id",
      "name",
      "scmId",
      "state",
      "statusMessage",
      "forkable",
      "project",
      "public",
      "links",
    ]) {
      expect(repo).toHaveProperty(k);
    }
    expect(repo.project).toMatchObject({ key: "PLAT", type: "NORMAL" });
    expect(Object.keys(r.json)).toEqual(["size", "limit", "isLastPage", "values", "start"]);
  });
});

describe("DC default branch", () => {
  it("serves both shapes with varied default branches", async () => {
    const legacy = await get<Json>(`${repoUrl("PLAT", "api-gateway")}/branches/default`, dcAdmin(sim));
    expect(legacy.status).toBe(200);
    const head = truthOf("PLAT", "api-gateway")[0]?.id;
    expect(legacy.json).toEqual({
      id: "refs/heads/master",
      displayId: "master",
      type: "BRANCH",
      latestCommit: head,
      latestChangeset: head,
      isDefault: true,
    });
    const expected: [string, string, string][] = [
      ["PLAT", "build-tools", "develop"],
      ["DATA", "warehouse", "trunk"],
      ["DATA", "etl-jobs", "main"],
    ];
    for (const [key, slug, branch] of expected) {
      const r = await get<Json>(`${repoUrl(key, slug)}/default-branch`, dcAdmin(sim));
      expect(r.json).toEqual({ id: `refs/heads/${branch}`, displayId: branch, type: "BRANCH" });
    }
  });

  it("answers 204 No Content for empty repositories on both endpoints", async () => {
    for (const [key, slug] of [
      ["PLAT", "sandbox"],
      ["DATA", "notebooks"],
    ] as const) {
      for (const ep of ["branches/default", "default-branch"]) {
        const r = await get(`${repoUrl(key, slug)}/${ep}`, dcAdmin(sim));
        expect(r.status).toBe(204);
        expect(r.text).toBe("");
      }
    }
  });

  it("answers 404 NoSuchBranchException when the configured default branch does not exist", async () => {
    for (const ep of ["branches/default", "default-branch"]) {
      const r = await get<DcErrors>(`${repoUrl("DATA", "ml-models")}/${ep}`, dcAdmin(sim));
      expect(r.status).toBe(404);
      expect(exception(r)).toBe("com.atlassian.bitbucket.repository.NoSuchBranchException");
    }
    const summary = sim.dc.repositories().find((r) => r.slug === "ml-models");
    expect(summary).toMatchObject({ defaultBranch: null, configuredDefaultBranch: "main", empty: false });
    expect(truthOf("DATA", "ml-models")).toEqual([]);
  });

  it("answers a generic 404 for endpoints the server version lacks", async () => {
    const old = await startSimulator({ dcDefaultBranchEndpoints: ["branches/default"] });
    try {
      const r = await get<DcErrors>(
        `${dcApi(old)}/projects/PLAT/repos/api-gateway/default-branch`,
        dcAdmin(old),
      );
      expect(r.status).toBe(404);
      expect(exception(r)).toBeNull();
      expect(
        (await get(`${dcApi(old)}/projects/PLAT/repos/api-gateway/branches/default`, dcAdmin(old))).status,
      ).toBe(200);
      expect(old.stats().byRoute["dc.default_branch"]).toBe(1);
    } finally {
      await old.close();
    }
  });

  it("serves a custom context path and the 'latest' API alias", async () => {
    const root = await startSimulator({ dcContextPath: "/" });
    try {
      expect(root.dcUrl).toBe(root.url);
      expect((await get(`${root.url}/rest/api/1.0/projects`, dcAdmin(root))).status).toBe(200);
      expect((await get(`${root.url}/rest/api/latest/projects`, dcAdmin(root))).status).toBe(200);
    } finally {
      await root.close();
    }
  });
});

describe("DC commits", () => {
  it("lists the default branch newest first, 2,500 commits in 3 pages of 1000, matching truth", async () => {
    const pages = await followDc(`${repoUrl("PLAT", "api-gateway")}/commits?limit=1000`, dcAdmin(sim));
    expect(pages.map((p) => p.values.length)).toEqual([1000, 1000, 500]);
    const commits = pages.flatMap((p) => p.values);
    const truth = truthOf("PLAT", "api-gateway");
    expect(commits.map((c) => c.id)).toEqual(truth.map((t) => t.id));
    expect(commits.map((c) => c.committerTimestamp)).toEqual(truth.map((t) => t.committerTimestamp));
    expect(truth.every((t) => t.branch === "master")).toBe(true);
    const ts = commits.map((c) => Number(c.committerTimestamp));
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeLessThan(ts[i - 1] ?? 0);
    commits.slice(0, -1).forEach((c, i) => {
      expect((c.parents as Json[])[0]?.id).toBe(commits[i + 1]?.id);
    });
    expect(commits[commits.length - 1]?.parents).toEqual([]);
  });

  it("serves commits shaped like the recorded ones; about a third of authors unmapped", async () => {
    const r = await get<DcPage>(`${repoUrl("PLAT", "api-gateway")}/commits?limit=300`, dcAdmin(sim));
    const c = r.json.values[0] ?? {};
    expect(Object.keys(c)).toEqual([
      "id",
      "displayId",
      "author",
      "authorTimestamp",
      "committer",
      "committerTimestamp",
      "message",
      "parents",
    ]);
    expect(String(c.displayId)).toBe(String(c.id).slice(0, 11));
    const authors = r.json.values.map((v) => v.author as Json);
    const unmapped =
      authors.filter((a) => Object.keys(a).join() === "name,emailAddress").length / authors.length;
    expect(unmapped).toBeGreaterThan(0.2);
    expect(unmapped).toBeLessThan(0.45);
    const mapped = authors.find((a) => "slug" in a);
    expect(Object.keys(mapped ?? {}).sort()).toEqual([
      "active",
      "displayName",
      "emailAddress",
      "id",
      "links",
      "name",
      "slug",
      "type",
    ]);
  });

  it("resolves until as a ref, a branch name or a commit id, with stable offsets", async () => {
    const truth = truthOf("PLAT", "api-gateway");
    const ids = async (q: string) =>
      (await get<DcPage>(`${repoUrl("PLAT", "api-gateway")}/commits?${q}`, dcAdmin(sim))).json.values.map(
        (v) => v.id,
      );
    const expected = truth.slice(0, 5).map((t) => t.id);
    expect(await ids("limit=5&until=refs%2Fheads%2Fmaster")).toEqual(expected);
    expect(await ids("limit=5&until=master")).toEqual(expected);
    const mid = truth[100]?.id ?? "";
    expect(await ids(`limit=5&until=${mid}`)).toEqual(truth.slice(100, 105).map((t) => t.id));
    expect(await ids(`limit=5&start=5&until=${mid}`)).toEqual(truth.slice(105, 110).map((t) => t.id));
  });

  it("excludes commits reachable from since", async () => {
    const truth = truthOf("PLAT", "api-gateway");
    const since = truth[10]?.id ?? "";
    const r = await get<DcPage>(
      `${repoUrl("PLAT", "api-gateway")}/commits?since=${since}&limit=100`,
      dcAdmin(sim),
    );
    expect(r.json.values.map((v) => v.id)).toEqual(truth.slice(0, 10).map((t) => t.id));
    expect(r.json.isLastPage).toBe(true);
    const head = truth[0]?.id ?? "";
    const none = await get<DcPage>(`${repoUrl("PLAT", "api-gateway")}/commits?since=${head}`, dcAdmin(sim));
    expect(none.json).toMatchObject({ size: 0, values: [], isLastPage: true });
    // A branch that forked: commits on release/2.x not on master.
    const rel = await get<DcPage>(
      `${repoUrl("PLAT", "api-gateway")}/commits?since=master&until=release%2F2.x&limit=100`,
      dcAdmin(sim),
    );
    expect(rel.json.values).toHaveLength(12);
  });

  it("answers 404 NoSuchCommitException for unknown since or until", async () => {
    const bogus = "0123456789abcdef0123456789abcdef01234567";
    for (const q of [
      `since=${bogus}`,
      `until=${bogus}`,
      "until=no-such-branch",
      "since=refs%2Fheads%2Fgone",
    ]) {
      const r = await get<DcErrors>(`${repoUrl("PLAT", "api-gateway")}/commits?${q}`, dcAdmin(sim));
      expect(r.status).toBe(404);
      expect(exception(r)).toBe("com.atlassian.bitbucket.commit.NoSuchCommitException");
      expect(r.json.errors[0]?.message).toMatch(/^Commit '.+' does not exist in repository 'api-gateway'\.$/);
    }
    // An id of another repository is unknown here too.
    const foreign = truthOf("OPS", "monitoring")[0]?.id ?? "";
    expect(
      (await get(`${repoUrl("PLAT", "api-gateway")}/commits?since=${foreign}`, dcAdmin(sim))).status,
    ).toBe(404);
    const ignored = await get<DcPage>(
      `${repoUrl("PLAT", "api-gateway")}/commits?since=${bogus}&ignoreMissing=true`,
      dcAdmin(sim),
    );
    expect(ignored.status).toBe(200);
  });

  it("answers an empty page for empty repositories without until, 404 with one", async () => {
    const r = await get<DcPage>(`${repoUrl("PLAT", "sandbox")}/commits`, dcAdmin(sim));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ size: 0, values: [], isLastPage: true });
    const u = await get<DcErrors>(
      `${repoUrl("PLAT", "sandbox")}/commits?until=refs%2Fheads%2Fmaster`,
      dcAdmin(sim),
    );
    expect(u.status).toBe(404);
    expect(exception(u)).toBe("com.atlassian.bitbucket.commit.NoSuchCommitException");
    // Missing default branch: the default resolves to nothing.
    expect((await get(`${repoUrl("DATA", "ml-models")}/commits`, dcAdmin(sim))).status).toBe(404);
    expect(
      (await get(`${repoUrl("DATA", "ml-models")}/commits?until=master&limit=1`, dcAdmin(sim))).status,
    ).toBe(200);
  });

  it("serves one commit by id or ref, as the list does; 404 NoSuchCommitException when unknown", async () => {
    const url = `${repoUrl("PLAT", "api-gateway")}`;
    const page = await get<DcPage>(`${url}/commits?limit=2`, dcAdmin(sim));
    const [newest, second] = page.json.values;
    const one = await get<Json>(`${url}/commits/${String(second?.id)}`, dcAdmin(sim));
    expect(one.status).toBe(200);
    expect(one.json).toEqual(second);
    expect((await get<Json>(`${url}/commits/master`, dcAdmin(sim))).json).toEqual(newest);
    const bogus = await get<DcErrors>(
      `${url}/commits/0123456789abcdef0123456789abcdef01234567`,
      dcAdmin(sim),
    );
    expect(bogus.status).toBe(404);
    expect(exception(bogus)).toBe("com.atlassian.bitbucket.commit.NoSuchCommitException");
    expect(sim.stats().byRoute["dc.commit"]).toBe(3);
  });

  it("truth covers every non-empty repository's default branch", () => {
    const repos = sim.dc.repositories();
    const t = sim.truth().dc;
    expect(t.length).toBe(repos.reduce((n, r) => n + r.commits, 0));
    expect(sim.truthCount().dc).toBe(t.length);
    expect(new Set(t.map((x) => x.id)).size).toBe(t.length);
    expect(repos.filter((r) => r.empty).map((r) => r.slug)).toEqual(["sandbox", "notebooks"]);
    expect(new Set(repos.map((r) => r.configuredDefaultBranch))).toEqual(
      new Set(["master", "main", "develop", "trunk"]),
    );
    expect(Math.max(...repos.map((r) => r.commits))).toBe(2500);
  });
});
