/**
 * dc_pullrequest_commits against the simulator, in process: a full read is the simulator's truth
 * (nothing missing, nothing twice), whatever the page cap and the list's order; an unchanged sync
 * lists pull requests only; after pushes, a new pull request, a merge, a decline and force-pushes
 * it reads exactly the pull requests that moved, and the default-branch stream its new commits;
 * skips, filters and check.
 */
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check } from "../src/commands/check.js";
import { parseConfig } from "../src/config/load.js";
import { AirbyteOutput } from "../src/protocol/airbyte-output.js";
import type { JsonObject } from "../src/protocol/messages.js";
import { Redactor } from "../src/protocol/redact.js";
import { compileSchema, schemaErrors } from "../test/helpers/protocol.js";
import { DC_PR_STREAM, DC_STREAM, dcConfig, dcKey, dcPrKey } from "./helpers/configs.js";
import { readInProcess } from "./helpers/in-process.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "./simulator/index.js";

let shared: Simulator;
beforeAll(async () => {
  shared = await startSimulator();
});
afterAll(() => shared.close());

const validate = compileSchema(
  JSON.parse(readFileSync(new URL(`../schemas/${DC_PR_STREAM}.json`, import.meta.url), "utf8")) as object,
);
const recordsOf = (r: { records: Map<string, JsonObject[]> }, stream = DC_PR_STREAM) =>
  r.records.get(stream) ?? [];
const keys = (rs: JsonObject[]) => rs.map(dcPrKey);
const warnings = (r: { logs: { level: string; message: string }[] }) =>
  r.logs.filter((l) => l.level === "WARN").map((l) => l.message);
const prOf = (r: JsonObject) =>
  `${String(r.project_key)}/${String(r.repo_slug)}#${String(r.pull_request_id)}`;

/** Emitted exactly the truth: every record once, nothing else. */
function expectExactly(got: JsonObject[], truth: object[]): void {
  const k = keys(got);
  expect(new Set(k).size, "duplicated records").toBe(k.length);
  expect(new Set(k)).toEqual(new Set(truth.map(dcPrKey)));
}

