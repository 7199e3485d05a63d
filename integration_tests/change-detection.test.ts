/**
 * `cloud.change_detection`: `recently_pushed` reads the pull-request lists only of repositories
 * pushed to since their last read, plus a rotating share, so that a quiet sync of a large
 * workspace costs the listing and about 1/K of the repositories; `every_repository` stays exact.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol/messages.js";
import { CLOUD_STREAM, cloudConfig, FAST_RETRY } from "./helpers/configs.js";
import { type InProcessRead, readInProcess } from "./helpers/in-process.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const K = 3;
const recently = (s: Simulator, extra: JsonObject = {}) => ({
  cloud: cloudConfig(s, "access_token", {
    change_detection: "recently_pushed",
    full_sweep_syncs: K,
    ...extra,
  }),
  retry: FAST_RETRY,
});

/** Repositories whose pull-request list the sync asked for. */
function listedRepos(s: Simulator): Set<string> {
  return new Set(
    s
      .requests()
      .filter((r) => r.route === "cloud.pullrequests")
      .map((r) => decodeURIComponent(r.path.split("/")[4] ?? "")),
  );
}

async function sync(
  s: Simulator,
  config: JsonObject,
  state: unknown,
): Promise<InProcessRead & { repos: Set<string> }> {
  s.resetStats();
  const r = await readInProcess(config, [CLOUD_STREAM], state ? new Map([[CLOUD_STREAM, state]]) : new Map());
  return { ...r, repos: listedRepos(s) };
}

const prIds = (r: InProcessRead) =>
  new Set((r.records.get(CLOUD_STREAM) ?? []).map((x) => `${x.repo_slug}#${x.pull_request_id}`));

describe("change detection, recently_pushed", () => {
  it("reads only repositories pushed to since their last read, plus about 1 in K in rotation, and logs the staleness bound", async () => {
    sim = await startSimulator();
    const s = sim;
    const all = s.cloud.repositories("acme");
    const first = await sync(s, recently(s), undefined);
    expect(first.repos).toEqual(new Set(all)); // first sync in this mode: everything
    expect(
      first.logs.some((l) =>
        l.message.includes(`read the pull requests of ${all.length} of ${all.length} repositories`),
      ),
    ).toBe(true);

    s.cloud.addCommitsToPullRequest("acme", "api-gateway", 1, 2); // a push
    const second = await sync(s, recently(s), first.states.get(CLOUD_STREAM));
    expect(second.repos.has("api-gateway")).toBe(true);
    expect(prIds(second).has("api-gateway#1")).toBe(true);
    const rotated = [...second.repos].filter((r) => r !== "api-gateway");
    expect(rotated.length).toBeLessThan(all.length - 1);
    const line = second.logs.find((l) => l.message.includes("change detection recently_pushed"))?.message;
    expect(line).toMatch(/1 pushed to since their last read/);
    expect(line).toMatch(new RegExp(`is read within ${K} syncs`));
  });

  it("sees every change that moves no updated_on within K syncs, and every repository at least once in K", async () => {
    sim = await startSimulator();
    const s = sim;
    let state: unknown = (await sync(s, recently(s), undefined)).states.get(CLOUD_STREAM);
    // Changes the repository's updated_on does not show.
    const opened = s.cloud.createPullRequest("acme", "docs-site", { commits: 2, pushedBefore: true });
    s.cloud.addCommitsToPullRequest("acme", "search-indexer", 1, 1, { fromFork: true });
    const seen = new Set<string>();
    const reposRead = new Set<string>();
    for (let i = 0; i < K; i++) {
      const r = await sync(s, recently(s), state);
      expect(r.code).toBe(0);
      for (const id of prIds(r)) seen.add(id);
      for (const repo of r.repos) reposRead.add(repo);
      state = r.states.get(CLOUD_STREAM);
    }
    expect(seen.has(`docs-site#${opened}`)).toBe(true);
    expect(seen.has("search-indexer#1")).toBe(true);
    expect(reposRead).toEqual(new Set(s.cloud.repositories("acme")));
  });

  it("keeps a repository whose turn came but whose read failed due, so the next sync reads it", async () => {
    sim = await startSimulator();
    const s = sim;
    let state = (await sync(s, recently(s), undefined)).states.get(CLOUD_STREAM);
    // Find the sync in which some repository's turn comes, and fail that repository's read then.
    for (let i = 0; i < K; i++) {
      const due = Object.entries((state as { partitions: Record<string, { due_in?: number }> }).partitions)
        .filter(([, p]) => p.due_in === 1)
        .map(([k]) => k.split("/")[1]!);
      if (due.length === 0) {
        state = (await sync(s, recently(s), state)).states.get(CLOUD_STREAM);
        continue;
      }
      const victim = due[0]!;
      s.injectFault({
        route: "cloud.pullrequests",
        repository: `acme/${victim}`,
        kind: "503",
        times: Number.POSITIVE_INFINITY,
      });
      const failed = await sync(s, recently(s), state);
      expect(failed.code).toBe(1);
      s.clearFaults();
      const next = await sync(s, recently(s), failed.states.get(CLOUD_STREAM));
      expect(next.repos.has(victim)).toBe(true);
      return;
    }
    throw new Error(`no repository came due within ${K} syncs`);
  });
});

describe("change detection, every_repository (the default)", () => {
  it("reads every repository's pull requests each sync, so changes that move no updated_on are read at once", async () => {
    sim = await startSimulator();
    const s = sim;
    const config = { cloud: cloudConfig(s) };
    const first = await sync(s, config, undefined);
    const opened = s.cloud.createPullRequest("acme", "docs-site", { commits: 2, pushedBefore: true });
    s.cloud.setPullRequestState("acme", "billing-service", 1, "DECLINED");
    const second = await sync(s, config, first.states.get(CLOUD_STREAM));
    expect(second.repos).toEqual(new Set(s.cloud.repositories("acme")));
    expect(prIds(second)).toEqual(new Set([`docs-site#${opened}`, "billing-service#1"]));
    expect(second.logs.some((l) => l.message.includes("change detection"))).toBe(false);
  });
});

describe("a first sync longer than the budget", () => {
  it("logs every few minutes how many requests are left and how long they take at requests_per_hour", async () => {
    sim = await startSimulator({ latencyMs: 15 });
    const s = sim;
    const config = { cloud: cloudConfig(s), requests_per_hour: 1_000_000, max_concurrency: 2 };
    const r = await readInProcess(config, [CLOUD_STREAM], new Map(), "incremental", {
      estimateIntervalMs: 100,
    });
    expect(r.code).toBe(0);
    const lines = r.logs.map((l) => l.message).filter((m) => m.includes("requests to go"));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(
      /^cloud_pullrequest_commits: \d+ of \d+\+? repositories started, about [\d,]+ requests to go.*; at requests_per_hour 1,000,000, about \d+ min$/,
    );
  });
});
