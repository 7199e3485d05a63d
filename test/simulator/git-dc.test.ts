import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { servedRepo } from "../../integration_tests/simulator/git/served-repo.js";
import {
  COMMIT_ORDERS,
  type CommitOrder,
  clockSkewHistory,
  type DcGitRepositoryOption,
  emptyHistory,
  type GitRepo,
  linearHistory,
  longLivedBranchesHistory,
  missingDefaultHistory,
  octopusHistory,
  type Simulator,
  startSimulator,
  twoRootsHistory,
} from "../../integration_tests/simulator/index.js";
import { bearer, type DcPage, dcAdmin, dcApi, followDc, get } from "./http.js";

// The Data Center API served from git repositories: /commits pages through exactly what
// `git rev-list` says, in each order the server may use, under each page cap.

interface DcCommit {
  id: string;
  displayId: string;
  author: { name: string; emailAddress: string; slug?: string };
  authorTimestamp: number;
  committer: { name: string; emailAddress: string };
  committerTimestamp: number;
  message: string;
  parents: { id: string; displayId: string }[];
}
interface DcErrors {
  errors: { context: null; message: string; exceptionName: string | null }[];
}

const YEAR = 365 * 86_400_000;
const h = {
  big: longLivedBranchesHistory(),
  skew: clockSkewHistory(),
  octopus: octopusHistory(),
  twoRoots: twoRootsHistory(),
  empty: emptyHistory(),
  missing: missingDefaultHistory(),
};
const repositories: DcGitRepositoryOption[] = [
  { project: "PLAT", slug: "big", repo: h.big.repo },
  { project: "PLAT", slug: "skew", repo: h.skew.repo },
  { project: "PLAT", slug: "octopus", repo: h.octopus.repo },
  { project: "DATA", slug: "two-roots", repo: h.twoRoots.repo, projectName: "Data" },
  { project: "DATA", slug: "empty", repo: h.empty.repo, projectName: "Data" },
  { project: "DATA", slug: "missing", repo: h.missing.repo, projectName: "Data" },
];
const slugOf = new Map(repositories.map((r) => [r.repo, `${r.project}/repos/${r.slug}`]));

const sims: Simulator[] = [];
async function serve(order: CommitOrder, cap: number, repos = repositories): Promise<Simulator> {
  const sim = await startSimulator({ dcGit: { repositories: repos, order }, dcMaxLimit: cap });
  sims.push(sim);
  return sim;
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  for (const x of Object.values(h)) x.repo.dispose();
});

const repoUrl = (sim: Simulator, repo: GitRepo) => `${dcApi(sim)}/projects/${slugOf.get(repo)}`;
const exception = (r: { json: DcErrors }) => r.json.errors[0]?.exceptionName;

async function commitPages(sim: Simulator, repo: GitRepo, query = "limit=1000"): Promise<DcPage<DcCommit>[]> {
  return followDc<DcCommit>(`${repoUrl(sim, repo)}/commits?${query}`, dcAdmin(sim));
}
const ids = (pages: DcPage<DcCommit>[]) => pages.flatMap((p) => p.values.map((c) => c.id));

describe.each(COMMIT_ORDERS)("GET /commits in %s order", (order) => {
  it.each([
    ["octopus", 25],
    ["twoRoots", 25],
    ["skew", 100],
    ["big", 1000],
  ] as const)("pages through %s under a cap of %i exactly as git rev-list", async (name, cap) => {
    const sim = await serve(order, cap);
    const { repo } = h[name];
    const pages = await commitPages(sim, repo);
    expect(ids(pages)).toEqual(repo.revList("main", { order }));
    expect(pages.every((p) => p.limit === cap)).toBe(true);
    expect(pages.slice(0, -1).every((p) => p.size === cap && p.nextPageStart === p.start + cap)).toBe(true);
  });
});

