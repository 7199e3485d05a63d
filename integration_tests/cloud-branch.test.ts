/**
 * cloud_default_branch_commits against the simulator's Cloud main branches (an in-memory git with
 * pull-request merges, see simulator/cloud/branches.ts). A full read is the simulator's truth
 * exactly; incremental reads cost one head lookup per repository when nothing changed, and
 * lose nothing after a push, a late merge of a branch with old-dated commits, a force-push whose
 * old head is gone (or still there), a renamed and a switched main branch, a read cut between
 * pages; an empty repository reads nothing and no error, then its first push.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol/messages.js";
import { compileSchema, schemaErrors } from "../test/helpers/protocol.js";
import { logs, recordCountsPerState, records, runRead, statuses } from "./helpers/cli.js";
import {
  catalog,
  cloudBranchKey,
  cloudConfig,
  FAST_RETRY,
  CLOUD_BRANCH_STREAM as S,
} from "./helpers/configs.js";
import { readInProcess } from "./helpers/in-process.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

/** Every commit page of a main branch after its first. */
const LATER_PAGES = /\/commits\/[0-9a-f]{40}\?.*page=/;

const sims: Simulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});
async function start(): Promise<Simulator> {
  const sim = await startSimulator();
  sims.push(sim);
  return sim;
}

const hashesOf = (recs: JsonObject[] | undefined, slug: string) =>
  (recs ?? []).filter((r) => r.repo_slug === slug).map((r) => String(r.hash));
/** Repositories of a workspace without a main branch yet (nothing to look up). */
const emptyIn = (sim: Simulator, workspace: string) =>
  sim.cloud
    .repositories(workspace)
    .filter((slug) => sim.cloud.mainBranch(workspace, slug).hashes.length === 0).length;
const truthOf = (sim: Simulator, workspace: string) =>
  sim.truth().cloudBranch.filter((t) => t.workspace === workspace);

describe("full read", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await start();
  });

  it("emits every commit each main branch reaches, once, valid against the schema and the protocol", async () => {
    const r = await runRead({ cloud: cloudConfig(sim) }, catalog([S], "full_refresh"));
    expect(r.code, r.stdout.slice(-1000)).toBe(0);
    const got = records(r.messages, S);
    const keys = got.map(cloudBranchKey);
    const truth = truthOf(sim, "acme");
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(truth.map(cloudBranchKey).sort());
    const byKey = new Map(truth.map((t) => [cloudBranchKey(t), t]));
    for (const rec of got) {
      expect(rec.branch).toBe(byKey.get(cloudBranchKey(rec))?.branch);
      expect(rec.date).toBe(byKey.get(cloudBranchKey(rec))?.date);
    }
    const validate = compileSchema(
      JSON.parse(readFileSync(new URL(`../schemas/${S}.json`, import.meta.url), "utf8")) as object,
    );
    for (const rec of got) if (!validate(rec)) throw new Error(`record invalid: ${schemaErrors(validate)}`);
    expect(statuses(r.messages, S)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    expect(recordCountsPerState(r.messages, S).exact).toBe(true);
    // Real shapes: merge commits, authors without an account, main branches of several pages.
    expect(got.some((c) => c.parents.length === 2)).toBe(true);
    expect(got.some((c) => c.author && c.author.user === undefined)).toBe(true);
    expect(hashesOf(got, "data-pipeline").length).toBeGreaterThan(200);
    // Listings name a commit hash (never the revision-less list of every branch), pages follow `next`.
    const lists = sim.requests().filter((q) => q.route === "cloud.commits");
    expect(lists.every((q) => /\/commits\/[0-9a-f]{40}\?/.test(q.path))).toBe(true);
    expect(lists.some((q) => q.path.includes("page="))).toBe(true);
  });

  it("with start_date, emits exactly the commits dated since", async () => {
    const start_date = "2026-01-01T00:00:00Z";
    const r = await readInProcess({ cloud: cloudConfig(sim), start_date }, [S]);
    expect(r.code).toBe(0);
    const want = truthOf(sim, "acme").filter((t) => Date.parse(t.date) >= Date.parse(start_date));
    expect(want.length).toBeGreaterThan(0);
    expect((r.records.get(S) ?? []).map(cloudBranchKey).sort()).toEqual(want.map(cloudBranchKey).sort());
  });
});

