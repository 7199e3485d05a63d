import { afterEach, describe, expect, it } from "vitest";
import { assertValidMessage } from "../test/helpers/protocol.js";
import {
  errors,
  lastStates,
  logs,
  type Message,
  recordCountsPerState,
  records,
  runCli,
  runRead,
  statuses,
  writeFiles,
} from "./helpers/cli.js";
import {
  BOTH,
  CLOUD_BRANCH_STREAM,
  CLOUD_STREAM,
  catalog,
  cloudBranchKey,
  cloudConfig,
  cloudKey,
  DC_STREAM,
  dcConfig,
  dcKey,
  FAST_RETRY,
} from "./helpers/configs.js";
import { PEAK_RSS, peakRssMb } from "./helpers/memory.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "./simulator/index.js";

// One test per row of the issue "One fault stays one fault": a hostile server (the simulator's
// hostile fault kinds) aimed at one repository, and the connector keeping that fault to it.

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(opts: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator(opts);
  return sim;
}

type Json = Record<string, unknown>;

/** Both deployments, fast retries and a 1 s request timeout: a fault costs seconds, not minutes. */
function config(s: Simulator, extra: Json = {}): Json {
  return {
    cloud: cloudConfig(s),
    data_center: dcConfig(s),
    retry: FAST_RETRY,
    request_timeout_seconds: 1,
    ...extra,
  };
}

/** Some Cloud repositories (of acme) and Data Center projects: a run that costs less than a full read. */
interface Part {
  cloud: string[];
  dc: string[];
}

/** `config` for a part of each deployment; `cloud` and `data_center` in `extra` are merged in. */
function partConfig(s: Simulator, part: Part, extra: Json = {}): Json {
  const { cloud, data_center, ...rest } = extra;
  return config(s, {
    cloud: { ...cloudConfig(s), ...(cloud as Json | undefined), repositories: part.cloud },
    data_center: { ...dcConfig(s), ...(data_center as Json | undefined), projects: part.dc },
    ...rest,
  });
}

/** What the simulator holds for a part, as record keys, leaving out the repositories `except`. */
function partTruth(s: Simulator, part: Part, except: string[] = []): { cloud: Set<string>; dc: Set<string> } {
  const t = s.truth();
  const cloud = t.cloud.filter(
    (c) =>
      c.workspace === "acme" && part.cloud.includes(c.repo_slug) && !except.includes(`acme/${c.repo_slug}`),
  );
  const dc = t.dc.filter(
    (d) => part.dc.includes(d.project_key) && !except.includes(`${d.project_key}/${d.repo_slug}`),
  );
  return { cloud: new Set(cloud.map(cloudKey)), dc: new Set(dc.map(dcKey)) };
}

/** The records of a run as keys, per stream. */
function emitted(ms: Message[]): { cloud: Set<string>; dc: Set<string> } {
  return {
    cloud: new Set(records(ms, CLOUD_STREAM).map(cloudKey)),
    dc: new Set(records(ms, DC_STREAM).map(dcKey)),
  };
}

/** The final STATE entries of a stream, by partition. */
function finalEntries(ms: Message[], stream: string): Record<string, unknown> {
  const last = lastStates(ms).find((s) => s.stream.stream_descriptor.name === stream);
  return (last?.stream.stream_state.partitions ?? {}) as Record<string, unknown>;
}

/** A measured figure (memory, requests, time), printed when HOSTILE_FIGURES is set. */
const figure = (text: string) => {
  if (process.env.HOSTILE_FIGURES) console.log(text);
};

const repoOf = (r: Message) => `${r.project_key ?? r.workspace}/${r.repo_slug}`;

/** A stream that ended INCOMPLETE for the partitions `failed`, each named in a WARN, and nothing else. */
function expectPartitionsFailed(ms: Message[], stream: string, failed: string[]): void {
  expect(statuses(ms, stream).at(-1)).toBe("INCOMPLETE");
  const error = errors(ms).find((e) => e.stream_descriptor?.name === stream);
  expect(error?.message).toContain(
    `${failed.length} ${failed.length === 1 ? "repository" : "repositories"} could not be read`,
  );
  const warned = logs(ms, "WARN").filter((l) => l.includes(" could not be read: "));
  for (const key of failed)
    expect(warned.some((l) => l.startsWith(`${stream}: ${key} could not be read`))).toBe(true);
  expect(warned.filter((l) => l.startsWith(`${stream}: `)).length).toBe(failed.length);
  const counts = recordCountsPerState(ms, stream);
  expect(counts.exact).toBe(true);
}