async function withSimulator<T>(opts: SimulatorOptions, fn: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator(opts);
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

describe("dc_pullrequest_commits: full reads", () => {
  it("emits every commit of every pull request once, as valid records with the pull request's context", async () => {
    const r = await readInProcess(
      { data_center: dcConfig(shared) },
      [DC_PR_STREAM],
      new Map(),
      "full_refresh",
    );
    expect(r.code).toBe(0);
    expect(r.statuses.get(DC_PR_STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    const got = recordsOf(r);
    const truth = shared.truth().dcPullRequests;
    expectExactly(got, truth);
    const updated = new Map(truth.map((t) => [dcPrKey(t), t.pull_request_updated_date]));
    for (const rec of got) {
      if (!validate(rec)) throw new Error(`record invalid: ${schemaErrors(validate)}`);
      expect(rec.pull_request_updated_date).toBe(updated.get(dcPrKey(rec)));
    }
    // Merge commits are commits of the pull request too.
    expect(got.some((c) => (c.parents as unknown[]).length === 2)).toBe(true);
    // 404 NoSuchCommitException and empty lists are skipped with a warning each.
    const gw = shared.dc.pullRequests("PLAT", "api-gateway");
    const w = warnings(r);
    for (const p of gw.filter((p) => p.commitsStatus === 404))
      expect(w).toContain(
        `PLAT/api-gateway: pull request #${p.id} skipped: its commits answer 404 NoSuchCommitException (source branch deleted, or history rewritten)`,
      );
    for (const p of gw.filter((p) => p.commitsStatus === 200 && p.commits === 0))
      expect(w).toContain(
        `PLAT/api-gateway: pull request #${p.id} skipped: Bitbucket lists no commits for it`,
      );
    // The repositories without pull requests have a state, empty.
    const partitions = (r.states.get(DC_PR_STREAM) as { partitions: Record<string, JsonObject> }).partitions;
    expect(partitions["SEC/audit-logs"]).toEqual({});
    expect(Object.keys(partitions).length).toBe(shared.dc.repositories().length);
  });

  it("reads the same through a server cap of 7 and a list sorted on updatedDate", async () => {
    await withSimulator({ dcMaxLimit: 7, dcPullRequestOrder: "updated" }, async (sim) => {
      const repos = ["PLAT/api-gateway", "OPS/monitoring"];
      const r = await readInProcess({ data_center: dcConfig(sim, "basic", { repositories: repos }) }, [
        DC_PR_STREAM,
      ]);
      expect(r.code).toBe(0);
      const truth = sim
        .truth()
        .dcPullRequests.filter((t) => repos.includes(`${t.project_key}/${t.repo_slug}`));
      expectExactly(recordsOf(r), truth);
      // The list took several pages (40 pull requests at 7 a page), each asked from the last item of
      // the one before (that it still comes there proves no item left the list while it was paged).
      const lists = sim
        .requests()
        .filter((q) => q.route === "dc.pullrequests" && q.path.includes("api-gateway"));
      const starts = lists.map((q) => Number(new URL(q.path, "http://x").searchParams.get("start")));
      const n = sim.dc.pullRequests("PLAT", "api-gateway").length;
      expect(starts).toEqual(Array.from({ length: 1 + Math.ceil((n - 7) / 6) }, (_, i) => 6 * i));
      expect(lists.every((q) => q.path.includes("state=ALL"))).toBe(true);
    });
  });

  it("reads only the configured pull_request_states, and only pull requests updated since start_date", async () => {
    const merged = await readInProcess(
      { data_center: dcConfig(shared, "basic", { pull_request_states: ["MERGED"] }) },
      [DC_PR_STREAM],
    );
    expect(merged.code).toBe(0);
    const state = new Map(
      shared.dc
        .repositories()
        .flatMap((r) =>
          shared.dc.pullRequests(r.projectKey, r.slug).map((p) => [`${r.projectKey}/${r.slug}#${p.id}`, p]),
        ),
    );
    const truth = shared.truth().dcPullRequests;
    expectExactly(
      recordsOf(merged),
      truth.filter((t) => state.get(prOf(t as unknown as JsonObject))?.state === "MERGED"),
    );

    const start = "2026-01-01T00:00:00Z";
    const since = await readInProcess({ data_center: dcConfig(shared), start_date: start }, [DC_PR_STREAM]);
    const want = truth.filter((t) => t.pull_request_updated_date >= Date.parse(start));
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(truth.length);
    expectExactly(recordsOf(since), want);
  });
});

describe("dc_pullrequest_commits: incremental reads", () => {
  it("lists only when nothing changed, then reads exactly the pull requests that moved; so does the default branch", async () => {
    await withSimulator({}, async (sim) => {
      const config = { data_center: dcConfig(sim) };
      const streams = [DC_STREAM, DC_PR_STREAM];
      const first = await readInProcess(config, streams);
      expect(first.code).toBe(0);
      sim.resetStats();
      const unchanged = await readInProcess(config, streams, first.states);
      expect(recordsOf(unchanged)).toEqual([]);
      const by = sim.stats().byRoute;
      expect(by["dc.pullrequests"]).toBe(sim.dc.repositories().length);
      expect(by["dc.pullrequest_commits"]).toBe(0);

      // Work between syncs: a push to a pull request, a new one, a merge (squash), a decline,
      // a force-push to a pull request's branch, a push and a force-push to default branches.
      const open = (key: string, slug: string) =>
        sim.dc
          .pullRequests(key, slug)
          .find((p) => p.state === "OPEN" && p.commitsStatus === 200 && p.commits > 0)!;
      const pushedTo = open("PLAT", "build-tools");
      const pushed = sim.dc.addCommitsToPullRequest("PLAT", "build-tools", pushedTo.id, 3);
      const created = sim.dc.createPullRequest("SEC", "audit-logs", { commits: 4 });
      const mergedPr = open("OPS", "runbooks");
      const squash = sim.dc.setPullRequestState("OPS", "runbooks", mergedPr.id, "MERGED");
      const declined = open("DATA", "etl-jobs");
      sim.dc.setPullRequestState("DATA", "etl-jobs", declined.id, "DECLINED");
      const forced = open("PLAT", "web-portal");
      const rewrite = sim.dc.forcePushPullRequest("PLAT", "web-portal", forced.id, { drop: 2, add: 1 });
      const branchPush = sim.dc.push("SEC", "policy-as-code", 2);
      const branchForce = sim.dc.forcePush("OPS", "monitoring", { drop: 1, add: 2 });

      sim.resetStats();
      const second = await readInProcess(config, streams, unchanged.states);
      expect(second.code).toBe(0);
      const moved = [
        `PLAT/build-tools#${pushedTo.id}`,
        `SEC/audit-logs#${created}`,
        `OPS/runbooks#${mergedPr.id}`,
        `DATA/etl-jobs#${declined.id}`,
        `PLAT/web-portal#${forced.id}`,
      ];
      const got = recordsOf(second);
      expect(new Set(got.map(prOf))).toEqual(new Set(moved));
      // Each moved pull request is read whole, as it is now (the force-pushed one without what it dropped).
      const truth = sim.truth();
      expectExactly(
        got,
        truth.dcPullRequests.filter((t) => moved.includes(prOf(t as unknown as JsonObject))),
      );
      for (const id of [...pushed, ...rewrite.added]) expect(got.some((c) => c.id === id)).toBe(true);
      for (const id of rewrite.removed) expect(got.some((c) => c.id === id)).toBe(false);
      expect(sim.stats().byRoute["dc.pullrequest_commits"]).toBe(moved.length);
      // The default branch: the push, the squash commit and the force-push's new commits (the
      // re-read after a force-push may repeat a few older ones; they deduplicate on the key).
      const branch = new Set(recordsOf(second, DC_STREAM).map(dcKey));
      const branchIds = new Set(recordsOf(second, DC_STREAM).map((c) => c.id));
      for (const id of [...branchPush, squash, ...branchForce.added]) expect(branchIds.has(id)).toBe(true);
      const dcTruth = new Set(truth.dc.map(dcKey));
      for (const k of branch) expect(dcTruth.has(k)).toBe(true);

      // Everything the simulator holds has been emitted, and a full read now is exactly it.
      for (const [stream, key, want] of [
        [DC_PR_STREAM, dcPrKey, truth.dcPullRequests],
        [DC_STREAM, dcKey, truth.dc],
      ] as const) {
        const all = new Set([...recordsOf(first, stream), ...recordsOf(second, stream)].map(key));
        for (const t of want) expect(all.has(key(t))).toBe(true);
      }
      const full = await readInProcess(config, streams, new Map(), "full_refresh");
      expectExactly(recordsOf(full), truth.dcPullRequests);
      expect(new Set(recordsOf(full, DC_STREAM).map(dcKey))).toEqual(new Set(truth.dc.map(dcKey)));

      const third = await readInProcess(config, streams, second.states);
      expect(recordsOf(third)).toEqual([]);
      expect(recordsOf(third, DC_STREAM)).toEqual([]);
    });
  });

  it("lists again a repository whose list lost a pull request while it was paged, so none is hidden", async () => {
    await withSimulator({ dcMaxLimit: 7 }, async (sim) => {
      const config = { data_center: dcConfig(sim, "basic", { repositories: ["PLAT/api-gateway"] }) };
      // The list's second page is answered late; meanwhile a pull request of its first page is
      // deleted, so every later one moves up a place and the one at the boundary would be on
      // neither page.
      sim.injectFault({
        route: /\/repos\/api-gateway\/pull-requests\?.*start=[67](&|$)/,
        kind: "slow-headers",
        delayMs: 300,
      });
      const reading = readInProcess(config, [DC_PR_STREAM]);
      while (!sim.requests().some((q) => q.fault === "slow-headers"))
        await new Promise((r) => setTimeout(r, 5));
      const newest = Math.max(...sim.dc.pullRequests("PLAT", "api-gateway").map((p) => p.id));
      sim.dc.deletePullRequest("PLAT", "api-gateway", newest);
      const r = await reading;
      expect(r.code).toBe(0);
      expectExactly(
        recordsOf(r),
        sim.truth().dcPullRequests.filter((t) => t.repo_slug === "api-gateway"),
      );
      expect(r.logs.map((l) => l.message)).toContainEqual(
        expect.stringMatching(
          /^dc_pullrequest_commits: PLAT\/api-gateway: .*the list changed while it was paged.*; reading it again$/,
        ),
      );
    });
  });

  it("fails only the repository whose list keeps moving, its state kept, and reads it next sync", async () => {
    await withSimulator({ dcMaxLimit: 7 }, async (sim) => {
      const repos = ["PLAT/api-gateway", "OPS/monitoring"];
      const config = { data_center: dcConfig(sim, "basic", { repositories: repos }) };
      const before = await readInProcess(config, [DC_PR_STREAM]);
      const moved = sim.dc.createPullRequest("PLAT", "api-gateway", { commits: 2 });
      // Every listing of api-gateway loses its newest pull request between its first two pages.
      sim.injectFault({
        route: /\/repos\/api-gateway\/pull-requests\?.*start=[67](&|$)/,
        kind: "slow-headers",
        delayMs: 200,
        times: Number.POSITIVE_INFINITY,
      });
      let handled = 0;
      const deleting = setInterval(() => {
        const slow = sim.requests().filter((q) => q.fault === "slow-headers").length;
        for (; handled < slow; handled++) {
          const live = sim.dc.pullRequests("PLAT", "api-gateway").filter((p) => p.id !== moved);
          sim.dc.deletePullRequest("PLAT", "api-gateway", Math.max(...live.map((p) => p.id)));
        }
      }, 5);
      const r = await readInProcess(config, [DC_PR_STREAM], before.states).finally(() =>
        clearInterval(deleting),
      );
      expect(r.code).toBe(1);
      expect(r.statuses.get(DC_PR_STREAM)?.at(-1)).toBe("INCOMPLETE");
      expect(handled).toBe(3);
      const partitions = (r.states.get(DC_PR_STREAM) as { partitions: Record<string, JsonObject> })
        .partitions;
      const kept = (before.states.get(DC_PR_STREAM) as { partitions: Record<string, JsonObject> }).partitions;
      expect(partitions["PLAT/api-gateway"]).toEqual(kept["PLAT/api-gateway"]);
      expect(recordsOf(r).some((c) => c.repo_slug === "api-gateway")).toBe(false);
      expect(r.errors.map((e) => e.message)).toContainEqual(
        expect.stringMatching(
          /the list changed while it was paged.*3 times in a row; it is read again next sync/,
        ),
      );
      sim.clearFaults();
      const next = await readInProcess(config, [DC_PR_STREAM], r.states);
      expect(next.code).toBe(0);
      expect(new Set(recordsOf(next).map(prOf))).toEqual(new Set([`PLAT/api-gateway#${moved}`]));
    });
  });

  it("skips a pull request deleted between the list and its commits, and a repository deleted mid-read", async () => {
    await withSimulator({}, async (sim) => {
      const prs = sim.dc
        .pullRequests("PLAT", "build-tools")
        .filter((p) => p.commitsStatus === 200 && p.commits > 0);
      const doomed = prs[0]!;
      // Its commits are answered late; meanwhile it is deleted, so the answer is 404 NoSuchPullRequestException.
      sim.injectFault({
        route: new RegExp(`/repos/build-tools/pull-requests/${doomed.id}/commits`),
        kind: "slow-headers",
        delayMs: 300,
      });
      sim.injectFault({ route: "dc.pullrequest_commits", repository: "DATA/warehouse", kind: "404-gone" });
      const reading = readInProcess({ data_center: dcConfig(sim) }, [DC_PR_STREAM]);
      while (!sim.requests().some((q) => q.fault === "slow-headers"))
        await new Promise((r) => setTimeout(r, 10));
      sim.dc.deletePullRequest("PLAT", "build-tools", doomed.id);
      const r = await reading;
      expect(r.code).toBe(0);
      expect(r.statuses.get(DC_PR_STREAM)?.at(-1)).toBe("COMPLETE");
      const w = warnings(r);
      expect(w).toContain(
        `PLAT/build-tools: pull request #${doomed.id} skipped: it was deleted after the list was read`,
      );
      expect(
        w.some((m) => m.startsWith("DATA/warehouse: skipped: the repository was listed but is gone now")),
      ).toBe(true);
      const got = recordsOf(r);
      expect(got.some((c) => c.repo_slug === "warehouse")).toBe(false);
      expectExactly(
        got,
        sim.truth().dcPullRequests.filter((t) => t.repo_slug !== "warehouse"),
      );
      // The deleted repository keeps no cursor it did not earn.
      const partitions = (r.states.get(DC_PR_STREAM) as { partitions: Record<string, JsonObject> })
        .partitions;
      expect(partitions["DATA/warehouse"]).toBeUndefined();
    });
  });
});

/** `check` in this process: the CONNECTION_STATUS it prints. */
async function checkInProcess(
  config: Record<string, unknown>,
): Promise<{ status: string; message?: string }> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      cb();
    },
  });
  await check(parseConfig(config), new AirbyteOutput(sink, new Redactor()));
  const status = lines.map((l) => JSON.parse(l) as JsonObject).find((m) => m.type === "CONNECTION_STATUS");
  return status?.connectionStatus as { status: string; message?: string };
}

