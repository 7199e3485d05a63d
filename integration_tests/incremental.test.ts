import { afterEach, describe, expect, it } from "vitest";
import {
  lastStates,
  logs,
  type Message,
  parseMessages,
  recordCountsPerState,
  records,
  runCli,
  runRead,
  states,
  statuses,
  writeFiles,
} from "./helpers/cli.js";
import {
  BOTH,
  CLOUD_STREAM,
  catalog,
  cloudConfig,
  cloudKey,
  DC_STREAM,
  dcConfig,
  dcKey,
} from "./helpers/configs.js";
import { type ScaleSpec, type Simulator, type SimulatorOptions, startSimulator } from "./simulator/index.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(
  opts: SimulatorOptions = {},
): Promise<{ sim: Simulator; config: Record<string, unknown> }> {
  sim = await startSimulator(opts);
  return { sim, config: { cloud: cloudConfig(sim), data_center: dcConfig(sim) } };
}

/** A read that must succeed with exact counts and the usual statuses. */
async function sync(config: Record<string, unknown>, state?: unknown): Promise<Message[]> {
  const r = await runRead(config, catalog(BOTH), state ? { state } : {});
  expect(r.code, r.stdout.slice(-1500)).toBe(0);
  for (const s of BOTH) {
    expect(statuses(r.messages, s)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    expect(recordCountsPerState(r.messages, s).exact).toBe(true);
    expect(states(r.messages, s).length).toBeGreaterThanOrEqual(1);
  }
  return r.messages;
}

describe("incremental sync", () => {
  it("costs only what changed: an unchanged second sync emits nothing and reads no pull-request commits", async () => {
    const { sim, config } = await start();
    const first = await sync(config);
    sim.resetStats();
    const second = await sync(config, lastStates(first));
    expect(records(second)).toEqual([]);
    const by = sim.stats().byRoute;
    const cloudRepos = sim.cloud.repositories("acme").length;
    const dcRepos = sim.dc.repositories().length;
    // Cloud: the repository listing (100 per page) plus one pull-request list per repository.
    expect(by["cloud.repositories"]).toBe(Math.ceil(cloudRepos / 100));
    expect(by["cloud.pullrequests"]).toBe(cloudRepos);
    expect(by["cloud.pullrequest_commits"]).toBe(0);
    // Data Center: the listing plus one commits request per repository, no branch lookup.
    expect(by["dc.commits"]).toBe(dcRepos);
    expect(by["dc.default_branch"] + by["dc.branches_default"]).toBe(0);
  });

  it("after changes, emits the new commits and nothing from unchanged repositories", async () => {
    const { sim, config } = await start();
    const first = await sync(config);

    // A pull request gets commits, a repository gets a push, another is force-pushed,
    // an empty one gets its first commits, a new pull request appears.
    const pr = sim.cloud
      .pullRequests("acme", "billing-service")
      .find((p) => p.commitsStatus === 200 && p.commits > 0)!;
    const addedPr = sim.cloud.addCommitsToPullRequest("acme", "billing-service", pr.id, 4);
    const newPr = sim.cloud.createPullRequest("acme", "docs-site", { commits: 3 });
    const dcRepos = sim.dc.repositories().filter((r) => r.commits > 10);
    const [pushed, forced] = [dcRepos[0]!, dcRepos[1]!];
    const pushedIds = sim.dc.push(pushed.projectKey, pushed.slug, 7);
    const rewrite = sim.dc.forcePush(forced.projectKey, forced.slug, { drop: 3, add: 5 });
    const empty = sim.dc.repositories().find((r) => r.empty)!;
    const firstIds = sim.dc.push(empty.projectKey, empty.slug, 2);

    sim.resetStats();
    const second = await sync(config, lastStates(first));

    const cloud = records(second, CLOUD_STREAM);
    const prs = new Set(cloud.map((c) => `${c.repo_slug}#${c.pull_request_id}`));
    expect(prs).toEqual(new Set([`billing-service#${pr.id}`, `docs-site#${newPr}`]));
    const hashes = new Set(cloud.map((c) => c.hash));
    for (const h of addedPr) expect(hashes.has(h)).toBe(true);
    expect(cloud.filter((c) => c.pull_request_id === pr.id && c.repo_slug === "billing-service").length).toBe(
      pr.commits + 4,
    );
    expect(cloud.filter((c) => c.repo_slug === "docs-site").length).toBe(3);

    const dc = records(second, DC_STREAM);
    const byRepo = (p: { projectKey: string; slug: string }) =>
      dc.filter((d) => d.project_key === p.projectKey && d.repo_slug === p.slug).map((d) => d.id as string);
    expect(new Set(byRepo(pushed))).toEqual(new Set(pushedIds));
    expect(byRepo(empty).sort()).toEqual([...firstIds].sort());
    const forcedIds = new Set(byRepo(forced));
    for (const id of rewrite.added) expect(forcedIds.has(id)).toBe(true);
    for (const id of rewrite.removed) expect(forcedIds.has(id)).toBe(false);
    expect(new Set(dc.map((d) => `${d.project_key}/${d.repo_slug}`))).toEqual(
      new Set([pushed, forced, empty].map((r) => `${r.projectKey}/${r.slug}`)),
    );
    expect(
      logs(second, "WARN").some(
        (l) => l.startsWith(`${forced.projectKey}/${forced.slug}: commit`) && l.includes("history rewritten"),
      ),
    ).toBe(true);

    // Everything the source holds now has been emitted across the two syncs.
    const all = new Set([...records(first, DC_STREAM), ...dc].map(dcKey));
    for (const t of sim.truth().dc) expect(all.has(dcKey(t))).toBe(true);
    const allCloud = new Set([...records(first, CLOUD_STREAM), ...cloud].map(cloudKey));
    for (const t of sim.truth().cloud.filter((c) => c.workspace === "acme"))
      expect(allCloud.has(cloudKey(t))).toBe(true);

    // A third sync finds nothing again, the force-pushed repository included.
    const third = await sync(config, lastStates(second));
    expect(records(third)).toEqual([]);
  });

  it("follows a default branch that was switched or renamed", async () => {
    const { sim, config } = await start();
    const first = await sync(config);
    const repos = sim.dc.repositories().filter((r) => r.commits > 10);
    const [switched, renamed] = [repos[2]!, repos[3]!];
    sim.dc.setDefaultBranch(switched.projectKey, switched.slug, "next", { addCommits: 4 });
    sim.dc.renameDefaultBranch(renamed.projectKey, renamed.slug, "trunk-renamed");
    const pushed = sim.dc.push(renamed.projectKey, renamed.slug, 2);
    const second = await sync(config, lastStates(first));
    const dc = records(second, DC_STREAM);
    const of = (r: { projectKey: string; slug: string }) =>
      dc.filter((d) => d.project_key === r.projectKey && d.repo_slug === r.slug);
    expect(of(switched).length).toBe(4);
    expect(of(switched).every((d) => d.branch === "next")).toBe(true);
    expect(
      of(renamed)
        .map((d) => d.id)
        .sort(),
    ).toEqual([...pushed].sort());
    expect(of(renamed).every((d) => d.branch === "trunk-renamed")).toBe(true);
    const all = new Set([...records(first, DC_STREAM), ...dc].map(dcKey));
    for (const t of sim.truth().dc) expect(all.has(dcKey(t))).toBe(true);
  });

  it("reads the whole new default branch when the old one was rewritten away and another became default", async () => {
    const { sim, config } = await start();
    const first = await sync(config);
    const repo = sim.dc.repositories().find((r) => r.slug === "runbooks")!;
    // Every commit read is gone; the new default branch forked from it long ago and has commits
    // of its own, all older than the re-read margin before the last commit read.
    sim.dc.forcePush(repo.projectKey, repo.slug, { drop: repo.commits, add: 0 });
    sim.dc.setDefaultBranch(repo.projectKey, repo.slug, "feature/on-call");
    const second = await sync(config, lastStates(first));
    expect(
      logs(second, "WARN").some((w) => w.includes("is no longer in the repository (history rewritten")),
    ).toBe(true);
    const mine = (d: Message) => d.project_key === repo.projectKey && d.repo_slug === repo.slug;
    const all = new Set(
      [...records(first, DC_STREAM), ...records(second, DC_STREAM)].filter(mine).map(dcKey),
    );
    const truth = sim.truth().dc.filter(mine).map(dcKey);
    expect(truth.length).toBeGreaterThan(0);
    for (const t of truth) expect(all.has(t)).toBe(true);
    const third = await sync(config, lastStates(second));
    expect(records(third)).toEqual([]);
  });

  it("ignores the state of a stream that is not read, and re-reads a partition whose state is malformed", async () => {
    const { sim, config } = await start();
    const first = await sync(config);
    const st = lastStates(first);
    const cloudState = st.find((s) => s.stream.stream_descriptor.name === CLOUD_STREAM)!;
    const [broken] = Object.keys(cloudState.stream.stream_state.partitions);
    cloudState.stream.stream_state.partitions[broken!] = { updated_on: "not a date" };
    const r = await runRead({ cloud: config.cloud }, catalog([CLOUD_STREAM]), { state: st });
    expect(r.code).toBe(0);
    expect(logs(r.messages, "INFO")).toContain(
      `ignoring the state of stream ${DC_STREAM}: it is not being read`,
    );
    expect(logs(r.messages, "WARN").some((l) => l.includes(`state of ${broken} is malformed`))).toBe(true);
    const repos = new Set(records(r.messages, CLOUD_STREAM).map((c) => `${c.workspace}/${c.repo_slug}`));
    expect(repos).toEqual(new Set([broken]));
    expect(records(r.messages, CLOUD_STREAM).length).toBe(
      sim.truth().cloud.filter((c) => `${c.workspace}/${c.repo_slug}` === broken).length,
    );
  });

  it("rejects a state of the wrong shape as a config error", async () => {
    const { config } = await start();
    const r = await runRead(config, catalog(BOTH), {
      state: [
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: CLOUD_STREAM }, stream_state: { cursor: "x" } },
        },
      ],
    });
    expect(r.code).not.toBe(0);
    const error = r.messages.find((m) => m.type === "TRACE" && m.trace.type === "ERROR")?.trace.error;
    expect(error).toMatchObject({ failure_type: "config_error" });
    expect(error.message).toContain(`the state of stream ${CLOUD_STREAM} is not of this connector's shape`);
  });

  it("survives SIGKILL mid-read: resuming from the last STATE it printed, every commit is emitted", async () => {
    const scale: ScaleSpec = {
      cloud: { workspaces: [{ name: "acme", repos: 5 }], prsPerRepo: [20, 40], commitsPerPr: [1, 40] },
      dc: { projects: 2, reposPerProject: 3, commitsPerRepo: [1500, 4000] },
    };
    const { sim } = await start({ scale, latencyMs: 15 });
    const config = { cloud: cloudConfig(sim), data_center: dcConfig(sim), max_concurrency: 2 };
    const files = writeFiles({ "config.json": config, "catalog.json": catalog(BOTH) });

    // Run until both streams have checkpointed mid-way, then kill -9.
    const stateOf = (s: string) =>
      `"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"${s}"}`;
    const run = await runCli(
      ["read", "--config", files["config.json"]!, "--catalog", files["catalog.json"]!],
      {
        raw: true,
        killWhen: (out) =>
          BOTH.every((s) => out.includes(stateOf(s))) && out.split('"type":"RECORD"').length > 3000,
      },
    );
    expect(run.signal).toBe("SIGKILL");
    const killed = run.stdout;
    // Only whole lines count: the platform never sees a torn one.
    const firstRun = parseMessages(killed.slice(0, killed.lastIndexOf("\n") + 1));
    for (const s of BOTH) expect(statuses(firstRun, s)).not.toContain("COMPLETE");
    const truth = sim.truth();
    const resumed = await runRead(config, catalog(BOTH), { state: lastStates(firstRun), timeoutMs: 120_000 });
    expect(resumed.code).toBe(0);
    const cloud = new Set(
      [...records(firstRun, CLOUD_STREAM), ...records(resumed.messages, CLOUD_STREAM)].map(cloudKey),
    );
    const dc = new Set([...records(firstRun, DC_STREAM), ...records(resumed.messages, DC_STREAM)].map(dcKey));
    expect(cloud).toEqual(new Set(truth.cloud.map(cloudKey)));
    expect(dc).toEqual(new Set(truth.dc.map(dcKey)));
    // It resumed rather than starting over.
    expect(records(resumed.messages).length).toBeLessThan(truth.cloud.length + truth.dc.length);
  });
});
