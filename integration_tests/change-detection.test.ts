/**
 * `cloud.change_detection`: `recently_pushed` reads the pull-request lists and the main branches
 * only of repositories pushed to since their last read, plus a rotating share, so that a quiet
 * sync of a large workspace costs the listing and about 1/K of the repositories;
 * `every_repository` stays exact.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol/messages.js";
import { CLOUD_BRANCH_STREAM, CLOUD_STREAM, cloudConfig, FAST_RETRY } from "./helpers/configs.js";
import { type InProcessRead, readInProcess } from "./helpers/in-process.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const K = 3;
/** Every commit page of data-pipeline's main branch after its first. */
const LATER_PIPELINE_PAGES = /\/data-pipeline\/commits\/[0-9a-f]{40}\?.*page=/;
const recently = (s: Simulator, extra: JsonObject = {}) => ({
  cloud: cloudConfig(s, "access_token", {
    change_detection: "recently_pushed",
    full_sweep_syncs: K,
    ...extra,
  }),
  retry: FAST_RETRY,
});

/** Repositories the sync asked `route` of: their pull-request lists, or their main branches' heads. */
function reposAsked(s: Simulator, route: string): Set<string> {
  return new Set(
    s
      .requests()
      .filter((r) => r.route === route)
      .map((r) => decodeURIComponent(r.path.split("/")[4] ?? "")),
  );
}