describe("dc_pullrequest_commits: check", () => {
  it("succeeds when either Data Center stream finds something, and says why not for each when neither does", async () => {
    const only = (repositories: string[], extra: Record<string, unknown> = {}) =>
      checkInProcess({ data_center: dcConfig(shared, "basic", { repositories, ...extra }) });
    // Commits on the default branch, no pull request: not no_resources for dc_default_branch_commits.
    expect(await only(["SEC/audit-logs"])).toEqual({ status: "SUCCEEDED" });
    // Pull requests, no default branch: not no_resources for dc_pullrequest_commits.
    expect(await only(["DATA/ml-models"])).toEqual({ status: "SUCCEEDED" });
    const empty = await only(["PLAT/sandbox"]);
    expect(empty.status).toBe("FAILED");
    expect(empty.message).toMatch(
      /^no_resources: Bitbucket Data Center: nothing to read: dc_default_branch_commits: .*; dc_pullrequest_commits: the 1 repositories checked \(PLAT\/sandbox\) have no pull request in the states OPEN, MERGED, DECLINED with readable commits/,
    );
    const none = await only(["DATA/ml-models"], { pull_request_states: ["OPEN"] });
    expect(none.message).toMatch(
      /dc_pullrequest_commits: .* no pull request in the states OPEN with readable commits/,
    );
  });
});
