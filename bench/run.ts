/**
 * `npm run bench`: the built connector against the simulator, measured. Not part of the tests.
 *
 *   npm run bench -- [--commits 200000] [--latency 25] [--concurrency 8]
 *                    [--passes startup,latency,throughput,incremental,history,workspace]
 *
 * Passes (the reads are a fresh `read` of every stream as a child process, started with the node
 * options of the image's ENTRYPOINT, the simulator in this process):
 * - startup:     `spec` against a bare `node -e 0`, medians of 15 runs;
 * - latency:     with --latency ms per request: wall time against the serial bound (requests × latency)
 *                and against that bound divided by the concurrency;
 * - throughput:  no latency: records/s against the emit limit, i.e. the rate at which this machine
 *                writes a sample of the same records through the same output code to /dev/null
 *                (bench/emit-limit.ts, in a process of its own);
 *                five runs: the median and the range; the CPU the connector and the simulator spent;
 * - incremental: the throughput pass's final state read again with nothing changed: requests per route;
 * - history:     what the order-proof early stop costs against the old rule (bench/early-stop.ts);
 * - workspace:   Cloud change detection with 1,000 repositories (bench/passes/workspace.ts).
 * Every pass reports requests, requests per 1,000 records against the minimum the page-size caps
 * allow, and the connector's peak RSS. Results go to bench/results/<stamp>.json and .md.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { catalog, cloudConfig, dcConfig } from "../integration_tests/helpers/configs.js";
import { type Simulator, scaleForTotals, startSimulator } from "../integration_tests/simulator/index.js";
import type { JsonObject } from "../src/protocol/messages.js";
import { STREAMS } from "../src/streams/registry.js";
import { earlyStop } from "./early-stop.js";
import { imageNodeFlags } from "./node-flags.js";
import { startup } from "./passes/startup.js";
import { workspace } from "./passes/workspace.js";

const { values: args } = parseArgs({
  options: {
    commits: { type: "string", default: "200000" },
    latency: { type: "string", default: "25" },
    concurrency: { type: "string", default: "8" },
    passes: { type: "string", default: "startup,latency,throughput,incremental,history,workspace" },
    runs: { type: "string", default: "5" },
    out: { type: "string", default: "bench/results" },
    // Another node binary for the connector and the emit limit (e.g. the image's Node 24).
    node: { type: "string", default: process.execPath },
  },
});
const node = args.node;
const nodeVersion = spawnSync(node, ["-p", "process.version"], { encoding: "utf8" });
if (nodeVersion.status !== 0)
  throw new Error(`--node ${node} does not run (${nodeVersion.error?.message ?? nodeVersion.stderr})`);
const total = Number(args.commits);
const latency = Number(args.latency);
const concurrency = Number(args.concurrency);
const passes = new Set(args.passes.split(","));
const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "dist/main.js");
const nodeFlags = imageNodeFlags(readFileSync(join(root, "Dockerfile"), "utf8"));
const SAMPLE = 20_000;

interface ReadResult {
  code: number | null;
  wallMs: number;
  /** CPU the simulator (this process) spent while the connector ran. */
  simulatorCpuMs: number;
  /** CPU the connector's process spent (all its threads: JavaScript, garbage collection, I/O). */
  connectorCpuMs: number;
  records: Record<string, number>;
  peakRssMb: number;
  lastStates: unknown[];
  sample: { stream: string; data: JsonObject }[];
}

