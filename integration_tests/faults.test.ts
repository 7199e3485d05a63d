import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { errors, logs, type Message, records, runCli, runRead, statuses, writeFiles } from "./helpers/cli.js";
import {
  BOTH,
  CLOUD_BRANCH_STREAM,
  CLOUD_STREAM,
  catalog,
  cloudBranchKey,
  cloudConfig,
  cloudKey,
  DC_PR_STREAM,
  DC_STREAM,
  dcConfig,
  dcKey,
  dcPrKey,
  FAST_RETRY,
} from "./helpers/configs.js";
import { type FaultSpec, type Simulator, type SimulatorOptions, startSimulator } from "./simulator/index.js";

let sim: Simulator | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function start(opts: SimulatorOptions = {}) {
  sim = await startSimulator(opts);
  const config = {
    cloud: cloudConfig(sim),
    data_center: dcConfig(sim),
    retry: FAST_RETRY,
    request_timeout_seconds: 1,
  };
  return { sim, config };
}

function expectEverything(s: Simulator, ms: Message[]): void {
  const truth = s.truth();
  const cloud = records(ms, CLOUD_STREAM).map(cloudKey);
  expect(new Set(cloud)).toEqual(new Set(truth.cloud.filter((c) => c.workspace === "acme").map(cloudKey)));
  const dc = records(ms, DC_STREAM).map(dcKey);
  expect(new Set(dc)).toEqual(new Set(truth.dc.map(dcKey)));
  const prs = records(ms, DC_PR_STREAM).map(dcPrKey);
  expect(new Set(prs)).toEqual(new Set(truth.dcPullRequests.map(dcPrKey)));
  const branch = records(ms, CLOUD_BRANCH_STREAM).map(cloudBranchKey);
  expect(new Set(branch)).toEqual(
    new Set(truth.cloudBranch.filter((c) => c.workspace === "acme").map(cloudBranchKey)),
  );
}

const EVERY = [...BOTH, DC_PR_STREAM, CLOUD_BRANCH_STREAM];