describe("incremental reads", () => {
  it("cost one request per repository when nothing changed: the head lookup, no listing", async () => {
    const sim = await start();
    const config = { cloud: cloudConfig(sim) };
    const first = await readInProcess(config, [S]);
    expect(first.code).toBe(0);
    sim.resetStats();
    const second = await readInProcess(config, [S], new Map([[S, first.states.get(S)]]));
    expect(second.code).toBe(0);
    expect(second.records.get(S) ?? []).toEqual([]);
    const repositories = sim.cloud.repositories("acme").length;
    // The listing gives each main branch's name; its head is one lookup; a head that is the commit
    // already read needs no listing (`git log <head> ^<head>` is empty); nothing else is asked.
    const routes = sim.stats().byRoute;
    expect(routes["cloud.commits"] ?? 0).toBe(0);
    expect(routes["cloud.repository"] ?? 0).toBe(0);
    expect(routes["cloud.branch"]).toBe(repositories - emptyIn(sim, "acme"));
    expect(repositories - emptyIn(sim, "acme")).toBeGreaterThan(0);
  });

  it("lose nothing after pushes, an old branch merged late, force-pushes, a renamed and a switched main branch", async () => {
    const sim = await start();
    const config = { cloud: cloudConfig(sim) };
    const first = await readInProcess(config, [S]);
    expect(first.code).toBe(0);
    const before = new Map(
      sim.cloud.repositories("acme").map((slug) => [slug, new Set(hashesOf(first.records.get(S), slug))]),
    );
    const c = sim.cloud;
    const pushed = c.pushToMainBranch("acme", "api-gateway", 5);
    const late = c.mergeOldBranch("acme", "billing-service", { commits: 12, forkBack: 60 });
    const gone = c.forcePushMainBranch("acme", "checkout-web", { drop: 10, add: 3 });
    c.forcePushMainBranch("acme", "design-system", { drop: 5, add: 2, gc: false });
    c.renameMainBranch("acme", "docs-site", "trunk");
    c.pushToMainBranch("acme", "docs-site", 2);
    const switched = c.switchMainBranch("acme", "infra-terraform", "develop", { addCommits: 4 });

    const second = await readInProcess(config, [S], new Map([[S, first.states.get(S)]]));
    expect(second.code).toBe(0);
    const got = second.records.get(S) ?? [];
    for (const slug of sim.cloud.repositories("acme")) {
      const read = hashesOf(got, slug);
      const seen = new Set([...(before.get(slug) ?? []), ...read]);
      expect(
        c.mainBranch("acme", slug).hashes.filter((h) => !seen.has(h)),
        `${slug}: missing`,
      ).toEqual([]);
      expect(new Set(read).size, `${slug}: twice in one read`).toBe(read.length);
      const again = read.filter((h) => before.get(slug)?.has(h)).length;
      // Only a force-push whose old head is gone re-reads (from the newest anchor still there).
      if (slug === "checkout-web") expect(again).toBeLessThanOrEqual(4 * gone.removed.length + 4);
      else expect(again, `${slug}: emitted again`).toBe(0);
    }
    expect(hashesOf(got, "api-gateway").sort()).toEqual([...pushed].sort());
    // The merged branch's commits are older than commits read before: a date cursor would lose them.
    expect(hashesOf(got, "billing-service").sort()).toEqual([...late.merged, late.merge].sort());
    expect(hashesOf(got, "infra-terraform").sort()).toEqual([...switched].sort());
    expect(got.filter((r) => r.repo_slug === "docs-site").every((r) => r.branch === "trunk")).toBe(true);
    expect(got.filter((r) => r.repo_slug === "infra-terraform").every((r) => r.branch === "develop")).toBe(
      true,
    );
    expect(second.logs.some((l) => l.message.includes("history rewritten"))).toBe(true);

    const third = await readInProcess(config, [S], new Map([[S, second.states.get(S)]]));
    expect(third.code).toBe(0);
    expect(third.records.get(S) ?? []).toEqual([]);
  });

  it("read an empty repository as nothing, without an error, and then its first push", async () => {
    const sim = await start();
    const config = { cloud: cloudConfig(sim, "access_token", { workspace: "other-ws" }) };
    const first = await runRead(config, catalog([S]));
    expect(first.code).toBe(0);
    expect(statuses(first.messages, S)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    expect(hashesOf(records(first.messages, S), "scratch")).toEqual([]);
    expect(logs(first.messages, "INFO").some((l) => l.includes("other-ws/scratch: empty repository"))).toBe(
      true,
    );
    expect(sim.cloud.mainBranch("other-ws", "scratch").name).toBeNull();

    const state = new Map([[S, (await readInProcess(config, [S])).states.get(S)]]);
    const quiet = await readInProcess(config, [S], state);
    expect(quiet.records.get(S) ?? []).toEqual([]);
    const pushed = sim.cloud.pushToMainBranch("other-ws", "scratch", 3);
    const next = await readInProcess(config, [S], new Map([[S, quiet.states.get(S)]]));
    expect(next.code).toBe(0);
    expect(hashesOf(next.records.get(S), "scratch").sort()).toEqual([...pushed].sort());
  });

  it("resume a read cut between pages from the next link it stored, losing and repeating nothing", async () => {
    const sim = await start();
    const config = oneRepository(sim, "data-pipeline");
    // Every page after the first fails: the read stops with its place in the state.
    sim.injectFault({
      route: LATER_PAGES,
      kind: "503",
      times: Number.POSITIVE_INFINITY,
    });
    const cut = await readInProcess(config, [S]);
    const partial = hashesOf(cut.records.get(S), "data-pipeline");
    expect(partial.length).toBe(100);
    sim.clearFaults();
    const rest = await readInProcess(config, [S], new Map([[S, cut.states.get(S)]]));
    expect(rest.code).toBe(0);
    const all = [...partial, ...hashesOf(rest.records.get(S), "data-pipeline")];
    expect(all.sort()).toEqual(sim.cloud.mainBranch("acme", "data-pipeline").hashes.sort());
  });

  it("drop a read cut short that cannot resume, even when nothing is new after it", async () => {
    const sim = await start();
    const config = oneRepository(sim, "data-pipeline");
    const first = await readInProcess(config, [S]);
    sim.cloud.pushToMainBranch("acme", "data-pipeline", 150);
    sim.injectFault({ route: LATER_PAGES, kind: "503", times: Number.POSITIVE_INFINITY });
    const cut = await readInProcess(config, [S], new Map([[S, first.states.get(S)]]));
    sim.clearFaults();
    type Partitions = { partitions: Record<string, { pending?: unknown; commit_id?: string }> };
    const before = (first.states.get(S) as Partitions).partitions["acme/data-pipeline"];
    expect((cut.states.get(S) as Partitions).partitions["acme/data-pipeline"]?.pending).toBeDefined();
    // The pushed commits are force-pushed away and collected: the head is the last commit read again.
    sim.cloud.forcePushMainBranch("acme", "data-pipeline", { drop: 150, add: 0, gc: true });
    const next = await readInProcess(config, [S], new Map([[S, cut.states.get(S)]]));
    expect(next.code).toBe(0);
    expect(next.logs.some((l) => l.message.includes("cannot resume"))).toBe(true);
    const now = (next.states.get(S) as Partitions).partitions["acme/data-pipeline"];
    expect(now?.pending).toBeUndefined();
    expect(now?.commit_id).toBe(before?.commit_id);
    const again = await readInProcess(config, [S], new Map([[S, next.states.get(S)]]));
    expect(again.logs.some((l) => l.message.includes("cannot resume"))).toBe(false);
  });

  it("fail the repository, not end it as read, when a later page answers 404 or 400; the next sync reads the rest", async () => {
    for (const kind of ["404-gone", "echo-error"] as const) {
      const sim = await start();
      const config = oneRepository(sim, "data-pipeline");
      // History collected while the branch is paged (404), or a page token refused (400).
      sim.injectFault({ route: LATER_PAGES, kind, times: 1 });
      const cut = await readInProcess(config, [S]);
      expect(cut.code, kind).toBe(1);
      expect(cut.statuses.get(S)?.at(-1), kind).toBe("INCOMPLETE");
      const rest = await readInProcess(config, [S], new Map([[S, cut.states.get(S)]]));
      expect(rest.code, kind).toBe(0);
      const all = [
        ...hashesOf(cut.records.get(S), "data-pipeline"),
        ...hashesOf(rest.records.get(S), "data-pipeline"),
      ];
      // Nothing lost; a refused page link restarts the repository, so what the cut read emitted may come again.
      expect(new Set(all), kind).toEqual(new Set(sim.cloud.mainBranch("acme", "data-pipeline").hashes));
    }
  });

  it("keep the state when the main branch answers 404 for a moment, then read only what is new", async () => {
    const sim = await start();
    const config = oneRepository(sim, "api-gateway");
    const first = await readInProcess(config, [S]);
    expect(first.code).toBe(0);
    sim.injectFault({ route: "cloud.branch", repository: "acme/api-gateway", kind: "404-gone", times: 1 });
    const pushed = sim.cloud.pushToMainBranch("acme", "api-gateway", 2);
    const blip = await readInProcess(config, [S], new Map([[S, first.states.get(S)]]));
    expect(blip.code).toBe(1);
    expect(blip.records.get(S) ?? []).toEqual([]);
    expect(blip.states.get(S)).toEqual(first.states.get(S));
    const next = await readInProcess(config, [S], new Map([[S, blip.states.get(S)]]));
    expect(next.code).toBe(0);
    expect(hashesOf(next.records.get(S), "api-gateway").sort()).toEqual([...pushed].sort());
  });

  it("start a repository over when its stored page link is on another origin than api_url now", async () => {
    const sim = await start();
    const config = oneRepository(sim, "data-pipeline");
    sim.injectFault({
      route: LATER_PAGES,
      kind: "503",
      times: Number.POSITIVE_INFINITY,
    });
    const cut = await readInProcess(config, [S]);
    sim.clearFaults();
    // The same server, now configured under another name (a gateway, another spelling of the host).
    const moved = {
      ...config,
      cloud: { ...config.cloud, api_url: sim.cloudApiUrl.replace("127.0.0.1", "localhost") },
    };
    const next = await readInProcess(moved, [S], new Map([[S, cut.states.get(S)]]));
    expect(next.code).toBe(0);
    expect(new Set(hashesOf(next.records.get(S), "data-pipeline"))).toEqual(
      new Set(sim.cloud.mainBranch("acme", "data-pipeline").hashes),
    );
  });
});

/** A config reading one repository of the acme workspace, retrying fast. */
function oneRepository(sim: Simulator, slug: string) {
  return { cloud: cloudConfig(sim, "access_token", { repositories: [slug] }), retry: FAST_RETRY };
}
