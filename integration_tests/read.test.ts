import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSchema, schemaErrors } from "../test/helpers/protocol.js";
import {
  errors,
  lastStates,
  logs,
  type Message,
  recordCountsPerState,
  records,
  runRead,
  states,
  statuses,
} from "./helpers/cli.js";
import {
  CLOUD_STREAM,
  catalog,
  cloudConfig,
  cloudKey,
  DC_STREAM,
  dcConfig,
  dcKey,
  simSecrets,
} from "./helpers/configs.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

const schemaOf = (stream: string) =>
  compileSchema(
    JSON.parse(readFileSync(new URL(`../schemas/${stream}.json`, import.meta.url), "utf8")) as object,
  );
const validators = { [CLOUD_STREAM]: schemaOf(CLOUD_STREAM), [DC_STREAM]: schemaOf(DC_STREAM) };

let sim: Simulator;
/** What the simulator holds, for the configured workspace ("acme"). */
const truth = () => {
  const t = sim.truth();
  return { cloud: t.cloud.filter((c) => c.workspace === "acme"), dc: t.dc };
};
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

async function read(
  config: Record<string, unknown>,
  streams: string[],
  opts: { state?: unknown; mode?: "incremental" | "full_refresh" } = {},
) {
  const r = await runRead(config, catalog(streams, opts.mode), opts);
  for (const s of simSecrets(sim)) expect(r.stdout + r.stderr).not.toContain(s);
  return r;
}

function expectExactCounts(ms: Message[], stream: string): void {
  const counts = recordCountsPerState(ms, stream);
  expect(counts.exact).toBe(true);
  expect(counts.total).toBe(records(ms, stream).length);
}