describe("faults", () => {
  it("finishes a full read of every stream through 429s, 503s, 555s, resets, truncated bodies and a hung request", async () => {
    const { sim, config } = await start();
    const faults: FaultSpec[] = [
      { route: "cloud.repositories", kind: "429" },
      { route: "cloud.pullrequests", kind: "429-retry-after-seconds", retryAfterSeconds: 1, times: 2 },
      { route: "cloud.pullrequest_commits", kind: "503", times: 3 },
      { route: "cloud.pullrequest_commits", kind: "reset", times: 2 },
      { route: "cloud.pullrequest_commits", kind: "truncate", times: 2 },
      { route: "cloud.pullrequest_commits", kind: "555" },
      { route: "cloud.repository", kind: "503" },
      { route: "cloud.branch", kind: "reset" },
      { route: "cloud.commits", kind: "truncate", times: 2 },
      { route: "cloud.commits", kind: "429" },
      { route: "cloud.commits", kind: "hang" },
      { route: "dc.projects", kind: "502" },
      { route: "dc.repos", kind: "429-retry-after-date", retryAfterSeconds: 1 },
      { route: "dc.commits", kind: "truncate", times: 2 },
      { route: "dc.commits", kind: "reset" },
      { route: "dc.commits", kind: "hang" },
      { route: "dc.default_branch", kind: "503" },
      { route: "dc.pullrequests", kind: "503" },
      { route: "dc.pullrequests", kind: "truncate" },
      { route: "dc.pullrequest_commits", kind: "429-retry-after-seconds", retryAfterSeconds: 1 },
      { route: "dc.pullrequest_commits", kind: "reset", times: 2 },
      { route: "dc.pullrequest_commits", kind: "555" },
    ];
    for (const f of faults) sim.injectFault(f);
    const r = await runRead(config, catalog(EVERY), { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expectEverything(sim, r.messages);
    for (const s of EVERY)
      expect(statuses(r.messages, s)).toEqual(expect.arrayContaining(["STARTED", "RUNNING", "COMPLETE"]));
    expect(errors(r.messages)).toEqual([]);
    // Every fault fired, and the waits were reported.
    const faulted = sim.requests().filter((q) => q.fault).length;
    expect(faulted).toBe(faults.reduce((n, f) => n + (f.times ?? 1), 0));
    const warnings = logs(r.messages, "WARN").join("\n");
    expect(warnings).toMatch(/429 Too Many Requests \(no usable Retry-After/);
    expect(warnings).toMatch(/429 Too Many Requests \(Retry-After/);
    expect(warnings).toMatch(/no complete answer within 1\.0 s/);
    // A body cut short reads as a closed socket (its length was announced) or as broken JSON.
    expect(warnings).toMatch(/other side closed|truncated or malformed JSON/);
    const limited = r.messages.filter(
      (m) => m.type === "TRACE" && m.trace.stream_status?.reasons?.[0]?.type === "RATE_LIMITED",
    );
    expect(new Set(limited.map((m) => m.trace.stream_status.stream_descriptor.name))).toEqual(new Set(EVERY));
    for (const m of limited)
      expect(Number.isInteger(m.trace.stream_status.reasons[0].rate_limited.quota_reset)).toBe(true);
  });

  it("gives up on a fault that never clears: that stream ends INCOMPLETE with a transient error, the others complete, exit 1", async () => {
    const { sim, config } = await start();
    sim.injectFault({ route: "dc.commits", kind: "503", times: Number.POSITIVE_INFINITY });
    const r = await runRead(config, catalog(EVERY));
    expect(r.code).toBe(1);
    expect(statuses(r.messages, DC_STREAM).at(-1)).toBe("INCOMPLETE");
    expect(statuses(r.messages, CLOUD_STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    expect(statuses(r.messages, CLOUD_BRANCH_STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    // The other stream of the same deployment, on the same client, is not affected.
    expect(statuses(r.messages, DC_PR_STREAM)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    expect(records(r.messages, DC_PR_STREAM).length).toBe(sim.truth().dcPullRequests.length);
    const [error] = errors(r.messages);
    expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: DC_STREAM } });
    expect(error?.message).toMatch(/^server_error: .*HTTP 503/);
    // What did complete is kept: the stream's final STATE comes before its INCOMPLETE status.
    const lastState = r.messages.findLastIndex(
      (m) => m.type === "STATE" && m.state.stream.stream_descriptor.name === DC_STREAM,
    );
    const incomplete = r.messages.findIndex(
      (m) => m.type === "TRACE" && m.trace.stream_status?.status === "INCOMPLETE",
    );
    expect(lastState).toBeGreaterThan(-1);
    expect(lastState).toBeLessThan(incomplete);
  });

  it("stops waiting on a rate limit after retry.max_rate_limit_wait_seconds with a transient error", async () => {
    const { sim, config } = await start();
    sim.injectFault({ route: "cloud.pullrequests", kind: "429", times: Number.POSITIVE_INFINITY });
    const r = await runRead(
      {
        ...config,
        retry: { ...FAST_RETRY, rate_limit_step_seconds: 0.05, max_rate_limit_wait_seconds: 0.3 },
      },
      catalog(BOTH),
    );
    expect(r.code).toBe(1);
    const [error] = errors(r.messages);
    expect(error).toMatchObject({
      failure_type: "transient_error",
      stream_descriptor: { name: CLOUD_STREAM },
    });
    expect(error?.message).toMatch(/^rate_limited: Bitbucket Cloud kept answering 429/);
    expect(statuses(r.messages, DC_STREAM).at(-1)).toBe("COMPLETE");
  });

  it("ends a stream that failed as a whole at once, cancelling its requests still in flight", async () => {
    const { sim } = await start();
    // One repository's commits hang; another's keep answering 429 until the wait budget is spent.
    sim.injectFault({ route: /\/repos\/web-portal\/commits/, kind: "hang", times: Number.POSITIVE_INFINITY });
    sim.injectFault({ route: /\/repos\/api-gateway\/commits/, kind: "429", times: Number.POSITIVE_INFINITY });
    const t0 = Date.now();
    const r = await runRead(
      {
        data_center: dcConfig(sim, "basic", { repositories: ["PLAT/web-portal", "PLAT/api-gateway"] }),
        request_timeout_seconds: 30,
        retry: { ...FAST_RETRY, rate_limit_step_seconds: 0.05, max_rate_limit_wait_seconds: 0.3 },
      },
      catalog([DC_STREAM]),
    );
    expect(r.code).toBe(1);
    expect(errors(r.messages)[0]?.message).toMatch(/^rate_limited: /);
    expect(statuses(r.messages, DC_STREAM).at(-1)).toBe("INCOMPLETE");
    // Not the 30 s the hung request would otherwise be given (times its retries).
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("keeps under requests_per_hour across both streams of a deployment, which share its budget", async () => {
    const { sim, config } = await start();
    const pr = sim.truth().dcPullRequests[0];
    if (!pr) throw new Error("the simulator has no Data Center pull request");
    const repository = `${pr.project_key}/${pr.repo_slug}`;
    const t0 = Date.now();
    const r = await runRead(
      {
        data_center: { ...(config.data_center as object), repositories: [repository] },
        requests_per_hour: 72_000,
      },
      catalog([DC_STREAM, DC_PR_STREAM]),
    );
    expect(r.code).toBe(0);
    const routes = sim.stats().byRoute;
    expect(routes["dc.commits"]).toBeGreaterThan(0);
    expect(routes["dc.pullrequests"]).toBeGreaterThan(0);
    const n = sim.stats().total;
    // 72,000 per hour is one request every 50 ms, for the two streams together: a budget each
    // would take about half as long.
    expect(Date.now() - t0).toBeGreaterThanOrEqual((n - 1) * 50);
  });
  it("skips a listed repository deleted before its main branch is read, and ends a cloud stream whose commits keep failing", async () => {
    const { sim, config } = await start();
    // docs-site is deleted after the listing (404 for the repository and everything in it);
    // checkout-web's commits never answer.
    for (const route of ["cloud.repository", "cloud.branch", "cloud.commits"] as const)
      sim.injectFault({
        route,
        repository: "acme/docs-site",
        kind: "404-gone",
        times: Number.POSITIVE_INFINITY,
      });
    sim.injectFault({
      route: "cloud.commits",
      repository: "acme/checkout-web",
      kind: "503",
      times: Number.POSITIVE_INFINITY,
    });
    const r = await runRead(config, catalog([CLOUD_BRANCH_STREAM]));
    expect(r.code).toBe(1);
    const got = new Set(records(r.messages, CLOUD_BRANCH_STREAM).map(cloudBranchKey));
    const want = sim.truth().cloudBranch.filter((c) => c.workspace === "acme");
    for (const t of want)
      expect(got.has(cloudBranchKey(t))).toBe(t.repo_slug !== "docs-site" && t.repo_slug !== "checkout-web");
    expect(logs(r.messages, "WARN").join("\n")).toMatch(/acme\/docs-site.*(deleted|gone)/);
    const [error] = errors(r.messages);
    expect(error).toMatchObject({
      failure_type: "transient_error",
      stream_descriptor: { name: CLOUD_BRANCH_STREAM },
    });
  });
});

describe("credentials stay with their origin", () => {
  /** A server that records whether any request carried credentials. */
  async function serve(
    handler: (
      req: IncomingMessage,
      origin: string,
    ) => { status: number; body?: unknown; headers?: Record<string, string> },
  ) {
    const seen: { path: string; authorization: string | undefined }[] = [];
    const server = createServer((req, res) => {
      seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
      const { port } = server.address() as AddressInfo;
      const out = handler(req, `http://127.0.0.1:${port}`);
      res.writeHead(out.status, { "content-type": "application/json", ...out.headers });
      res.end(out.body === undefined ? "" : JSON.stringify(out.body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    return { seen, origin: `http://127.0.0.1:${port}` };
  }

  it("refuses a next link or a redirect to a foreign host and sends it nothing", async () => {
    const foreign = await serve(() => ({ status: 200, body: { values: [] } }));
    const origin = await serve((req) => {
      if (req.url?.startsWith("/2.0/repositories/acme?")) {
        return {
          status: 200,
          body: { values: [{ slug: "a" }], next: `${foreign.origin}/2.0/repositories/acme?page=2` },
        };
      }
      if (req.url?.startsWith("/2.0/repositories/acme/a/pullrequests"))
        return { status: 302, headers: { location: `${foreign.origin}/steal` } };
      return { status: 404, body: { type: "error", error: { message: "nope" } } };
    });
    const config = {
      cloud: {
        workspace: "acme",
        api_url: `${origin.origin}/2.0`,
        credentials: { auth_type: "access_token", access_token: "token-for-origin-only" },
      },
      retry: FAST_RETRY,
    };
    const r = await runRead(config, catalog([CLOUD_STREAM]));
    expect(r.code).toBe(1);
    expect(foreign.seen).toEqual([]);
    expect(origin.seen.every((s) => s.authorization === "Bearer token-for-origin-only")).toBe(true);
    const warnings = logs(r.messages, "WARN").join("\n");
    expect(warnings).toContain(`sent a redirect to another host (${foreign.origin}); refusing to follow it`);
    expect(warnings).toContain(`sent a link to another host (${foreign.origin}); refusing to follow it`);
  });
});

describe("TLS", () => {
  const tls = {
    key: readFileSync(new URL("fixtures/tls/key.pem", import.meta.url), "utf8"),
    cert: readFileSync(new URL("fixtures/tls/cert.pem", import.meta.url), "utf8"),
  };

  it("verifies certificates by default and trusts a private CA given as ca_certificate, for this connector only", async () => {
    sim = await startSimulator({ tls });
    expect(sim.dcUrl.startsWith("https://")).toBe(true);
    const plain = writeFiles({ "config.json": { data_center: dcConfig(sim), retry: FAST_RETRY } });
    const refused = await runCli(["check", "--config", plain["config.json"]!]);
    const status = refused.messages.find((m) => m.type === "CONNECTION_STATUS")?.connectionStatus;
    expect(status.status).toBe("FAILED");
    expect(status.message).toMatch(/TLS verification failed .*set ca_certificate/);

    const trusted = { data_center: dcConfig(sim, "basic", { ca_certificate: tls.cert }), retry: FAST_RETRY };
    const files = writeFiles({ "config.json": trusted });
    const ok = await runCli(["check", "--config", files["config.json"]!]);
    expect(ok.messages.find((m) => m.type === "CONNECTION_STATUS")?.connectionStatus.status).toBe(
      "SUCCEEDED",
    );
    const r = await runRead(trusted, catalog([DC_STREAM]));
    expect(r.code).toBe(0);
    expect(records(r.messages, DC_STREAM).length).toBe(sim.truth().dc.length);
  });

  it("never switches TLS verification off process-wide", () => {
    const sources = ["src/http/client.ts", "src/main.ts"]
      .map((f) => readFileSync(new URL(`../${f}`, import.meta.url), "utf8"))
      .join("\n");
    expect(sources).not.toContain("NODE_TLS_REJECT_UNAUTHORIZED");
    expect(sources).not.toContain("rejectUnauthorized: false");
  });
});
