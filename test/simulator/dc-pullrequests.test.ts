import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import { matchRoute } from "../../integration_tests/simulator/routes.js";
import { type DcPage, dcAdmin, dcApi, followDc, get } from "./http.js";

type Json = Record<string, unknown>;
interface DcErrors {
  errors: { message: string; exceptionName: string | null }[];
}

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

const prs = (key: string, slug: string) => `${dcApi(sim)}/projects/${key}/repos/${slug}/pull-requests`;
const ids = (pages: DcPage[]) => pages.flatMap((p) => p.values.map((v) => v.id as number));
const exception = (r: { json: DcErrors }) => r.json.errors[0]?.exceptionName;

describe("DC pull requests (simulator)", () => {
  it("routes the list, one pull request and its commits", () => {
    const base = "/bitbucket/rest/api/1.0/projects/PLAT/repos/api-gateway/pull-requests";
    expect(matchRoute(base, "/bitbucket")).toEqual({
      route: "dc.pullrequests",
      params: { key: "PLAT", slug: "api-gateway" },
    });
    expect(matchRoute(`${base}/7`, "/bitbucket").route).toBe("dc.pullrequest");
    expect(matchRoute(`${base}/7/commits`, "/bitbucket")).toEqual({
      route: "dc.pullrequest_commits",
      params: { key: "PLAT", slug: "api-gateway", id: "7" },
    });
    expect(matchRoute(`${base}/7/activities`, "/bitbucket").route).toBe("dc.other");
  });

  it("lists OPEN only by default, every state with state=ALL (any case), and refuses an unknown state", async () => {
    const all = sim.dc.pullRequests("PLAT", "api-gateway");
    const open = ids(await followDc(prs("PLAT", "api-gateway"), dcAdmin(sim)));
    expect(new Set(open)).toEqual(new Set(all.filter((p) => p.state === "OPEN").map((p) => p.id)));
    const every = ids(await followDc(`${prs("PLAT", "api-gateway")}?state=all`, dcAdmin(sim)));
    expect(every.sort((a, b) => a - b)).toEqual(all.map((p) => p.id));
    expect(new Set(all.map((p) => p.state))).toEqual(new Set(["OPEN", "MERGED", "DECLINED"]));
    const bad = await get<DcErrors>(`${prs("PLAT", "api-gateway")}?state=SUPERSEDED`, dcAdmin(sim));
    expect(bad.status).toBe(400);
  });

  it("pages with start/limit (default 25, capped), leaves gaps in ids for deleted ones, NEWEST/OLDEST by creation", async () => {
    const first = await get<DcPage>(`${prs("PLAT", "api-gateway")}?state=ALL`, dcAdmin(sim));
    expect(first.json).toMatchObject({ limit: 25, isLastPage: false, nextPageStart: 25 });
    const newest = ids(await followDc(`${prs("PLAT", "api-gateway")}?state=ALL`, dcAdmin(sim)));
    const oldest = ids(await followDc(`${prs("PLAT", "api-gateway")}?state=ALL&order=OLDEST`, dcAdmin(sim)));
    expect(newest).toEqual([...oldest].reverse());
    expect(newest).toEqual([...newest].sort((a, b) => b - a));
    const max = Math.max(...newest);
    expect(newest.length).toBeLessThan(max); // deleted pull requests leave gaps
    const deleted = await get<DcErrors>(
      `${prs("PLAT", "api-gateway")}/${[...Array(max).keys()].map((i) => i + 1).find((i) => !newest.includes(i))}/commits`,
      dcAdmin(sim),
    );
    expect(exception(deleted)).toBe("com.atlassian.bitbucket.pull.NoSuchPullRequestException");
  });

  it("sorts on updatedDate when configured so, as a server might", async () => {
    const byUpdate = await startSimulator({ dcPullRequestOrder: "updated", dcMaxLimit: 7 });
    try {
      const pages = await followDc<Json>(
        `${dcApi(byUpdate)}/projects/PLAT/repos/api-gateway/pull-requests?state=ALL&limit=100`,
        dcAdmin(byUpdate),
      );
      expect(pages[0]?.limit).toBe(7);
      const dates = pages.flatMap((p) => p.values.map((v) => v.updatedDate as number));
      expect(dates).toEqual([...dates].sort((a, b) => b - a));
    } finally {
      await byUpdate.close();
    }
  });

  it("serves pull requests shaped as recorded ones, dates in epoch ms", async () => {
    const r = await get<Json>(`${prs("PLAT", "api-gateway")}/7`, dcAdmin(sim));
    expect(r.json).toMatchObject({ id: 7, state: "MERGED", open: false, closed: true });
    for (const k of [
      "version",
      "title",
      "createdDate",
      "updatedDate",
      "closedDate",
      "fromRef",
      "toRef",
      "author",
    ])
      expect(r.json).toHaveProperty(k);
    expect(r.json.toRef).toMatchObject({ id: "refs/heads/master", displayId: "master", type: "BRANCH" });
    expect((r.json.fromRef as Json).repository).toMatchObject({
      slug: "api-gateway",
      project: { key: "PLAT" },
    });
  });

  it("lists a pull request's commits newest first, pages them, includes merge commits, and matches the truth", async () => {
    const big = await followDc<Json>(`${prs("PLAT", "api-gateway")}/3/commits?limit=1000`, dcAdmin(sim));
    expect(big.map((p) => p.values.length)).toEqual([1000, 200]);
    const commits = big.flatMap((p) => p.values);
    const times = commits.map((c) => c.committerTimestamp as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    for (let i = 0; i + 1 < commits.length; i++)
      expect((commits[i]!.parents as Json[])[0]?.id).toBe(commits[i + 1]!.id);
    expect(commits.some((c) => (c.parents as Json[]).length === 2)).toBe(true);
    const truth = sim
      .truth()
      .dcPullRequests.filter((t) => t.repo_slug === "api-gateway" && t.pull_request_id === 3)
      .map((t) => t.id);
    expect(commits.map((c) => c.id)).toEqual(truth);
    expect(new Set(truth).size).toBe(1200);
  });

  it("answers 404 NoSuchCommitException for gone commits and an empty page for a pull request without any", async () => {
    const all = sim.dc.pullRequests("PLAT", "api-gateway");
    const gone = all.find((p) => p.commitsStatus === 404)!;
    const r = await get<DcErrors>(`${prs("PLAT", "api-gateway")}/${gone.id}/commits`, dcAdmin(sim));
    expect(r.status).toBe(404);
    expect(exception(r)).toBe("com.atlassian.bitbucket.commit.NoSuchCommitException");
    const empty = all.find((p) => p.commitsStatus === 200 && p.commits === 0)!;
    const e = await get<DcPage>(`${prs("PLAT", "api-gateway")}/${empty.id}/commits`, dcAdmin(sim));
    expect(e.json).toMatchObject({ size: 0, values: [], isLastPage: true });
  });

  it("keeps the seeded data of the other streams and gives every showcase case", () => {
    const counts = sim.truthCount();
    expect([counts.cloud, counts.dc]).toEqual([2119, 6124]);
    expect(counts.dcPullRequests).toBe(sim.truth().dcPullRequests.length);
    expect(sim.dc.pullRequests("SEC", "audit-logs")).toEqual([]);
    expect(sim.dc.pullRequests("PLAT", "sandbox")).toEqual([]);
    expect(sim.dc.pullRequests("DATA", "ml-models").every((p) => p.toBranch === "master")).toBe(true);
    const gw = sim.dc.pullRequests("PLAT", "api-gateway");
    const tied = gw.filter((p) => gw.some((q) => q.id !== p.id && q.updatedDate === p.updatedDate));
    expect(tied.length).toBeGreaterThanOrEqual(2);
  });
});

describe("DC pull request mutations (simulator)", () => {
  it("moves updatedDate on pushes, merges, declines and force-pushes; truth follows", async () => {
    const s = await startSimulator();
    try {
      const list = () => s.dc.pullRequests("OPS", "runbooks");
      const pr = list().find((p) => p.state === "OPEN" && p.commitsStatus === 200)!;
      const pushed = s.dc.addCommitsToPullRequest("OPS", "runbooks", pr.id, 3);
      const after = list().find((p) => p.id === pr.id)!;
      expect(after.updatedDate).toBe(s.now().getTime());
      expect(after.commits).toBe(pr.commits + 3);
      const mine = () =>
        s.truth().dcPullRequests.filter((t) => t.repo_slug === "runbooks" && t.pull_request_id === pr.id);
      expect(
        mine()
          .slice(0, 3)
          .map((t) => t.id),
      ).toEqual([...pushed].reverse());

      const { removed, added } = s.dc.forcePushPullRequest("OPS", "runbooks", pr.id, { drop: 2, add: 1 });
      expect(removed).toEqual(pushed.slice(1));
      const now = mine().map((t) => t.id);
      expect(now).toContain(added[0]);
      for (const id of removed) expect(now).not.toContain(id);

      const head = s.truth().dc.filter((t) => t.repo_slug === "runbooks").length;
      const squash = s.dc.setPullRequestState("OPS", "runbooks", pr.id, "MERGED");
      expect(s.truth().dc.find((t) => t.repo_slug === "runbooks")?.id).toBe(squash);
      expect(s.truth().dc.filter((t) => t.repo_slug === "runbooks").length).toBe(head + 1);
      expect(list().find((p) => p.id === pr.id)).toMatchObject({
        state: "MERGED",
        updatedDate: s.now().getTime(),
      });

      const id = s.dc.createPullRequest("SEC", "audit-logs", { commits: 2 });
      expect(s.dc.pullRequests("SEC", "audit-logs")).toMatchObject([{ id, state: "OPEN", commits: 2 }]);
      s.dc.setPullRequestState("SEC", "audit-logs", id, "DECLINED");
      s.dc.deletePullRequest("SEC", "audit-logs", id);
      expect(s.dc.pullRequests("SEC", "audit-logs")).toEqual([]);
      const gone = await get<DcErrors>(
        `${dcApi(s)}/projects/SEC/repos/audit-logs/pull-requests/${id}`,
        dcAdmin(s),
      );
      expect(exception(gone)).toBe("com.atlassian.bitbucket.pull.NoSuchPullRequestException");
    } finally {
      await s.close();
    }
  });
});
