import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { resolveScale, scaleForTotals } from "./scale.js";
import { startSimulator } from "./server.js";
import type { ScaleSpec, Simulator, SimulatorOptions } from "./types.js";

// Standalone simulator for demos and benchmarks:
//   npx tsx integration_tests/simulator/cli.ts --port 0 --scale small|bench --latency 25 --seed 42
//     [--tls-key key.pem --tls-cert cert.pem] [--cloud-commits N] [--dc-commits N]
// Prints one JSON line {url, cloudApiUrl, dcUrl, credentials} once listening; serves until
// SIGTERM/SIGINT.

const USAGE = `usage: cli.ts [--port N] [--host H] [--scale small|bench] [--latency MS] [--seed N]
              [--tls-key FILE --tls-cert FILE] [--cloud-commits N] [--dc-commits N]
              [--dc-context-path P] [--dc-max-limit N] [--cloud-requests-per-hour N]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) fail(`--${name} must be a non-negative integer, got '${value}'`);
  return Number(value);
}

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    scale: { type: "string" },
    latency: { type: "string" },
    seed: { type: "string" },
    "tls-key": { type: "string" },
    "tls-cert": { type: "string" },
    "cloud-commits": { type: "string" },
    "dc-commits": { type: "string" },
    "dc-context-path": { type: "string" },
    "dc-max-limit": { type: "string" },
    "cloud-requests-per-hour": { type: "string" },
    help: { type: "boolean" },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const preset = values.scale ?? "small";
if (preset !== "small" && preset !== "bench") fail(`--scale must be small or bench, got '${preset}'`);
const cloudCommits = int("cloud-commits", values["cloud-commits"]);
const dcCommits = int("dc-commits", values["dc-commits"]);
let scale: "small" | "bench" | ScaleSpec = preset;
if (cloudCommits !== undefined || dcCommits !== undefined) {
  // Override each deployment whose total was given; keep the preset's other half.
  const base = resolveScale(preset).spec;
  scale = {
    cloud: cloudCommits !== undefined ? scaleForTotals(cloudCommits, 1).cloud : base.cloud,
    dc: dcCommits !== undefined ? scaleForTotals(1, dcCommits).dc : base.dc,
  };
}
if ((values["tls-key"] === undefined) !== (values["tls-cert"] === undefined)) {
  fail("--tls-key and --tls-cert go together");
}

const opts: SimulatorOptions = { scale };
const port = int("port", values.port);
if (port !== undefined) opts.port = port;
if (values.host !== undefined) opts.host = values.host;
const latency = int("latency", values.latency);
if (latency !== undefined) opts.latencyMs = latency;
const seed = int("seed", values.seed);
if (seed !== undefined) opts.seed = seed;
if (values["tls-key"] !== undefined && values["tls-cert"] !== undefined) {
  opts.tls = { key: readFileSync(values["tls-key"], "utf8"), cert: readFileSync(values["tls-cert"], "utf8") };
}
if (values["dc-context-path"] !== undefined) opts.dcContextPath = values["dc-context-path"];
const maxLimit = int("dc-max-limit", values["dc-max-limit"]);
if (maxLimit !== undefined) opts.dcMaxLimit = maxLimit;
const perHour = int("cloud-requests-per-hour", values["cloud-requests-per-hour"]);
if (perHour !== undefined) opts.cloudRequestsPerHour = perHour;

// Handlers go in before anything is started, so a signal at any moment ends the process cleanly.
let sim: Simulator | undefined;
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  if (!sim) process.exit(0);
  sim.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

sim = await startSimulator(opts);
if (stopping) {
  await sim.close();
  process.exit(0);
}
process.stdout.write(
  `${JSON.stringify({ url: sim.url, cloudApiUrl: sim.cloudApiUrl, dcUrl: sim.dcUrl, credentials: sim.credentials })}\n`,
);
