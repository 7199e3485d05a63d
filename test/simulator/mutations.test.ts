import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../integration_tests/simulator/index.js";
import {
  type CloudPage,
  cloudAuth,
  type DcPage,
  dcAdmin,
  dcApi,
  followCloud,
  followDc,
  get,
} from "./http.js";

let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator();
});
afterEach(() => sim.close());

const ALL_STATES = "state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED";

describe("Cloud mutations", () => {
  const maxUpdated = () =>
    sim.cloud
      .workspaces()
      .flatMap((ws) => sim.cloud.repositories(ws).flatMap((r) => sim.cloud.pullRequests(ws, r)))
      .map((p) => p.updated_on)
      .sort()
      .pop() ?? "";

  it("adds commits on top and bumps updated_on past every other", async () => {
    const target = sim.cloud
      .pullRequests("acme", "billing-service")
      .find((p) => p.commitsStatus === 200 && p.commits > 0);
    if (!target) throw new Error("fixture: no pull request with commits");
    const before = maxUpdated();
    const truthBefore = sim.truthCount().cloud;
    const added = sim.cloud.addCommitsToPullRequest("acme", "billing-service", target.id, 3);
    expect(added).toHaveLength(3);
    const after = sim.cloud.pullRequests("acme", "billing-service").find((p) => p.id === target.id);
    expect(after?.commits).toBe(target.commits + 3);
    expect((after?.updated_on ?? "") > before).toBe(true);
    expect(maxUpdated()).toBe(after?.updated_on);

    const page = await get<CloudPage>(
      `${sim.cloudApiUrl}/repositories/acme/billing-service/pullrequests/${target.id}/commits?pagelen=3`,
      cloudAuth(sim),
    );
    expect(page.json.values.map((v) => v.hash)).toEqual([...added].reverse());
    expect(sim.truthCount().cloud).toBe(truthBefore + 3);
    const truth = sim
      .truth()
      .cloud.filter((t) => t.repo_slug === "billing-service" && t.pull_request_id === target.id);
    expect(new Set(truth.map((t) => t.pull_request_updated_on))).toEqual(new Set([after?.updated_on]));

    // Incremental query: only this pull request changed since the previous maximum.
    const q = encodeURIComponent(`updated_on > "${before}"`);
    const changed = await get<CloudPage>(
      `${sim.cloudApiUrl}/repositories/acme/billing-service/pullrequests?${ALL_STATES}&q=${q}`,
      cloudAuth(sim),
    );
    expect(changed.json.values.map((v) => v.id)).toEqual([target.id]);
  });

  it("keeps an in-flight pagination stable when commits are added meanwhile", async () => {
    const url = `${sim.cloudApiUrl}/repositories/acme/data-pipeline/pullrequests/3/commits?pagelen=100`;
    const first = await get<CloudPage>(url, cloudAuth(sim));
    sim.cloud.addCommitsToPullRequest("acme", "data-pipeline", 3, 5);
    const rest = await followCloud(first.json.next ?? "", cloudAuth(sim));
    const hashes = [...first.json.values, ...rest.flatMap((p) => p.values)].map((v) => v.hash);
    expect(hashes).toHaveLength(250);
    expect(new Set(hashes).size).toBe(250);
  });

  it("creates pull requests and changes their state", async () => {
    const before = sim.cloud.pullRequests("acme", "legacy-monolith");
    expect(before).toEqual([]);
    const id = sim.cloud.createPullRequest("acme", "legacy-monolith", { commits: 4 });
    expect(id).toBe(1);
    const open = await get<CloudPage>(
      `${sim.cloudApiUrl}/repositories/acme/legacy-monolith/pullrequests`,
      cloudAuth(sim),
    );
    expect(open.json.values.map((v) => [v.id, v.state])).toEqual([[1, "OPEN"]]);
    const created = sim.cloud.pullRequests("acme", "legacy-monolith")[0];
    sim.cloud.setPullRequestState("acme", "legacy-monolith", id, "MERGED");
    const merged = sim.cloud.pullRequests("acme", "legacy-monolith")[0];
    expect(merged?.state).toBe("MERGED");
    expect((merged?.updated_on ?? "") > (created?.updated_on ?? "")).toBe(true);
    const nowOpen = await get<CloudPage>(
      `${sim.cloudApiUrl}/repositories/acme/legacy-monolith/pullrequests`,
      cloudAuth(sim),
    );
    expect(nowOpen.json.values).toEqual([]);
    const t = sim.truth().cloud.filter((x) => x.repo_slug === "legacy-monolith");
    expect(t).toHaveLength(4);
    expect(t[0]?.pull_request_updated_on).toBe(merged?.updated_on);
    const second = sim.cloud.createPullRequest("acme", "legacy-monolith", { commits: 1, state: "DECLINED" });
    expect(second).toBe(2);
  });

  it("moves the simulated clock, not with the wall clock", () => {
    const t0 = sim.now().getTime();
    expect(t0).toBe(Date.UTC(2026, 5, 1));
    sim.cloud.createPullRequest("acme", "ios-app", { commits: 2 });
    expect(sim.now().getTime()).toBe(t0 + 2000);
  });
});