describe("one fault stays one fault: Cloud main branches", () => {
  it("a reset, a truncated body, a 5xx, an invalid commit and endless pages fail their repository only; the next sync reads those whole", async () => {
    const s = await start();
    const faults: Record<string, Json> = {
      "acme/billing-service": { kind: "reset" },
      "acme/checkout-web": { kind: "truncate" },
      "acme/design-system": { kind: "503" },
      "acme/docs-site": { kind: "corrupt-value", field: "hash", value: 42 },
      "acme/data-pipeline": { kind: "endless-pages" },
    };
    for (const [repository, f] of Object.entries(faults))
      s.injectFault({
        ...f,
        kind: f.kind as "503",
        route: "cloud.commits",
        repository,
        times: Number.POSITIVE_INFINITY,
      });
    const cfg = { cloud: cloudConfig(s), retry: FAST_RETRY, request_timeout_seconds: 1 };
    const first = await runRead(cfg, catalog([CLOUD_BRANCH_STREAM]));
    expect(first.code).toBe(1);
    const failed = Object.keys(faults);
    expectPartitionsFailed(first.messages, CLOUD_BRANCH_STREAM, failed);
    const truth = s.truth().cloudBranch.filter((t) => t.workspace === "acme");
    const isFailed = (t: { repo_slug?: unknown }) => failed.includes(`acme/${String(t.repo_slug)}`);
    const got = records(first.messages, CLOUD_BRANCH_STREAM);
    // The healthy repositories whole; of the failed ones, at most what their first pages held.
    expect(new Set(got.filter((r) => !isFailed(r)).map(cloudBranchKey))).toEqual(
      new Set(truth.filter((t) => !isFailed(t)).map(cloudBranchKey)),
    );
    const entries = finalEntries(first.messages, CLOUD_BRANCH_STREAM);
    for (const key of failed.filter((k) => k !== "acme/data-pipeline"))
      expect(entries[key], key).toBeUndefined();

    // The server mends its ways: the failed repositories are read, the healthy ones not again; a
    // stored next link the server refuses (data-pipeline's) starts that repository over.
    s.clearFaults();
    const second = await runRead(cfg, catalog([CLOUD_BRANCH_STREAM]), { state: lastStates(first.messages) });
    expect(second.code).toBe(0);
    const again = records(second.messages, CLOUD_BRANCH_STREAM);
    expect(again.every(isFailed)).toBe(true);
    expect(logs(second.messages, "WARN").join("\n")).toContain(
      "acme/data-pipeline: the interrupted read cannot resume",
    );
    const union = new Set([...got, ...again].map(cloudBranchKey));
    expect(union).toEqual(new Set(truth.map(cloudBranchKey)));
  });
});