/** Runs `read`, streaming stdout: counts records, keeps the last STATE per stream and a sample of records. */
function read(config: unknown, state: unknown[] | undefined, keepEvery: number): Promise<ReadResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalog(STREAMS.map((s) => s.info.name))));
  const argv = [
    ...nodeFlags,
    bin,
    "read",
    "--config",
    join(dir, "config.json"),
    "--catalog",
    join(dir, "catalog.json"),
  ];
  if (state) {
    writeFileSync(join(dir, "state.json"), JSON.stringify(state));
    argv.push("--state", join(dir, "state.json"));
  }
  // stdout goes to a file, as in `read > out.jsonl`: the measured run competes with nothing
  // but the simulator; the file is examined after the run.
  const outPath = join(dir, "out.jsonl");
  const fd = openSync(outPath, "w");
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const child = spawn(node, argv, { stdio: ["ignore", fd, "inherit"] });
    let peakKb = 0;
    let cpuTicks = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // utime and stime, the 12th and 13th fields after the command name's closing parenthesis.
        const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        cpuTicks = Math.max(cpuTicks, Number(fields[11]) + Number(fields[12]));
      } catch {
        // exited
      }
    }, 50);
    child.on("error", reject);
    child.on("close", async (code) => {
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const simulatorCpuMs = (cpu.user + cpu.system) / 1000;
      clearInterval(poll);
      closeSync(fd);
      const records: Record<string, number> = {};
      const last = new Map<string, unknown>();
      const sample: ReadResult["sample"] = [];
      let seen = 0;
      for await (const line of createInterface({
        input: createReadStream(outPath),
        crlfDelay: Number.POSITIVE_INFINITY,
      })) {
        if (line.startsWith('{"type":"RECORD"')) {
          const stream = line.slice(36, line.indexOf('"', 36));
          records[stream] = (records[stream] ?? 0) + 1;
          if (seen++ % keepEvery === 0 && sample.length < SAMPLE) {
            const m = JSON.parse(line) as { record: { stream: string; data: JsonObject } };
            sample.push({ stream: m.record.stream, data: m.record.data });
          }
        } else if (line.startsWith('{"type":"STATE"')) {
          const m = JSON.parse(line) as { state: { stream: { stream_descriptor: { name: string } } } };
          last.set(m.state.stream.stream_descriptor.name, m.state);
        }
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({
        code,
        wallMs,
        simulatorCpuMs,
        // Clock ticks are 1/100 s on Linux; sampled every 50 ms, so up to 50 ms short at the end.
        connectorCpuMs: cpuTicks * 10,
        records,
        peakRssMb: peakKb / 1024,
        lastStates: [...last.values()],
        sample,
      });
    });
  });
}

/** The emit limit of the sample, measured in a process of its own (bench/emit-limit.ts). */
function emitLimit(sample: ReadResult["sample"]): number {
  const dir = mkdtempSync(join(tmpdir(), "bench-emit-"));
  const file = join(dir, "sample.jsonl");
  writeFileSync(file, sample.map((s) => `${JSON.stringify(s)}\n`).join(""));
  const run = spawnSync(node, ["--import", "tsx", join(root, "bench/emit-limit.ts"), file], {
    cwd: root,
    encoding: "utf8",
  });
  rmSync(dir, { recursive: true, force: true });
  const rate = Number(run.stdout.trim());
  if (run.status !== 0 || !(rate > 0)) throw new Error(`emit limit: exit ${run.status}: ${run.stderr}`);
  return rate;
}

/** The fewest requests that can fetch everything the simulator holds, given each endpoint's page cap. */
function minimumRequests(sim: Simulator): { cloud: number; dc: number } {
  const pages = (n: number, cap: number) => Math.max(1, Math.ceil(n / cap));
  const repos = sim.cloud.repositories("acme");
  let cloud = pages(repos.length, 100);
  for (const slug of repos) {
    const prs = sim.cloud.pullRequests("acme", slug);
    cloud += pages(prs.length, 50);
    for (const pr of prs) cloud += pr.commitsStatus === 404 ? 1 : pages(pr.commits, 100);
    // Main branch: mainbranch and its head (one request each), then its commit pages.
    const main = sim.cloud.mainBranch("acme", slug);
    cloud += 1 + (main.name === null ? 0 : 1 + pages(main.hashes.length, 100));
  }
  const dcRepos = sim.dc.repositories();
  const projects = new Map<string, number>();
  for (const r of dcRepos) projects.set(r.projectKey, (projects.get(r.projectKey) ?? 0) + 1);
  let dc = pages(projects.size, 1000);
  for (const n of projects.values()) dc += pages(n, 1000);
  // One default-branch lookup per repository, then the commit pages of those that have any.
  for (const r of dcRepos) dc += 1 + (r.defaultBranch && r.commits > 0 ? pages(r.commits, 1000) : 0);
  // Pull requests: the list of each repository, then one commits page per 1,000 of each.
  for (const r of dcRepos) {
    const prs = sim.dc.pullRequests(r.projectKey, r.slug);
    dc += pages(prs.length, 1000);
    for (const pr of prs) dc += pr.commitsStatus === 404 ? 1 : pages(pr.commits, 1000);
  }
  return { cloud, dc };
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: nodeVersion.stdout.trim(),
  },
  commits: total,
  latencyMs: latency,
  concurrency,
  nodeFlags,
};
const table: string[][] = [];
/** Lines after the table (e.g. the early-stop figures). */
const extra: string[] = [];