describe("git mode: orders, refs and caps", () => {
  let sim: Simulator;
  let wide: Simulator;
  beforeAll(async () => {
    sim = await serve("topo", 25);
    wide = await serve("topo", 1000);
  });

  it("offers orders that differ, and topological order lists years-old commits before newer ones", async () => {
    const { repo } = h.skew;
    const [byDefault, byDate, byTopo] = COMMIT_ORDERS.map((order) => repo.revList("main", { order }));
    expect(byDate).not.toEqual(byDefault);
    expect(byTopo).not.toEqual(byDate);
    const pages = await commitPages(sim, h.big.repo);
    const oldest = pages.map((p) => Math.min(...p.values.map((c) => c.committerTimestamp)));
    const newest = pages.map((p) => Math.max(...p.values.map((c) => c.committerTimestamp)));
    const early = oldest.findIndex((o, i) => newest.slice(i + 1).some((n) => n - o > 5 * YEAR));
    expect(early).toBeGreaterThanOrEqual(0);
    expect(early).toBeLessThan(5);
  });

  it("resolves until as refs/heads/x, x or a full id; excludes what since reaches", async () => {
    const { repo } = h.big;
    const release = repo.head("release/1.x") ?? "";
    const expected = repo.revList(release, { order: "topo" });
    for (const until of ["release/1.x", "refs%2Fheads%2Frelease%2F1.x", release]) {
      expect(ids(await commitPages(wide, repo, `until=${until}`))).toEqual(expected);
    }
    const older = repo.revList("main", { firstParent: true, max: 41 })[40] ?? "";
    expect(ids(await commitPages(wide, repo, `since=${older}`))).toEqual(
      repo.revList("main", { since: older, order: "topo" }),
    );
    // since need not be an ancestor: git rev-list main ^release/2.x
    expect(ids(await commitPages(wide, repo, "since=release%2F2.x"))).toEqual(
      repo.revList("main", { since: "release/2.x", order: "topo" }),
    );
    const counted = await get<DcPage & { totalCount: number }>(
      `${repoUrl(wide, repo)}/commits?withCounts=true&limit=1`,
      dcAdmin(wide),
    );
    expect(counted.json.totalCount).toBe(repo.reachable().length);
  });

  it("caps limit and echoes the effective one; 25 by default", async () => {
    const url = `${repoUrl(sim, h.octopus.repo)}/commits`;
    const capped = await get<DcPage>(`${url}?limit=5000&start=50`, dcAdmin(sim));
    expect(capped.json).toMatchObject({
      limit: 25,
      size: 25,
      start: 50,
      nextPageStart: 75,
      isLastPage: false,
    });
    const small = await get<DcPage>(`${url}?limit=7`, dcAdmin(sim));
    expect(small.json).toMatchObject({ limit: 7, size: 7, nextPageStart: 7 });
    const past = await get<DcPage>(`${url}?start=100000`, dcAdmin(sim));
    expect(past.json).toMatchObject({ size: 0, values: [], isLastPage: true });
    const branches = await get<DcPage>(`${repoUrl(sim, h.big.repo)}/branches?limit=2`, dcAdmin(sim));
    expect(branches.json.values.map((b) => b.displayId)).toEqual(["main", "feature/dormant"]);
    expect(branches.json).toMatchObject({ limit: 2, isLastPage: false, nextPageStart: 2 });
  });

  it("renders commits as Data Center does: parents in git order, users mapped by e-mail", async () => {
    const { repo } = h.octopus;
    const octopus = h.octopus.octopusMerges.at(-1) ?? "";
    const one = await get<DcCommit>(`${repoUrl(sim, repo)}/commits/${octopus}`, dcAdmin(sim));
    expect(one.status).toBe(200);
    const git = repo.commit(octopus);
    expect(one.json.parents.map((p) => p.id)).toEqual(git?.parents);
    expect(one.json).toMatchObject({
      id: octopus,
      displayId: octopus.slice(0, 11),
      committerTimestamp: git?.committerMs,
      authorTimestamp: git?.authorMs,
      message: git?.message,
    });
    const all = (await commitPages(sim, repo)).flatMap((p) => p.values);
    const listed = all.find((c) => c.id === octopus);
    expect(listed).toEqual(one.json);
    const mapped = all.filter((c) => c.author.slug !== undefined).length;
    expect(mapped / all.length).toBeGreaterThan(0.4);
    expect(mapped / all.length).toBeLessThan(0.9);
    expect(Object.keys(all.find((c) => c.author.slug === undefined)?.author ?? {})).toEqual([
      "name",
      "emailAddress",
    ]);
    expect(all.some((c) => c.message.includes("\n"))).toBe(true);
  });

  it("serves the default branch in both shapes; 204 when empty; NoSuchBranchException when missing", async () => {
    const base = repoUrl(sim, h.big.repo);
    expect((await get(`${base}/default-branch`, dcAdmin(sim))).json).toEqual({
      id: "refs/heads/main",
      displayId: "main",
      type: "BRANCH",
    });
    const head = h.big.repo.head("main");
    expect((await get(`${base}/branches/default`, dcAdmin(sim))).json).toEqual({
      id: "refs/heads/main",
      displayId: "main",
      type: "BRANCH",
      latestCommit: head,
      latestChangeset: head,
      isDefault: true,
    });
    for (const ep of ["default-branch", "branches/default"]) {
      const empty = await get(`${repoUrl(sim, h.empty.repo)}/${ep}`, dcAdmin(sim));
      expect([empty.status, empty.text]).toEqual([204, ""]);
      const missing = await get<DcErrors>(`${repoUrl(sim, h.missing.repo)}/${ep}`, dcAdmin(sim));
      expect(missing.status).toBe(404);
      expect(exception(missing)).toBe("com.atlassian.bitbucket.repository.NoSuchBranchException");
    }
  });

  it("lists an empty repository as an empty last page, 404 with until; a missing default 404s", async () => {
    const empty = await get<DcPage>(`${repoUrl(sim, h.empty.repo)}/commits`, dcAdmin(sim));
    expect(empty.json).toMatchObject({ size: 0, values: [], isLastPage: true });
    const until = await get<DcErrors>(`${repoUrl(sim, h.empty.repo)}/commits?until=main`, dcAdmin(sim));
    expect(until.status).toBe(404);
    expect(exception(until)).toBe("com.atlassian.bitbucket.commit.NoSuchCommitException");
    const missing = await get<DcErrors>(`${repoUrl(sim, h.missing.repo)}/commits`, dcAdmin(sim));
    expect(missing.status).toBe(404);
    expect(missing.json.errors[0]?.message).toBe(
      "Commit 'refs/heads/main' does not exist in repository 'missing'.",
    );
    expect(ids(await commitPages(sim, h.missing.repo, "until=master"))).toHaveLength(150);
  });

  it("keeps the simulator front: listings, auth scopes, faults, stats, request log, truth", async () => {
    const projects = await followDc(`${dcApi(sim)}/projects`, dcAdmin(sim));
    expect(projects.flatMap((p) => p.values.map((v) => v.key))).toEqual(["DATA", "PLAT"]);
    const repos = await followDc(`${dcApi(sim)}/repos?limit=4`, dcAdmin(sim));
    expect(repos.flatMap((p) => p.values.map((v) => v.slug))).toEqual([
      "empty",
      "missing",
      "two-roots",
      "big",
      "octopus",
      "skew",
    ]);
    // The HTTP access token reads the first project defined (PLAT) only.
    const token = bearer(sim.credentials.dc.httpAccessToken);
    expect((await get(`${repoUrl(sim, h.twoRoots.repo)}/commits`, token)).status).toBe(401);
    sim.resetStats();
    sim.injectFault({ route: "dc.commits", kind: "503" });
    const url = `${repoUrl(sim, h.octopus.repo)}/commits?limit=3`;
    expect((await get(url, dcAdmin(sim))).status).toBe(503);
    expect((await get(url, dcAdmin(sim))).status).toBe(200);
    expect(sim.stats().byRoute["dc.commits"]).toBe(2);
    expect(sim.requests().map((r) => [r.route, r.status, r.fault, r.credentialId])).toEqual([
      ["dc.commits", 503, "503", "dc.password"],
      ["dc.commits", 200, undefined, "dc.password"],
    ]);
    const truth = sim.truth().dc;
    expect(truth.filter((t) => t.repo_slug === "big").map((t) => t.id)).toEqual(
      h.big.repo.reachable().map((c) => c.id),
    );
    expect(sim.truthCount().dc).toBe(truth.length);
    expect(truth.every((t) => t.branch === "main")).toBe(true);
    const summaries = sim.dc.repositories();
    expect(summaries.find((s) => s.slug === "missing")).toMatchObject({
      defaultBranch: null,
      configuredDefaultBranch: "main",
      empty: false,
      branches: ["master"],
    });
    expect(summaries.find((s) => s.slug === "empty")?.empty).toBe(true);
  });
});