describe("one fault stays one fault", () => {
  it("row 1: a request slower than the timeout, a reset, a bad body, a 5xx and an invalid payload fail their repository only; the rest is read and the failed ones keep their checkpoints", async () => {
    const s = await start();
    const first = await runRead(config(s), catalog(BOTH));
    expect(first.code).toBe(0);
    const before = finalEntries(first.messages, DC_STREAM);

    // New commits everywhere, then five Data Center repositories break, each its own way, and one
    // Cloud repository answers byte by byte, slower than the timeout allows.
    const pushed = new Map<string, string[]>();
    for (const r of s.dc.repositories().filter((r) => r.defaultBranch !== null))
      pushed.set(`${r.projectKey}/${r.slug}`, s.dc.push(r.projectKey, r.slug, 3));
    const broken: Record<string, Parameters<Simulator["injectFault"]>[0]> = {
      "PLAT/web-portal": { kind: "slow-headers", delayMs: 5_000 },
      "OPS/monitoring": { kind: "reset" },
      "SEC/audit-logs": { kind: "truncate" },
      "OPS/runbooks": { kind: "503" },
      "DATA/etl-jobs": { kind: "corrupt-value", field: "committerTimestamp", value: "yesterday" },
    };
    for (const [repository, fault] of Object.entries(broken))
      s.injectFault({ ...fault, route: "dc.commits", repository, times: Number.POSITIVE_INFINITY });
    s.injectFault({
      kind: "slow-body",
      route: "cloud.pullrequests",
      repository: "acme/billing-service",
      chunkBytes: 64,
      intervalMs: 200,
      times: Number.POSITIVE_INFINITY,
    });

    const t0 = Date.now();
    const dcState = lastStates(first.messages).filter((m) => m.stream.stream_descriptor.name === DC_STREAM);
    // A 2 s timeout (the simulator shares the test's process: a loaded machine must not make the
    // healthy slow), and three attempts per request.
    const slow = config(s, { request_timeout_seconds: 2, retry: { ...FAST_RETRY, max_retries: 2 } });
    const r = await runRead(slow, catalog(BOTH), { state: dcState });
    const elapsed = Date.now() - t0;
    expect(r.code).toBe(1);

    // Data Center: exactly the new commits of every repository that answers, none of the broken.
    const failed = Object.keys(broken);
    expectPartitionsFailed(r.messages, DC_STREAM, failed);
    const expected = [...pushed]
      .filter(([k]) => !failed.includes(k))
      .flatMap(([k, ids]) => ids.map((id) => `${k}@${id}`));
    expect(new Set(records(r.messages, DC_STREAM).map(dcKey))).toEqual(new Set(expected));
    expect(records(r.messages, DC_STREAM).length).toBe(expected.length);
    const after = finalEntries(r.messages, DC_STREAM);
    for (const key of failed) expect(after[key]).toEqual(before[key]);
    for (const key of pushed.keys()) if (!failed.includes(key)) expect(after[key]).not.toEqual(before[key]);

    // Cloud (read in full): every repository but the slow one.
    expectPartitionsFailed(r.messages, CLOUD_STREAM, ["acme/billing-service"]);
    const cloudTruth = s
      .truth()
      .cloud.filter((c) => c.workspace === "acme" && c.repo_slug !== "billing-service")
      .map(cloudKey);
    expect(new Set(records(r.messages, CLOUD_STREAM).map(cloudKey))).toEqual(new Set(cloudTruth));
    expect(records(r.messages, CLOUD_STREAM).map(repoOf)).not.toContain("acme/billing-service");
    expect(finalEntries(r.messages, CLOUD_STREAM)["acme/billing-service"]).toBeUndefined();
    expect(logs(r.messages, "WARN").join("\n")).toMatch(/no complete answer within 2\.0 s/);
    // Three attempts of 2 s for the slow ones, run side by side with the rest.
    expect(elapsed).toBeLessThan(30_000);
  });

  it("row 2: an outage (every repository answering 503, forever) ends the stream in bounded requests and time, with a transient error that says when the server was last healthy", async () => {
    // A thousand repositories with a commit or three each; the listing answers, then every request
    // about a repository is a 503.
    const s = await start({
      scale: {
        cloud: { workspaces: [{ name: "acme", repos: 1 }], prsPerRepo: [1, 1], commitsPerPr: [1, 1] },
        dc: { projects: 10, reposPerProject: 100, commitsPerRepo: [1, 3] },
      },
    });
    s.injectFault({ route: /\/repos\/[^/?]+\//, kind: "503", times: Number.POSITIVE_INFINITY });
    const t0 = Date.now();
    const r = await runRead(
      {
        data_center: dcConfig(s),
        // The default 8 retries each, quick backoffs, and a 2 s outage window.
        retry: { initial_backoff_seconds: 0.2, max_backoff_seconds: 1, outage_seconds: 2 },
      },
      catalog([DC_STREAM]),
    );
    const elapsed = Date.now() - t0;
    expect(r.code).toBe(1);
    expect(statuses(r.messages, DC_STREAM).at(-1)).toBe("INCOMPLETE");
    const [error] = errors(r.messages);
    expect(error?.failure_type).toBe("transient_error");
    expect(error?.message).toMatch(/looks down: every request for [\d.]+ s failed/);
    expect(error?.message).toMatch(/its last healthy answer was at \d{4}-\d\d-\d\dT/);
    // Without the breaker: 1,000 repositories x 9 attempts, minutes of backoff.
    const attempts = s.requests().filter((q) => q.fault === "503");
    const repositories = new Set(attempts.map((q) => /\/repos\/([^/?]+)\//.exec(q.path)?.[1]));
    expect(attempts.length).toBeLessThan(300);
    expect(repositories.size).toBeLessThan(60);
    expect(elapsed).toBeLessThan(20_000);
    // Still a final STATE (nothing was read, so nothing in it), after which the stream ends.
    expect(lastStates(r.messages).length).toBe(1);
    figure(`row 2: ${attempts.length} failed requests on ${repositories.size} repositories in ${elapsed} ms`);
  });

  it("row 3: an endless body and 500 MB pages (with and without Content-Length) fail their repository at max_response_mb, in bounded memory", async () => {
    const s = await start();
    s.injectFault({ kind: "endless-body", route: "dc.commits", repository: "PLAT/web-portal", times: 99 });
    const big = { kind: "huge-page", route: "cloud.pullrequests", bytes: 500 * 1_048_576 } as const;
    s.injectFault({ ...big, repository: "acme/checkout-web", chunked: true, times: 99 });
    s.injectFault({ ...big, repository: "acme/design-system", times: 99 });
    // Time enough for 32 MB from a simulator in the test's own process, however loaded the machine.
    const part = { cloud: ["checkout-web", "design-system", "ios-app", "docs-site"], dc: ["PLAT", "SEC"] };
    const r = await runRead(partConfig(s, part, { request_timeout_seconds: 30 }), catalog(BOTH), {
      nodeArgs: PEAK_RSS,
    });
    expect(r.code).toBe(1);
    const rss = peakRssMb(r.stderr);
    expect(rss).toBeLessThan(400);

    expectPartitionsFailed(r.messages, DC_STREAM, ["PLAT/web-portal"]);
    expectPartitionsFailed(r.messages, CLOUD_STREAM, ["acme/checkout-web", "acme/design-system"]);
    const warnings = logs(r.messages, "WARN").join("\n");
    expect(warnings).toContain("with a body larger than 32 MB, the max_response_mb limit");
    const failed = ["PLAT/web-portal", "acme/checkout-web", "acme/design-system"];
    expect(emitted(r.messages)).toEqual(partTruth(s, part, failed));
    // An oversized answer is not retried: each was asked for once.
    expect(s.requests().filter((q) => q.fault).length).toBe(3);
    figure(`row 3: peak RSS ${rss.toFixed(0)} MB`);
  });

  it("row 4: endless pages (Cloud: a new next link to the same page; Data Center: isLastPage false for ever) fail their repository without checkpointing the loop; the next sync reads it whole", async () => {
    const s = await start();
    const endless = { kind: "endless-pages", times: Number.POSITIVE_INFINITY } as const;
    s.injectFault({ ...endless, route: "dc.commits", repository: "PLAT/api-gateway" });
    s.injectFault({ ...endless, route: "cloud.pullrequest_commits", repository: "acme/data-pipeline" });
    s.injectFault({ ...endless, route: "cloud.pullrequests", repository: "acme/docs-site" });
    const part = { cloud: ["data-pipeline", "docs-site", "ios-app", "checkout-web"], dc: ["PLAT", "OPS"] };
    const r = await runRead(partConfig(s, part), catalog(BOTH));
    expect(r.code).toBe(1);
    expectPartitionsFailed(r.messages, DC_STREAM, ["PLAT/api-gateway"]);
    expectPartitionsFailed(r.messages, CLOUD_STREAM, ["acme/data-pipeline", "acme/docs-site"]);
    expect(logs(r.messages, "WARN").join("\n")).toMatch(
      /the list does not end \(.*repeats a page already read/,
    );
    expect(logs(r.messages, "WARN").join("\n")).toMatch(
      /the list does not end \(\d+ pages in a row without any item/,
    );

    // Data Center: the pages that held commits were checkpointed, the empty ones after them not.
    const gateway = s.dc.repositories().find((d) => d.slug === "api-gateway")!;
    const entry = finalEntries(r.messages, DC_STREAM)["PLAT/api-gateway"] as { pending?: { start: number } };
    expect(entry.pending?.start).toBeGreaterThan(0);
    expect(entry.pending?.start).toBeLessThanOrEqual(Math.ceil(gateway.commits / 1000) * 1000);
    // About a hundred empty pages, not a hundred thousand.
    expect(s.stats().byRoute["dc.commits"]).toBeLessThan(200);
    // Cloud: the failed repositories have no cursor.
    const cloudEntries = finalEntries(r.messages, CLOUD_STREAM);
    expect(cloudEntries["acme/data-pipeline"]).toBeUndefined();
    expect(cloudEntries["acme/docs-site"]).toBeUndefined();

    // The server mends its ways: the next sync resumes Data Center where it stopped, and
    // together the two syncs hold every commit once.
    s.clearFaults();
    const next = await runRead(partConfig(s, part), catalog(BOTH), { state: lastStates(r.messages) });
    expect(next.code).toBe(0);
    const dc = [...records(r.messages, DC_STREAM), ...records(next.messages, DC_STREAM)].map(dcKey);
    expect(new Set(dc).size).toBe(dc.length);
    const both = emitted([...r.messages, ...next.messages]);
    expect(both).toEqual(partTruth(s, part));
  });

  it("row 5: a record nested 100,000 deep is passed on whole, and a page of 1,000,000 tiny values is read in memory proportional to it", async () => {
    const s = await start();
    const MANY = 1_000_000;
    s.injectFault({ kind: "many-values", route: "dc.commits", repository: "PLAT/web-portal", count: MANY });
    s.injectFault({ kind: "deep-nesting", route: "dc.commits", repository: "DATA/etl-jobs", depth: 100_000 });
    s.injectFault({
      kind: "deep-nesting",
      route: "cloud.pullrequest_commits",
      repository: "acme/ios-app",
      depth: 100_000,
    });
    // The million values take 85 MB: more than the default max_response_mb, and more than a second.
    const kept: Message[] = [];
    let many = 0;
    let deepest = 0;
    const part = { cloud: ["ios-app", "checkout-web"], dc: ["PLAT", "DATA"] };
    const r = await runRead(
      partConfig(s, part, { max_response_mb: 128, request_timeout_seconds: 60 }),
      catalog(BOTH),
      {
        nodeArgs: PEAK_RSS,
        onLine: (line) => {
          // The million are counted, each a whole line, without parsing a million lines here.
          if (line.startsWith('{"type":"RECORD"') && line.includes('"repo_slug":"web-portal"')) {
            if (line.endsWith("}}}")) many++;
            return;
          }
          const m = JSON.parse(line) as Message;
          if (m.type === "RECORD" && m.record.data.nested !== undefined) {
            deepest = Math.max(deepest, depthOf(m.record.data.nested));
            m.record.data.nested = "(checked)";
          }
          assertValidMessage(m);
          kept.push(m);
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const rss = peakRssMb(r.stderr);
    // Proportional: the page's own 85 MB, its item spans, and the garbage a million records leave
    // before a collector that shares two busy cores catches up (241–305 MB idle, 415 MB seen in CI).
    // Before pages were scanned rather than parsed whole, a page a quarter this size took 1 GB.
    expect(rss).toBeLessThan(7 * 85);
    for (const stream of BOTH) expect(statuses(kept, stream)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    expect(many).toBe(MANY);
    expect(deepest).toBe(100_000);
    expect(emitted(kept)).toEqual(partTruth(s, part, ["PLAT/web-portal"]));
    figure(`row 5: peak RSS ${rss.toFixed(0)} MB`);
  });

  it("row 6: a 429 with Retry-After -1, garbage or 3,000 years away waits the rate-limit step, as without one", async () => {
    const s = await start();
    const odd = ["-1", "soon", "99999999999"];
    for (const retryAfter of odd) s.injectFault({ kind: "429", route: "dc.commits", retryAfter });
    const stepMs = 250;
    const r = await runRead(
      config(s, {
        cloud: undefined,
        data_center: dcConfig(s, "basic", { projects: ["PLAT"] }),
        // One request at a time: each 429 begins its own pause.
        max_concurrency: 1,
        retry: { ...FAST_RETRY, rate_limit_step_seconds: stepMs / 1000, max_rate_limit_wait_seconds: 60 },
      }),
      catalog([DC_STREAM]),
    );
    expect(r.code).toBe(0);
    expect(new Set(records(r.messages, DC_STREAM).map(dcKey))).toEqual(
      new Set(
        s
          .truth()
          .dc.filter((t) => t.project_key === "PLAT")
          .map(dcKey),
      ),
    );
    const pauses = logs(r.messages, "WARN").filter((l) => l.includes("429 Too Many Requests"));
    expect(pauses.length).toBe(odd.length);
    for (const p of pauses) expect(p).toContain("(no usable Retry-After");
    // One RATE_LIMITED status per pause, each announcing a wait of the step (it doubles while
    // 429s go on), neither "now" (a date in the past) nor centuries away.
    const limited = r.messages.filter((m) => m.trace?.stream_status?.reasons?.[0]?.type === "RATE_LIMITED");
    expect(limited.length).toBe(odd.length);
    for (const m of limited) {
      const wait = m.trace.stream_status.reasons[0].rate_limited.quota_reset - m.trace.emitted_at;
      expect(wait).toBeGreaterThan(stepMs - 50);
      expect(wait).toBeLessThan(8 * stepMs + 100);
    }
    expect(s.requests().filter((q) => q.status === 429).length).toBe(odd.length);
  });

  it("row 8: a URL with user info is a config error that does not echo it; credentials a server echoes back, in an error or in a page, come out masked in the form sent, in logs and in records", async () => {
    const s = await start();
    const withUserInfo = config(s, {
      data_center: dcConfig(s, "basic", { url: s.dcUrl.replace("://", "://jane:url-pass-1234@") }),
    });
    const bad = await runCli(["check", "--config", writeFiles({ "c.json": withUserInfo })["c.json"]!]);
    const status = bad.messages.find((m) => m.type === "CONNECTION_STATUS")?.connectionStatus;
    expect(status?.status).toBe("FAILED");
    expect(status?.message).toContain("data_center.url: must not contain a user name or password");
    expect(bad.stdout + bad.stderr).not.toContain("url-pass-1234");

    // An API token with spaces around its e-mail (sent trimmed); the server echoes requests of
    // both deployments into an error and into a page.
    const cloud = s.credentials.cloud.apiToken;
    const dc = s.credentials.dc;
    s.injectFault({ kind: "echo-error", route: "cloud.pullrequests", repository: "acme/ios-app" });
    s.injectFault({ kind: "echo-200", route: "cloud.pullrequest_commits", repository: "acme/checkout-web" });
    s.injectFault({ kind: "echo-error", route: "dc.commits", repository: "PLAT/web-portal" });
    s.injectFault({ kind: "echo-200", route: "dc.commits", repository: "PLAT/build-tools" });
    const part = { cloud: ["ios-app", "checkout-web", "design-system"], dc: ["PLAT"] };
    const echoed = partConfig(s, part, {
      cloud: { credentials: { auth_type: "api_token", email: `  ${cloud.email} `, api_token: cloud.token } },
    });
    const r = await runRead(echoed, catalog(BOTH));
    expect(r.code).toBe(1);
    expectPartitionsFailed(r.messages, CLOUD_STREAM, ["acme/ios-app"]);
    expectPartitionsFailed(r.messages, DC_STREAM, ["PLAT/web-portal"]);
    expect(emitted(r.messages)).toEqual(partTruth(s, part, ["acme/ios-app", "PLAT/web-portal"]));
    const sent = [
      Buffer.from(`${cloud.email}:${cloud.token}`).toString("base64"),
      Buffer.from(`${dc.username}:${dc.password}`).toString("base64"),
    ];
    for (const secret of sent) expect(r.stdout + r.stderr).not.toContain(secret);
    // The echoes are there, masked: in the WARN of each failed repository, and in the records.
    const warnings = logs(r.messages, "WARN").join("\n");
    expect(warnings).toMatch(/acme\/ios-app could not be read: [\s\S]*authorization: Basic \*\*\*\*/i);
    expect(warnings).toMatch(/PLAT\/web-portal could not be read: [\s\S]*authorization: Basic \*\*\*\*/i);
    const echoes = [...records(r.messages, CLOUD_STREAM), ...records(r.messages, DC_STREAM)].filter((d) =>
      String(d.message).startsWith("GET "),
    );
    expect(echoes.length).toBe(2);
    for (const e of echoes) expect(e.message).toMatch(/authorization: Basic \*\*\*\*/i);
  });

  it("row 12: a misspelled option is warned about with the nearest known one, and the read goes on", async () => {
    const s = await start();
    const r = await runRead(
      { data_center: dcConfig(s, "basic", { projects: ["SEC"] }), requst_timeout_seconds: 5 },
      catalog([DC_STREAM]),
    );
    expect(r.code).toBe(0);
    expect(logs(r.messages, "WARN")).toContain(
      "the config key requst_timeout_seconds is not an option of this connector and is ignored; did you mean request_timeout_seconds?",
    );
    expect(records(r.messages, DC_STREAM).length).toBe(
      s.truth().dc.filter((t) => t.project_key === "SEC").length,
    );
  });
});

/** How many objects deep `{"a":{"a":...}}` goes, counted without recursion. */
function depthOf(value: unknown): number {
  let depth = 0;
  let v = value;
  while (typeof v === "object" && v !== null) {
    depth++;
    v = (v as { a?: unknown }).a;
  }
  return depth;
}
