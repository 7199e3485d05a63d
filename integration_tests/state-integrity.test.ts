/**
 * State that cannot silently shrink or lie (issue: zero lost commits). A cursor the server's
 * clock says is in the future is not trusted; a bad value from the server fails its repository,
 * never the stream; a pull-request cursor never passes a pull request whose commits were not
 * read; and a pull request that changed is read again whatever order the server lists them in.
 * (A rejected input state, and entries that must never be dropped, are unit tests of the sync
 * engine: test/commands/sync.test.ts.)
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JsonObject } from "../src/protocol/messages.js";
import {
  CLOUD_STREAM,
  cloudConfig,
  DC_PR_STREAM,
  DC_STREAM,
  dcConfig,
  dcPrKey,
  FAST_RETRY,
} from "./helpers/configs.js";
import { readInProcess } from "./helpers/in-process.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "./simulator/index.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});
async function start(opts: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator(opts);
  return sim;
}

const cloudKey = (r: { repo_slug: unknown; pull_request_id: unknown; hash: unknown }) =>
  `${String(r.repo_slug)}#${String(r.pull_request_id)}:${String(r.hash)}`;
const dcKey = (r: { repo_slug: unknown; id: unknown }) => `${String(r.repo_slug)}:${String(r.id)}`;
const partitions = (state: JsonObject | undefined) =>
  (state as { partitions: Record<string, JsonObject> }).partitions;

describe("state integrity", () => {
  it("does not trust a Cloud cursor later than the server's clock: warns and reads that repository again", async () => {
    const s = await start();
    const config = { cloud: cloudConfig(s) };
    const first = await readInProcess(config, [CLOUD_STREAM]);
    const state = structuredClone(first.states.get(CLOUD_STREAM)!);
    partitions(state)["acme/api-gateway"] = { updated_on: "2999-01-01T00:00:00.000000+00:00" };
    const second = await readInProcess(config, [CLOUD_STREAM], new Map([[CLOUD_STREAM, state]]));
    expect(second.code).toBe(0);
    expect(
      second.logs.some(
        (l) => l.level === "WARN" && l.message.includes("acme/api-gateway: the state's cursor 2999-01-01"),
      ),
    ).toBe(true);
    const got = (second.records.get(CLOUD_STREAM) ?? []).map((r) => cloudKey(r as never));
    const truth = s
      .truth()
      .cloud.filter((t) => t.repo_slug === "api-gateway")
      .map(cloudKey);
    expect(new Set(got)).toEqual(new Set(truth));
    // The cursor it stores is back within the server's clock.
    const cursor = String(partitions(second.states.get(CLOUD_STREAM))["acme/api-gateway"]?.updated_on);
    expect(Date.parse(cursor)).toBeLessThan(s.now().getTime() + 60_000);
  });

  it("fails only the repository whose pull request has an unparseable updated_on, naming the field", async () => {
    const s = await start();
    s.injectFault({
      route: "cloud.pullrequests",
      repository: "acme/billing-service",
      kind: "corrupt-value",
      field: "updated_on",
      value: "not a date",
      times: Number.POSITIVE_INFINITY,
    });
    const r = await readInProcess({ cloud: cloudConfig(s), retry: FAST_RETRY }, [CLOUD_STREAM]);
    expect(r.code).toBe(1);
    expect(r.statuses.get(CLOUD_STREAM)?.at(-1)).toBe("INCOMPLETE");
    expect(r.errors[0]?.code).toBe("unexpected_response");
    expect(r.errors[0]?.message).toMatch(
      /acme\/billing-service: unexpected_response: .*values\.0\.updated_on/,
    );
    const got = new Set((r.records.get(CLOUD_STREAM) ?? []).map((x) => cloudKey(x as never)));
    for (const t of s
      .truth()
      .cloud.filter((t) => t.workspace === "acme" && t.repo_slug !== "billing-service"))
      expect(got.has(cloudKey(t))).toBe(true);
    expect(partitions(r.states.get(CLOUD_STREAM))["acme/billing-service"]).toBeUndefined();
  });

  it("fails only the Data Center repository with a commit of unusable shape, naming the field", async () => {
    const s = await start();
    s.injectFault({
      route: "dc.commits",
      repository: "PLAT/web-portal",
      kind: "corrupt-value",
      valueIndex: 3,
      field: "committerTimestamp",
      value: "yesterday",
      times: Number.POSITIVE_INFINITY,
    });
    s.injectFault({
      route: "dc.commits",
      repository: "OPS/runbooks",
      kind: "corrupt-value",
      field: "id",
      times: Number.POSITIVE_INFINITY,
    });
    const r = await readInProcess({ data_center: dcConfig(s), retry: FAST_RETRY }, [DC_STREAM]);
    expect(r.code).toBe(1);
    const message = r.errors[0]?.message ?? "";
    expect(message).toMatch(/PLAT\/web-portal: unexpected_response: .*values\.3\.committerTimestamp/);
    expect(message).toMatch(/OPS\/runbooks: unexpected_response: .*values\.0\.id/);
    const got = new Set((r.records.get(DC_STREAM) ?? []).map((x) => dcKey(x as never)));
    for (const t of s.truth().dc.filter((t) => t.repo_slug !== "web-portal" && t.repo_slug !== "runbooks"))
      expect(got.has(dcKey(t))).toBe(true);
  });

  it("never moves a repository's pull-request cursor past a pull request whose commits could not be read", async () => {
    const s = await start();
    const config = {
      cloud: cloudConfig(s, "access_token", { repositories: ["api-gateway"] }),
      retry: FAST_RETRY,
    };
    const prs = s.cloud
      .pullRequests("acme", "api-gateway")
      .filter((p) => p.commitsStatus === 200 && p.commits > 0);
    const middle = [...prs].sort((a, b) => (a.updated_on < b.updated_on ? -1 : 1))[
      Math.floor(prs.length / 2)
    ]!;
    s.injectFault({
      route: new RegExp(`/pullrequests/${middle.id}/commits`),
      kind: "503",
      times: Number.POSITIVE_INFINITY,
    });
    const first = await readInProcess(config, [CLOUD_STREAM]);
    expect(first.code).toBe(1);
    const cursor = String(partitions(first.states.get(CLOUD_STREAM))["acme/api-gateway"]?.updated_on);
    expect(cursor < middle.updated_on).toBe(true);
    s.clearFaults();
    const second = await readInProcess(
      config,
      [CLOUD_STREAM],
      new Map([[CLOUD_STREAM, first.states.get(CLOUD_STREAM)]]),
    );
    expect(second.code).toBe(0);
    const all = new Set(
      [...(first.records.get(CLOUD_STREAM) ?? []), ...(second.records.get(CLOUD_STREAM) ?? [])].map((x) =>
        cloudKey(x as never),
      ),
    );
    for (const t of s.truth().cloud.filter((t) => t.repo_slug === "api-gateway"))
      expect(all.has(cloudKey(t))).toBe(true);
  });

  it("reads a pull request updated since the last sync again, even from a server that does not list by update time", async () => {
    const s = await start({ cloudPullRequestOrder: "unsorted" });
    const config = {
      cloud: cloudConfig(s, "access_token", { repositories: ["api-gateway", "search-indexer"] }),
    };
    const first = await readInProcess(config, [CLOUD_STREAM]);
    // The oldest pull request of a repository gets new commits: listed first by id, last by update time.
    const old = s.cloud
      .pullRequests("acme", "api-gateway")
      .find((p) => p.commitsStatus === 200 && p.commits > 0)!;
    const pushed = s.cloud.addCommitsToPullRequest("acme", "api-gateway", old.id, 3);
    s.advanceClock(60); // time passes before the next sync
    const second = await readInProcess(
      config,
      [CLOUD_STREAM],
      new Map([[CLOUD_STREAM, first.states.get(CLOUD_STREAM)]]),
    );
    expect(second.code).toBe(0);
    const got = (second.records.get(CLOUD_STREAM) ?? []) as { pull_request_id: number; hash: string }[];
    expect(new Set(got.map((r) => r.pull_request_id))).toEqual(new Set([old.id]));
    for (const h of pushed) expect(got.some((r) => r.hash === h)).toBe(true);
    const third = await readInProcess(
      config,
      [CLOUD_STREAM],
      new Map([[CLOUD_STREAM, second.states.get(CLOUD_STREAM)]]),
    );
    expect(third.records.get(CLOUD_STREAM) ?? []).toEqual([]);
  });
});

describe("state integrity: Data Center pull requests", () => {
  it("does not trust a cursor later than the server's clock, nor a malformed one: warns and reads those repositories again", async () => {
    const s = await start();
    const config = {
      data_center: dcConfig(s, "basic", { repositories: ["PLAT/web-portal", "OPS/runbooks"] }),
    };
    const first = await readInProcess(config, [DC_PR_STREAM]);
    const state = structuredClone(first.states.get(DC_PR_STREAM)!);
    partitions(state)["OPS/runbooks"] = { updated_date: Date.parse("2999-01-01T00:00:00Z") };
    partitions(state)["PLAT/web-portal"] = { updated_date: "yesterday" };
    const second = await readInProcess(config, [DC_PR_STREAM], new Map([[DC_PR_STREAM, state]]));
    expect(second.code).toBe(0);
    expect(
      second.logs.some(
        (l) =>
          l.level === "WARN" &&
          l.message.includes("OPS/runbooks: the state's cursor 2999-01-01T00:00:00.000Z"),
      ),
    ).toBe(true);
    expect(
      second.logs.some(
        (l) => l.level === "WARN" && l.message.includes("the state of PLAT/web-portal is malformed"),
      ),
    ).toBe(true);
    const got = (second.records.get(DC_PR_STREAM) ?? []).map(dcPrKey);
    const truth = s
      .truth()
      .dcPullRequests.filter((t) => t.repo_slug === "runbooks" || t.repo_slug === "web-portal")
      .map(dcPrKey);
    expect(new Set(got)).toEqual(new Set(truth));
    expect(
      Number(partitions(second.states.get(DC_PR_STREAM))["OPS/runbooks"]?.updated_date),
    ).toBeLessThanOrEqual(s.now().getTime() + 60_000);
  });

  it("fails only the repository whose list or commits have a value of unusable shape, naming the field", async () => {
    const s = await start();
    s.injectFault({
      route: "dc.pullrequests",
      repository: "PLAT/build-tools",
      kind: "corrupt-value",
      valueIndex: 2,
      field: "updatedDate",
      value: "yesterday",
      times: Number.POSITIVE_INFINITY,
    });
    s.injectFault({
      route: "dc.pullrequest_commits",
      repository: "OPS/runbooks",
      kind: "corrupt-value",
      field: "id",
      times: Number.POSITIVE_INFINITY,
    });
    const r = await readInProcess({ data_center: dcConfig(s), retry: FAST_RETRY }, [DC_PR_STREAM]);
    expect(r.code).toBe(1);
    expect(r.statuses.get(DC_PR_STREAM)?.at(-1)).toBe("INCOMPLETE");
    const message = r.errors[0]?.message ?? "";
    expect(message).toMatch(/PLAT\/build-tools: unexpected_response: .*values\.2\.updatedDate/);
    expect(message).toMatch(/OPS\/runbooks: unexpected_response: .*values\.0\.id/);
    const got = new Set((r.records.get(DC_PR_STREAM) ?? []).map(dcPrKey));
    for (const t of s
      .truth()
      .dcPullRequests.filter((t) => t.repo_slug !== "build-tools" && t.repo_slug !== "runbooks"))
      expect(got.has(dcPrKey(t))).toBe(true);
    expect(partitions(r.states.get(DC_PR_STREAM))["PLAT/build-tools"]).toBeUndefined();
  });

  it("never moves the cursor past a pull request whose commits could not be read, whatever the list's order", async () => {
    const s = await start({ dcPullRequestOrder: "updated" });
    const config = {
      data_center: dcConfig(s, "basic", { repositories: ["PLAT/api-gateway"] }),
      retry: FAST_RETRY,
    };
    const prs = s.dc
      .pullRequests("PLAT", "api-gateway")
      .filter((p) => p.commitsStatus === 200 && p.commits > 0);
    const middle = [...prs].sort((a, b) => a.updatedDate - b.updatedDate)[Math.floor(prs.length / 2)]!;
    s.injectFault({
      route: new RegExp(`/pull-requests/${middle.id}/commits`),
      kind: "503",
      times: Number.POSITIVE_INFINITY,
    });
    const first = await readInProcess(config, [DC_PR_STREAM]);
    expect(first.code).toBe(1);
    const cursor = Number(partitions(first.states.get(DC_PR_STREAM))["PLAT/api-gateway"]?.updated_date);
    expect(cursor).toBeLessThan(middle.updatedDate);
    s.clearFaults();
    const second = await readInProcess(
      config,
      [DC_PR_STREAM],
      new Map([[DC_PR_STREAM, first.states.get(DC_PR_STREAM)]]),
    );
    expect(second.code).toBe(0);
    const all = new Set(
      [...(first.records.get(DC_PR_STREAM) ?? []), ...(second.records.get(DC_PR_STREAM) ?? [])].map(dcPrKey),
    );
    for (const t of s.truth().dcPullRequests.filter((t) => t.repo_slug === "api-gateway"))
      expect(all.has(dcPrKey(t))).toBe(true);
  });
});