async function pass(
  name: string,
  latencyMs: number,
  state?: unknown[],
): Promise<ReadResult & { requests: Record<string, number>; sim: Simulator }> {
  const sim = await startSimulator({ scale: scaleForTotals(total / 2, total / 2), latencyMs });
  const config = { cloud: cloudConfig(sim), data_center: dcConfig(sim), max_concurrency: concurrency };
  const truth = sim.truthCount();
  results.dcPullRequestCommits = truth.dcPullRequests;
  const keepEvery = Math.max(
    1,
    Math.floor((truth.cloud + truth.cloudBranch + truth.dc + truth.dcPullRequests) / SAMPLE),
  );
  const r = await read(config, state, keepEvery);
  const requests = { ...sim.stats().byRoute, total: sim.stats().total } as Record<string, number>;
  process.stderr.write(
    `${name}: exit ${r.code}, ${fmt(r.wallMs)} ms (CPU: connector ${fmt(r.connectorCpuMs)} ms, simulator ${fmt(r.simulatorCpuMs)} ms), ${fmt(Object.values(r.records).reduce((a, b) => a + b, 0))} records, ${requests.total} requests\n`,
  );
  if (r.code !== 0) throw new Error(`${name}: the connector exited ${r.code}`);
  return { ...r, requests, sim };
}

let state: unknown[] | undefined;

if (passes.has("startup")) {
  const s = startup(node, bin, nodeFlags);
  results.startup = s;
  table.push([
    "start-up of `spec` (median of 15)",
    `${fmt(s.specMs)} ms; bare \`node -e 0\` ${fmt(s.nodeMs)} ms: ${fmt(s.ratio, 2)}×`,
  ]);
}

let throughput: (ReadResult & { requests: Record<string, number>; sim: Simulator }) | undefined;

if (passes.has("latency")) {
  const r = await pass("latency", latency);
  const recs = Object.values(r.records).reduce((a, b) => a + b, 0);
  const min = minimumRequests(r.sim);
  const serial = r.requests.total! * latency;
  const ideal = serial / concurrency;
  results.latency = {
    wallMs: r.wallMs,
    records: r.records,
    requests: r.requests.total,
    minimumRequests: min.cloud + min.dc,
    serialBoundMs: serial,
    idealMs: ideal,
    ratioToIdeal: r.wallMs / ideal,
    peakRssMb: r.peakRssMb,
  };
  table.push(
    ["latency pass", `${latency} ms per request, max_concurrency ${concurrency}`],
    ["records", fmt(recs)],
    ["records/s", fmt(recs / (r.wallMs / 1000))],
    ["requests (minimum the page caps allow)", `${fmt(r.requests.total!)} (${fmt(min.cloud + min.dc)})`],
    [
      "requests per 1,000 records (minimum)",
      `${fmt((r.requests.total! / recs) * 1000, 2)} (${fmt(((min.cloud + min.dc) / recs) * 1000, 2)})`,
    ],
    ["wall time", `${fmt(r.wallMs / 1000, 1)} s`],
    [
      "serial bound (requests × latency)",
      `${fmt(serial / 1000, 1)} s (wall = ${fmt(r.wallMs / serial, 3)}×)`,
    ],
    [`serial bound ÷ ${concurrency}`, `${fmt(ideal / 1000, 1)} s (wall = ${fmt(r.wallMs / ideal, 2)}×)`],
    ["peak RSS", `${fmt(r.peakRssMb)} MB`],
  );
  await r.sim.close();
}