async function sync(
  s: Simulator,
  config: JsonObject,
  state: unknown,
  stream = CLOUD_STREAM,
): Promise<InProcessRead & { repos: Set<string> }> {
  s.resetStats();
  const r = await readInProcess(config, [stream], state ? new Map([[stream, state]]) : new Map());
  return { ...r, repos: reposAsked(s, stream === CLOUD_STREAM ? "cloud.pullrequests" : "cloud.branch") };
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

  it("keeps the promise of the configured K when full_sweep_syncs was lowered since the turns were counted", async () => {
    sim = await startSimulator();
    const s = sim;
    const first = await sync(s, recently(s, { full_sweep_syncs: 24 }), undefined);
    const turns = (first.states.get(CLOUD_STREAM) as { partitions: Record<string, { due_in?: number }> })
      .partitions;
    // The repository whose turn under K = 24 is furthest away, with a pull request to add to.
    const [slug] = Object.entries(turns)
      .map(([k, p]) => [k.split("/")[1]!, p.due_in ?? 0] as const)
      .filter(([r]) => s.cloud.pullRequests("acme", r).some((p) => p.commitsStatus === 200 && p.commits > 0))
      .sort((a, b) => b[1] - a[1])[0]!;
    expect(turns[`acme/${slug}`]?.due_in).toBeGreaterThan(K + 1);
    const pr = s.cloud.pullRequests("acme", slug).find((p) => p.commitsStatus === 200 && p.commits > 0)!;
    s.cloud.addCommitsToPullRequest("acme", slug, pr.id, 1, { fromFork: true }); // no updated_on
    let state = first.states.get(CLOUD_STREAM);
    const seen = new Set<string>();
    for (let i = 0; i < K; i++) {
      const r = await sync(s, recently(s), state);
      expect(r.code).toBe(0);
      for (const id of prIds(r)) seen.add(id);
      state = r.states.get(CLOUD_STREAM);
    }
    expect(seen.has(`${slug}#${pr.id}`)).toBe(true);
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

describe("change detection, recently_pushed, main branches", () => {
  const B = CLOUD_BRANCH_STREAM;
  const syncB = (s: Simulator, state: unknown) => sync(s, recently(s), state, B);
  const hashes = (r: InProcessRead, slug: string) =>
    (r.records.get(B) ?? []).filter((x) => x.repo_slug === slug).map((x) => String(x.hash));
  /** Repositories with a main branch: each read of one starts with its head lookup. */
  const withBranch = (s: Simulator) =>
    new Set(
      s.cloud.repositories("acme").filter((slug) => s.cloud.mainBranch("acme", slug).hashes.length > 0),
    );

  it("reads only main branches pushed to since their last read, plus the rotation; the others cost nothing", async () => {
    sim = await startSimulator();
    const s = sim;
    const all = s.cloud.repositories("acme");
    const first = await syncB(s, undefined);
    expect(first.code).toBe(0);
    expect(first.repos).toEqual(withBranch(s));
    expect(
      first.logs.some((l) => l.message.includes(`read the main branch of ${all.length} of ${all.length}`)),
    ).toBe(true);

    const pushed = s.cloud.pushToMainBranch("acme", "api-gateway", 3);
    const second = await syncB(s, first.states.get(B));
    expect(second.code).toBe(0);
    expect(second.repos.has("api-gateway")).toBe(true);
    expect(hashes(second, "api-gateway").sort()).toEqual([...pushed].sort());
    expect(second.records.get(B)?.length).toBe(pushed.length);
    expect(second.repos.size).toBeLessThan(withBranch(s).size);
    // A repository left to its turn is asked nothing: every commits listing is of one that was read.
    const listed = reposAsked(s, "cloud.commits");
    for (const slug of listed) expect(second.repos.has(slug), slug).toBe(true);
    const line = second.logs.find((l) => l.message.startsWith(`${B}: change detection`))?.message;
    expect(line).toMatch(/1 pushed to since their last read/);
    expect(line).toMatch(new RegExp(`is read within ${K} syncs`));
  });

  it("reads a main-branch change that moves no updated_on within K syncs, and every main branch at least once in K", async () => {
    sim = await startSimulator();
    const s = sim;
    const c = s.cloud;
    const was = c.mainBranch("acme", "docs-site").name!;
    let state = (await syncB(s, undefined)).states.get(B);
    // `develop` gets commits in a push the next sync sees (the main branch is back on `was` by then,
    // so it reads nothing new); then `develop` becomes the main branch without a push.
    const unread = c.switchMainBranch("acme", "docs-site", "develop", { addCommits: 3 });
    c.switchMainBranch("acme", "docs-site", was);
    const seenPush = await syncB(s, state);
    expect(seenPush.repos.has("docs-site")).toBe(true);
    expect(hashes(seenPush, "docs-site")).toEqual([]);
    state = seenPush.states.get(B);
    c.switchMainBranch("acme", "docs-site", "develop");

    const read: string[] = [];
    const asked = new Set<string>();
    for (let i = 0; i < K; i++) {
      const r = await syncB(s, state);
      expect(r.code).toBe(0);
      read.push(...hashes(r, "docs-site"));
      for (const slug of r.repos) asked.add(slug);
      state = r.states.get(B);
    }
    expect(read.sort()).toEqual([...unread].sort());
    expect(asked).toEqual(withBranch(s));
  });

  it("reads a push made while a read was cut short by the sync after the one that resumes it", async () => {
    sim = await startSimulator();
    const s = sim;
    const first = await syncB(s, undefined);
    s.advanceClock(3600);
    const before = s.cloud.pushToMainBranch("acme", "data-pipeline", 150);
    s.injectFault({ route: LATER_PIPELINE_PAGES, kind: "503", times: Number.POSITIVE_INFINITY });
    const cut = await syncB(s, first.states.get(B));
    expect(cut.code).toBe(1);
    s.clearFaults();
    s.advanceClock(3600);
    const during = s.cloud.pushToMainBranch("acme", "data-pipeline", 5);
    s.advanceClock(3600);
    // The resuming read ends at the head its first page pinned; the next sync reads the rest.
    const got = hashes(cut, "data-pipeline");
    let state = cut.states.get(B);
    for (let i = 0; i < 2; i++) {
      const r = await syncB(s, state);
      expect(r.code).toBe(0);
      got.push(...hashes(r, "data-pipeline"));
      state = r.states.get(B);
      s.advanceClock(3600);
    }
    expect(got.sort()).toEqual([...before, ...during].sort());
  });

  it("reads a first push made after the listing and before the repository's read by the next sync", async () => {
    sim = await startSimulator();
    const s = sim;
    const config = { ...recently(s, { workspace: "other-ws", full_sweep_syncs: 24 }), max_concurrency: 1 };
    const read = (state: unknown) => {
      s.resetStats();
      return readInProcess(config, [B], state ? new Map([[B, state]]) : new Map());
    };
    // The listing says other-ws/scratch is empty (mainbranch null). Head lookups answer slowly, and
    // scratch's first push lands while one waits, an hour before scratch is read on the server's
    // clock: after the listing, before scratch's read (one repository at a time; scratch is
    // listed last).
    s.injectFault({
      route: "cloud.branch",
      kind: "slow-headers",
      delayMs: 300,
      times: Number.POSITIVE_INFINITY,
    });
    let pushed: string[] = [];
    let pushedAfter = -1;
    const watch = setInterval(() => {
      const asked = s.requests();
      if (pushedAfter >= 0 || !asked.some((q) => q.route === "cloud.branch")) return;
      pushedAfter = asked.length;
      pushed = s.cloud.pushToMainBranch("other-ws", "scratch", 3);
      s.advanceClock(3600); // the rest of a long first sync: beyond the gate's margin
    }, 5);
    const first = await read(undefined).finally(() => clearInterval(watch));
    expect(first.code).toBe(0);
    const order = s.requests().map((q) => q.route);
    expect(order.indexOf("cloud.repositories")).toBeLessThan(pushedAfter);
    expect(pushed.length).toBe(3);
    expect(hashes(first, "scratch")).toEqual([]);
    // Not due by rotation next sync: only the gate can send the next sync to it.
    const after = (first.states.get(B) as { partitions: Record<string, { due_in?: number }> }).partitions;
    expect(after["other-ws/scratch"]?.due_in).toBeGreaterThan(1);
    s.clearFaults();
    s.advanceClock(3600);
    const next = await read(first.states.get(B));
    expect(next.code).toBe(0);
    expect(hashes(next, "scratch").sort()).toEqual([...pushed].sort());
  });

  it("keeps the gate's record of a read cut short, so the next sync resumes it and loses nothing", async () => {
    sim = await startSimulator();
    const s = sim;
    const first = await syncB(s, undefined);
    const pushed = s.cloud.pushToMainBranch("acme", "data-pipeline", 150);
    // Every page after the first fails: the read stops with its place in the state.
    s.injectFault({ route: LATER_PIPELINE_PAGES, kind: "503", times: Number.POSITIVE_INFINITY });
    const cut = await syncB(s, first.states.get(B));
    expect(cut.code).toBe(1);
    type Partitions = { partitions: Record<string, { pending?: unknown; checked_at?: string }> };
    const before = (first.states.get(B) as Partitions).partitions["acme/data-pipeline"];
    const after = (cut.states.get(B) as Partitions).partitions["acme/data-pipeline"];
    expect(after?.pending).toBeDefined();
    expect(after?.checked_at).toBe(before?.checked_at);
    s.clearFaults();
    const rest = await syncB(s, cut.states.get(B));
    expect(rest.code).toBe(0);
    const got = [...hashes(cut, "data-pipeline"), ...hashes(rest, "data-pipeline")];
    expect(got.sort()).toEqual([...pushed].sort());
  });
});