describe("DC mutations", () => {
  const commitsUrl = (q = "") => `${dcApi(sim)}/projects/OPS/repos/monitoring/commits${q}`;
  const truthIds = () =>
    sim
      .truth()
      .dc.filter((t) => t.repo_slug === "monitoring")
      .map((t) => t.id);

  it("pushes commits later than every existing one, visible through since", async () => {
    const oldHead = truthIds()[0] ?? "";
    const maxTs = Math.max(...sim.truth().dc.map((t) => t.committerTimestamp));
    const pushed = sim.dc.push("OPS", "monitoring", 3);
    expect(pushed).toHaveLength(3);
    const r = await get<DcPage>(commitsUrl(`?since=${oldHead}`), dcAdmin(sim));
    expect(r.json.values.map((v) => v.id)).toEqual([...pushed].reverse());
    const ts = r.json.values.map((v) => Number(v.committerTimestamp)).reverse();
    expect(ts[0]).toBeGreaterThan(maxTs);
    expect(ts[1]).toBeGreaterThan(ts[0] ?? 0);
    expect(ts[2]).toBeGreaterThan(ts[1] ?? 0);
    expect(r.json.values[2]?.parents).toEqual([{ id: oldHead, displayId: oldHead.slice(0, 11) }]);
    expect(truthIds().slice(0, 3)).toEqual([...pushed].reverse());
  });

  it("forgets force-pushed-away commits (404 as since/until)", async () => {
    const before = truthIds();
    const { removed, added } = sim.dc.forcePush("OPS", "monitoring", { drop: 4, add: 2 });
    expect(removed).toEqual(before.slice(0, 4).reverse());
    for (const id of removed) {
      expect((await get(commitsUrl(`?since=${id}`), dcAdmin(sim))).status).toBe(404);
      expect((await get(commitsUrl(`?until=${id}`), dcAdmin(sim))).status).toBe(404);
    }
    const pages = await followDc(commitsUrl("?limit=1000"), dcAdmin(sim));
    const ids = pages.flatMap((p) => p.values.map((v) => v.id));
    expect(ids).toEqual([...[...added].reverse(), ...before.slice(4)]);
    expect(truthIds()).toEqual(ids);
    const survivor = before[4] ?? "";
    const since = await get<DcPage>(commitsUrl(`?since=${survivor}`), dcAdmin(sim));
    expect(since.json.values.map((v) => v.id)).toEqual([...added].reverse());
  });

  it("switches the default branch, creating it from another branch with new commits", async () => {
    const base = truthIds();
    sim.dc.setDefaultBranch("OPS", "monitoring", "develop", { addCommits: 2 });
    const r = await get(`${dcApi(sim)}/projects/OPS/repos/monitoring/default-branch`, dcAdmin(sim));
    expect(r.json).toEqual({ id: "refs/heads/develop", displayId: "develop", type: "BRANCH" });
    const t = sim.truth().dc.filter((x) => x.repo_slug === "monitoring");
    expect(t.every((x) => x.branch === "develop")).toBe(true);
    expect(t.map((x) => x.id).slice(2)).toEqual(base);
    const since = await get<DcPage>(commitsUrl("?since=main"), dcAdmin(sim));
    expect(since.json.values).toHaveLength(2);
    const summary = sim.dc.repositories().find((x) => x.slug === "monitoring");
    expect(summary).toMatchObject({ defaultBranch: "develop", commits: base.length + 2 });
    expect(summary?.branches.sort()).toEqual(["develop", "main"]);
  });

  it("renames the default branch: the old ref disappears", async () => {
    const ids = truthIds();
    sim.dc.renameDefaultBranch("OPS", "monitoring", "trunk");
    const legacy = await get(`${dcApi(sim)}/projects/OPS/repos/monitoring/branches/default`, dcAdmin(sim));
    expect(legacy.json).toMatchObject({ id: "refs/heads/trunk", displayId: "trunk", latestCommit: ids[0] });
    expect((await get(commitsUrl("?until=main"), dcAdmin(sim))).status).toBe(404);
    expect((await get(commitsUrl("?until=refs%2Fheads%2Ftrunk&limit=1"), dcAdmin(sim))).status).toBe(200);
    expect(truthIds()).toEqual(ids);
    expect(() => sim.dc.renameDefaultBranch("OPS", "runbooks", "feature/on-call")).toThrow(
      /already has a branch/,
    );
  });

  it("turns an empty repository into one with history on first push", async () => {
    const url = `${dcApi(sim)}/projects/PLAT/repos/sandbox`;
    expect((await get(`${url}/default-branch`, dcAdmin(sim))).status).toBe(204);
    const ids = sim.dc.push("PLAT", "sandbox", 2);
    expect((await get(`${url}/default-branch`, dcAdmin(sim))).status).toBe(200);
    const r = await get<DcPage>(`${url}/commits`, dcAdmin(sim));
    expect(r.json.values.map((v) => v.id)).toEqual([...ids].reverse());
    expect(r.json.values[1]?.parents).toEqual([]);
  });
});