if (passes.has("throughput")) {
  // Five runs: a run of a few seconds carries start-up and JIT warm-up, and the VM is shared.
  const runs: (ReadResult & { requests: Record<string, number>; sim: Simulator })[] = [];
  const ratios: number[] = [];
  const n = Number(args.runs);
  let limit = 0;
  for (let i = 0; i < n; i++) {
    const run = await pass(`throughput ${i + 1}/${n}`, 0);
    const recs = Object.values(run.records).reduce((a, b) => a + b, 0);
    if (i === 0) limit = emitLimit(run.sample);
    ratios.push(recs / (run.wallMs / 1000) / limit);
    if (i < n - 1) await run.sim.close();
    runs.push(run);
  }
  throughput = runs.at(-1)!;
  const r = throughput;
  const recs = Object.values(r.records).reduce((a, b) => a + b, 0);
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const min = minimumRequests(r.sim);
  results.throughput = {
    wallMs: r.wallMs,
    records: r.records,
    recordsPerSecond: median * limit,
    emitLimitPerSecond: limit,
    ratioToEmitLimit: { median, min: sorted[0], max: sorted.at(-1), runs: ratios },
    requests: r.requests.total,
    minimumRequests: min.cloud + min.dc,
    requestsPerThousand: (r.requests.total! / recs) * 1000,
    minimumPerThousand: ((min.cloud + min.dc) / recs) * 1000,
    peakRssMb: Math.max(...runs.map((x) => x.peakRssMb)),
    cpu: runs.map((x) => ({
      wallMs: x.wallMs,
      connectorMs: x.connectorCpuMs,
      simulatorMs: x.simulatorCpuMs,
    })),
  };
  // Where the time goes: the connector and the simulator share the machine's cores, so the wall
  // time is bound by their CPU together. The connector's own CPU per record says what it would
  // reach with a server that cost nothing and a core to itself.
  const byCpu = [...runs].sort((a, b) => a.connectorCpuMs - b.connectorCpuMs);
  const mid = byCpu[Math.floor(byCpu.length / 2)]!;
  const perCpuSecond = recs / (mid.connectorCpuMs / 1000);
  table.push(
    ["throughput pass", `no latency, ${n} runs`],
    [
      "CPU of the run with the median connector CPU",
      `connector ${fmt(mid.connectorCpuMs / 1000, 1)} s (${fmt((mid.connectorCpuMs * 1000) / r.requests.total!)} µs per request, ${fmt((mid.connectorCpuMs * 1e6) / recs / 1000, 1)} µs per record), simulator ${fmt(mid.simulatorCpuMs / 1000, 1)} s, wall ${fmt(mid.wallMs / 1000, 1)} s on ${cpus().length} cores`,
    ],
    [
      "records per second of connector CPU",
      `${fmt(perCpuSecond)} (${fmt((perCpuSecond / limit) * 100, 1)}% of the emit limit)`,
    ],
    [`records/s (median of ${n})`, fmt(median * limit)],
    [
      "emit limit (same records to /dev/null, own process)",
      `${fmt(limit)} records/s (connector = ${fmt(median * 100, 1)}%, range ${fmt(sorted[0]! * 100, 1)}–${fmt(sorted.at(-1)! * 100, 1)}%)`,
    ],
    [
      "requests per 1,000 records (minimum)",
      `${fmt((r.requests.total! / recs) * 1000, 2)} (${fmt(((min.cloud + min.dc) / recs) * 1000, 2)}), ${fmt((r.requests.total! / (min.cloud + min.dc) - 1) * 100, 1)}% above`,
    ],
    [`peak RSS (largest of ${n})`, `${fmt(Math.max(...runs.map((x) => x.peakRssMb)))} MB`],
  );
  state = r.lastStates;
}