describe("git mode: moves between reads", () => {
  let repo: GitRepo;
  let sim: Simulator;
  let url: string;
  beforeAll(async () => {
    repo = linearHistory({ commits: 80 }).repo;
    sim = await serve("default", 25, [{ project: "OPS", slug: "moving", repo }]);
    url = `${dcApi(sim)}/projects/OPS/repos/moving`;
  });
  afterAll(() => repo.dispose());
  afterEach(() => sim.clearFaults());

  const list = async (query = "") =>
    ids(await followDc<DcCommit>(`${url}/commits?limit=1000${query}`, dcAdmin(sim)));

  it("computes a listing once per repository version, not per page", () => {
    const served = servedRepo(repo);
    const head = repo.head("main") ?? "";
    const first = served.listing(head, undefined, "topo");
    expect(served.listing(head, undefined, "topo")).toBe(first);
    repo.push("main", 1);
    expect(served.listing(head, undefined, "topo")).not.toBe(first);
  });

  it("shows pushes, merges and rewrites in the next response", async () => {
    const pushed = repo.push("main", 3);
    expect((await list()).slice(0, 3)).toEqual([...pushed].reverse());
    const side = repo.push("side", 2, { from: repo.revList("main")[40] });
    const merge = repo.merge("side");
    const listed = await list();
    expect(listed).toEqual(repo.revList("main"));
    expect(listed[0]).toBe(merge);
    expect(listed).toEqual(expect.arrayContaining([...pushed, ...side]));
    const change = repo.rewrite("main", 4);
    const rewritten = await list();
    expect(rewritten).toEqual(repo.revList("main"));
    expect(rewritten).toEqual(expect.arrayContaining(change.added));
    expect(rewritten.filter((id) => change.removed.includes(id))).toEqual([]);
  });

  it("a force-pushed-away commit resolves until gc(), then answers NoSuchCommitException", async () => {
    const { removed } = repo.forcePush("main", { drop: 2, add: 1 });
    const dropped = removed.at(-1) ?? "";
    expect(await list()).toEqual(repo.revList("main"));
    expect(await list(`&until=${dropped}`)).toEqual(repo.revList(dropped));
    expect((await get(`${url}/commits/${dropped}`, dcAdmin(sim))).status).toBe(200);
    repo.gc();
    for (const path of [`commits?until=${dropped}`, `commits?since=${dropped}`, `commits/${dropped}`]) {
      const r = await get<DcErrors>(`${url}/${path}`, dcAdmin(sim));
      expect(r.status).toBe(404);
      expect(exception(r)).toBe("com.atlassian.bitbucket.commit.NoSuchCommitException");
    }
    const ignored = await get<DcPage>(`${url}/commits?until=${dropped}&ignoreMissing=true`, dcAdmin(sim));
    expect(ignored.json).toMatchObject({ size: 0, isLastPage: true });
  });

  it("follows a renamed, switched or missing default branch and a branch reset to another lineage", async () => {
    repo.renameDefaultBranch("trunk");
    expect((await get(`${url}/default-branch`, dcAdmin(sim))).json).toMatchObject({ displayId: "trunk" });
    expect((await get(`${url}/commits?until=main`, dcAdmin(sim))).status).toBe(404);
    const { added } = repo.resetBranch("side", { newRoot: 5 });
    repo.setDefaultBranch("side");
    expect(await list()).toEqual([...added].reverse());
    repo.setDefaultBranch("gone");
    const missing = await get<DcErrors>(`${url}/default-branch`, dcAdmin(sim));
    expect(exception(missing)).toBe("com.atlassian.bitbucket.repository.NoSuchBranchException");
    repo.setDefaultBranch("trunk");
    // The synthetic mode's mutations work on the git mode's default branch too.
    const [id] = sim.dc.push("OPS", "moving", 1);
    expect((await list()).slice(0, 1)).toEqual([id]);
  });
});