describe("read (full refresh and first incremental read)", () => {
  it("emits every commit of both deployments exactly once, valid against the schemas, with statuses and exact state counts", async () => {
    const r = await read({ cloud: cloudConfig(sim), data_center: dcConfig(sim) }, [CLOUD_STREAM, DC_STREAM], {
      mode: "full_refresh",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const expected = truth();

    const cloud = records(r.messages, CLOUD_STREAM);
    const cloudKeys = cloud.map(cloudKey);
    expect(new Set(cloudKeys).size).toBe(cloudKeys.length);
    expect(new Set(cloudKeys)).toEqual(new Set(expected.cloud.map(cloudKey)));

    const dc = records(r.messages, DC_STREAM);
    const dcKeys = dc.map(dcKey);
    expect(new Set(dcKeys).size).toBe(dcKeys.length);
    expect(new Set(dcKeys)).toEqual(new Set(expected.dc.map(dcKey)));

    // Context fields and the cursor are what the simulator says they are.
    const cloudTruth = new Map(expected.cloud.map((t) => [cloudKey(t), t]));
    for (const rec of cloud)
      expect(rec.pull_request_updated_on).toBe(cloudTruth.get(cloudKey(rec))?.pull_request_updated_on);
    const dcTruth = new Map(expected.dc.map((t) => [dcKey(t), t]));
    for (const rec of dc) {
      expect(rec.branch).toBe(dcTruth.get(dcKey(rec))?.branch);
      expect(rec.committerTimestamp).toBe(dcTruth.get(dcKey(rec))?.committerTimestamp);
    }
    // Non-main default branches are read, not assumed.
    expect(new Set(dc.map((d) => d.branch))).toEqual(new Set(expected.dc.map((t) => t.branch)));
    expect([...new Set(dc.map((d) => d.branch))].some((b) => b !== "main" && b !== "master")).toBe(true);

    for (const [stream, recs] of [
      [CLOUD_STREAM, cloud],
      [DC_STREAM, dc],
    ] as const) {
      const validate = validators[stream];
      for (const rec of recs)
        if (!validate(rec)) throw new Error(`${stream} record invalid: ${schemaErrors(validate)}`);
      expect(statuses(r.messages, stream)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
      expect(states(r.messages, stream).length).toBeGreaterThanOrEqual(1);
      expectExactCounts(r.messages, stream);
    }
    // Real payload shapes: unmapped Cloud authors have no user, unmapped DC authors only name + e-mail.
    expect(cloud.some((c) => c.author && c.author.user === undefined)).toBe(true);
    expect(dc.some((d) => Object.keys(d.author).sort().join() === "emailAddress,name")).toBe(true);
    // 404 and empty pull requests are skipped with a warning, empty repositories with a note.
    expect(logs(r.messages, "WARN").some((l) => l.includes("answer 404"))).toBe(true);
    expect(logs(r.messages, "WARN").some((l) => l.includes("lists no commits"))).toBe(true);
    expect(logs(r.messages, "INFO").some((l) => l.includes("empty repository"))).toBe(true);
  });

  it.each([
    [
      "cloud API token",
      () => ({ cloud: cloudConfig(sim, "api_token", { repositories: ["api-gateway"] }) }),
      CLOUD_STREAM,
      false,
    ],
    ["DC personal access token", () => ({ data_center: dcConfig(sim, "personal_token") }), DC_STREAM, false],
    ["DC project HTTP access token", () => ({ data_center: dcConfig(sim, "http_token") }), DC_STREAM, true],
  ])("reads with the %s", async (_, config, stream, projectScoped) => {
    const r = await read(config(), [stream]);
    expect(r.code).toBe(0);
    expect(records(r.messages, stream).length).toBeGreaterThan(0);
    expect(statuses(r.messages, stream)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    if (projectScoped) {
      // A project-scoped token sees only its project.
      const projects = new Set(records(r.messages, stream).map((d) => d.project_key));
      expect(projects).toEqual(new Set([sim.credentials.dc.httpAccessTokenProjectKey]));
    }
  });

  it("reads only the configured streams, and only the selected pull-request states and repositories", async () => {
    const r = await read(
      {
        cloud: cloudConfig(sim, "access_token", {
          pull_request_states: ["MERGED"],
          repositories: ["api-gateway", "billing-service"],
        }),
      },
      [CLOUD_STREAM],
    );
    expect(r.code).toBe(0);
    expect(statuses(r.messages, DC_STREAM)).toEqual([]);
    const merged = new Set(
      ["api-gateway", "billing-service"].flatMap((slug) =>
        sim.cloud
          .pullRequests("acme", slug)
          .filter((p) => p.state === "MERGED" && p.commitsStatus === 200)
          .map((p) => `${slug}#${p.id}`),
      ),
    );
    const got = new Set(records(r.messages, CLOUD_STREAM).map((c) => `${c.repo_slug}#${c.pull_request_id}`));
    for (const pr of got) expect(merged.has(pr)).toBe(true);
    expect(got.size).toBeGreaterThan(0);
  });

  it("applies start_date: Cloud pull requests updated since, Data Center commits committed since", async () => {
    const start = "2026-01-01T00:00:00Z";
    const r = await read({ cloud: cloudConfig(sim), data_center: dcConfig(sim), start_date: start }, [
      CLOUD_STREAM,
      DC_STREAM,
    ]);
    expect(r.code).toBe(0);
    const expected = truth();
    const since = Date.parse(start);
    const cloudWant = new Set(
      expected.cloud.filter((t) => Date.parse(t.pull_request_updated_on) >= since).map(cloudKey),
    );
    expect(new Set(records(r.messages, CLOUD_STREAM).map(cloudKey))).toEqual(cloudWant);
    const dcWant = new Set(expected.dc.filter((t) => t.committerTimestamp >= since).map(dcKey));
    expect(new Set(records(r.messages, DC_STREAM).map(dcKey))).toEqual(dcWant);
    expect(cloudWant.size).toBeGreaterThan(0);
    expect(cloudWant.size).toBeLessThan(expected.cloud.length);
    // The filter is applied by Bitbucket (q= with %2B for the offset), not only after the fact.
    const prLists = sim.requests().filter((q) => q.route === "cloud.pullrequests" && q.path.includes("q="));
    expect(prLists.length).toBeGreaterThan(0);
    expect(prLists.every((q) => q.status === 200)).toBe(true);
  });

  it("reads start_date given as a bare date or with an offset as the same instant", async () => {
    const want = (r: Awaited<ReturnType<typeof read>>) =>
      [
        ...records(r.messages, CLOUD_STREAM).map(cloudKey),
        ...records(r.messages, DC_STREAM).map(dcKey),
      ].sort();
    const at = (start_date: string) =>
      read({ cloud: cloudConfig(sim), data_center: dcConfig(sim), start_date }, [CLOUD_STREAM, DC_STREAM]);
    const utc = await at("2026-01-01T00:00:00Z");
    const bare = await at("2026-01-01");
    const offset = await at("2026-01-01T02:00:00+02:00");
    expect(bare.code).toBe(0);
    expect(offset.code).toBe(0);
    expect(want(bare)).toEqual(want(utc));
    expect(want(offset)).toEqual(want(utc));
    expect(want(utc).length).toBeGreaterThan(0);
  });

  it("isolates a failing stream: the other completes, the failed one ends INCOMPLETE with an error, exit is non-zero", async () => {
    const r = await read(
      {
        cloud: cloudConfig(sim, "access_token", {
          credentials: { auth_type: "access_token", access_token: "revoked-token" },
        }),
        data_center: dcConfig(sim),
      },
      [CLOUD_STREAM, DC_STREAM],
    );
    expect(r.code).toBe(1);
    expect(statuses(r.messages, CLOUD_STREAM)).toEqual(["STARTED", "RUNNING", "INCOMPLETE"]);
    expect(statuses(r.messages, DC_STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    const [error] = errors(r.messages);
    expect(error).toMatchObject({ failure_type: "config_error", stream_descriptor: { name: CLOUD_STREAM } });
    expect(error?.message).toMatch(/^invalid_credentials: /);
    expect(records(r.messages, DC_STREAM).length).toBe(truth().dc.length);
  });

  it("resumes from its own state: a second read with nothing changed emits no record", async () => {
    const config = { cloud: cloudConfig(sim), data_center: dcConfig(sim) };
    const first = await read(config, [CLOUD_STREAM, DC_STREAM]);
    const second = await read(config, [CLOUD_STREAM, DC_STREAM], { state: lastStates(first.messages) });
    expect(second.code).toBe(0);
    expect(records(second.messages)).toEqual([]);
    for (const s of [CLOUD_STREAM, DC_STREAM]) {
      expect(statuses(second.messages, s)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
      expect(states(second.messages, s).length).toBeGreaterThanOrEqual(1);
    }
  });
});