if (passes.has("incremental") && throughput && state) {
  const sim = throughput.sim;
  sim.resetStats();
  const config = { cloud: cloudConfig(sim), data_center: dcConfig(sim), max_concurrency: concurrency };
  const r = await read(config, state, 1);
  const by = sim.stats().byRoute;
  const cloudRepos = sim.cloud.repositories("acme").length;
  const dcRepos = sim.dc.repositories().length;
  const recs = Object.values(r.records).reduce((a, b) => a + b, 0);
  results.incremental = {
    wallMs: r.wallMs,
    records: recs,
    byRoute: by,
    cloudRepositories: cloudRepos,
    dcRepositories: dcRepos,
  };
  table.push(
    ["incremental pass", "nothing changed, from the throughput pass's state"],
    ["records", fmt(recs)],
    [
      "Cloud requests",
      `${by["cloud.repositories"]} repository listing + ${by["cloud.pullrequests"]} pull-request lists for ${cloudRepos} repositories, ${by["cloud.pullrequest_commits"]} pull-request commit requests`,
    ],
    [
      "Cloud main-branch requests",
      `${by["cloud.repository"]} mainbranch + ${by["cloud.branch"]} head lookups, ${by["cloud.commits"]} commits requests for ${cloudRepos} repositories`,
    ],
    [
      "Data Center requests",
      `${by["dc.projects"] + by["dc.repos"]} listing + ${by["dc.commits"]} commits requests for ${dcRepos} repositories, ${by["dc.default_branch"] + by["dc.branches_default"]} branch lookups`,
    ],
    [
      "Data Center pull-request requests",
      `${by["dc.pullrequests"]} pull-request lists for ${dcRepos} repositories, ${by["dc.pullrequest_commits"]} pull-request commit requests`,
    ],
    ["wall time", `${fmt(r.wallMs / 1000, 2)} s`],
  );
}
await throughput?.sim.close();

if (passes.has("history")) {
  const rows = earlyStop();
  results.history = rows;
  table.push(["early stop (start_date) on 3,617 commits", "pages + lookups against the old rule, see below"]);
  extra.push("", "Early stop with start_date (bench/early-stop.ts):", "", ...rows);
}

if (passes.has("workspace")) {
  process.stderr.write("workspace: 1,000 Cloud repositories, 20 pull requests each\n");
  const w = await workspace();
  results.workspace = w;
  const rows = (label: string, m: Omit<(typeof w.modes)[string], "bothStreams">): [string, string][] => {
    const worst = Object.entries(m.syncsToRead).map(([kind, syncs]) => `${kind}: ${Math.max(...syncs)}`);
    return [
      [
        `${label}: quiet sync`,
        `${fmt(m.quietSyncRequests)} requests for ${fmt(w.repositories)} repositories`,
      ],
      [`${label}: syncs until each change is read (worst)`, worst.join("; ")],
      [`${label}: requests per sync after the changes`, m.requestsPerSync.map((n) => fmt(n)).join(", ")],
    ];
  };
  for (const [mode, m] of Object.entries(w.modes)) table.push(...rows(`workspace, ${mode}`, m));
  for (const [mode, m] of Object.entries(w.modes))
    table.push(...rows(`workspace, both Cloud streams, ${mode}`, m.bothStreams));
}

const m = results.machine as { cpus: number; cpu: string; memoryGb: number; node: string };
const md = [
  `Benchmark ${results.date}: ${fmt(total)} branch and Cloud pull-request commits, plus the Data Center pull requests' (${fmt(Number(results.dcPullRequestCommits ?? 0))}); ${m.cpus} × ${m.cpu}, ${m.memoryGb} GiB, Node ${m.node}${nodeFlags.length ? ` started as the image starts it (${nodeFlags.join(" ")})` : ""}`,
  "",
  "| measure | value |",
  "| --- | --- |",
  ...table.map(([k, v]) => `| ${k} | ${v} |`),
  ...extra,
  "",
].join("\n");
const outDir = resolve(root, args.out);
mkdirSync(outDir, { recursive: true });
const stamp = String(results.date).replace(/[:.]/g, "-");
writeFileSync(join(outDir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, `${stamp}.md`), md);
process.stdout.write(`${md}\nwritten to ${join(outDir, stamp)}.{json,md}\n`);
