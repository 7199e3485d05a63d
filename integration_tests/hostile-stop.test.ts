import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAMS } from "../src/streams/registry.js";
import { compareInstants } from "../src/streams/timestamps.js";
import { parseSinger, singerRecords } from "../test/singer/messages.js";
import {
  errors,
  lastStates,
  type Message,
  parseMessages,
  readArgs,
  recordCountsPerState,
  records,
  startCli,
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
import { type Simulator, startSimulator } from "./simulator/index.js";

// Rows 9 and 10 of the issue "One fault stays one fault": a run stopped from outside, by a signal
// (the platform cancelling a sync, Ctrl-C) or by its reader going away (`| head -3`, a target
// that crashed). Both bins.

const TAP = new URL("../dist/singer/main.js", import.meta.url).pathname;

let sim: Simulator;
beforeAll(async () => {
  // Slow enough that a signal lands mid-read.
  sim = await startSimulator({ latencyMs: 40 });
});
afterAll(async () => {
  await sim.close();
});

const config = () => ({ cloud: cloudConfig(sim), data_center: dcConfig(sim), max_concurrency: 2 });

/** Starts a run and resolves once its stdout holds `lines` lines (or it ended). */
function startUntil(args: string[], lines: number, bin?: string) {
  const run = startCli(args, { raw: true, ...(bin ? { bin } : {}) });
  let seen = 0;
  const reached = new Promise<void>((resolve) => {
    run.child.stdout.on("data", (c: Buffer) => {
      for (const b of c) if (b === 10) seen++;
      if (seen >= lines) resolve();
    });
    run.child.on("close", () => resolve());
  });
  return { ...run, reached };
}

/**
 * The last STATE of each stream agrees with the records before it: its record counts add up, and
 * every partition it marks complete (Data Center: a head commit and nothing pending; Cloud: a
 * cursor) had every commit up to there emitted.
 */
function expectStatesMatchRecords(ms: Message[]): void {
  const truth = sim.truth();
  for (const stream of BOTH) {
    const counts = recordCountsPerState(ms, stream);
    expect(counts.exact).toBe(true);
    expect(counts.total).toBe(records(ms, stream).length);
  }
  const final = new Map(
    lastStates(ms).map((s) => [s.stream.stream_descriptor.name as string, s.stream.stream_state]),
  );
  const dc = new Set(records(ms, DC_STREAM).map(dcKey));
  for (const [key, entry] of Object.entries(final.get(DC_STREAM)?.partitions ?? {})) {
    const e = entry as { commit_id?: string; pending?: unknown };
    if (e.commit_id === undefined || e.pending !== undefined) continue;
    for (const t of truth.dc.filter((t) => `${t.project_key}/${t.repo_slug}` === key))
      expect(dc.has(dcKey(t))).toBe(true);
  }
  const cloud = new Set(records(ms, CLOUD_STREAM).map(cloudKey));
  for (const [key, entry] of Object.entries(final.get(CLOUD_STREAM)?.partitions ?? {})) {
    const cursor = (entry as { updated_on?: string }).updated_on;
    if (cursor === undefined) continue;
    const done = truth.cloud.filter(
      (t) =>
        `${t.workspace}/${t.repo_slug}` === key && compareInstants(t.pull_request_updated_on, cursor) <= 0,
    );
    for (const t of done) expect(cloud.has(cloudKey(t))).toBe(true);
  }
}

describe("stopped from outside", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)(
    "row 9: %s mid-read: complete lines, a final STATE per stream that matches its records, INCOMPLETE with a transient error, exit %i within seconds",
    async (signal, exit) => {
      const run = startUntil(readArgs(config(), catalog(BOTH)), 300);
      await run.reached;
      const at = Date.now();
      run.child.kill(signal);
      const r = await run.result;
      expect(Date.now() - at).toBeLessThan(5_000);
      expect(r.code).toBe(exit);
      // Every line whole and a valid message: nothing cut off by the stop.
      const ms = parseMessages(r.stdout);
      for (const stream of BOTH) {
        expect(statuses(ms, stream).at(-1)).toBe("INCOMPLETE");
        const error = errors(ms).find((e) => e.stream_descriptor?.name === stream);
        expect(error?.failure_type).toBe("transient_error");
        expect(error?.message).toContain(`cancelled (${signal})`);
      }
      // Stopped part-way: some records, not all of them.
      const total = sim.truthCount();
      expect(records(ms).length).toBeGreaterThan(0);
      expect(records(ms).length).toBeLessThan(total.dc + total.cloud);
      expectStatesMatchRecords(ms);
    },
  );

  it("row 9: the Singer tap on SIGTERM: complete lines, a final STATE after its last record, exit 143", async () => {
    const files = writeFiles({ "config.json": config() });
    const run = startUntil(["--config", files["config.json"]!], 300, TAP);
    await run.reached;
    const at = Date.now();
    run.child.kill("SIGTERM");
    const r = await run.result;
    expect(Date.now() - at).toBeLessThan(5_000);
    expect(r.code).toBe(143);
    const ms = parseSinger(r.stdout);
    expect(ms.at(-1)?.type).toBe("STATE");
    const bookmarks = ms.at(-1)?.value.bookmarks ?? {};
    // Without a catalog the tap reads every stream of the configured deployments: all of the registry's.
    expect(Object.keys(bookmarks).sort()).toEqual(STREAMS.map((s) => s.info.name).sort());
    expect(singerRecords(ms).length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/incomplete after \d+ records: cancelled: the sync was cancelled \(SIGTERM\)/);
  });

  it.each([
    ["source-bitbucket read", undefined],
    ["tap-bitbucket-commits", TAP],
  ] as const)(
    "row 10: %s stops within 5 s once the reader of its stdout goes away, without retrying requests",
    async (_name, bin) => {
      const args = bin
        ? ["--config", writeFiles({ "c.json": config() })["c.json"]!]
        : readArgs(config(), catalog(BOTH));
      const run = startUntil(args, 3, bin);
      await run.reached;
      const at = Date.now();
      // `| head -3`: the reader has its lines and leaves.
      run.child.stdout.destroy();
      const r = await run.result;
      expect(Date.now() - at).toBeLessThan(5_000);
      expect(r.code).not.toBe(0);
      expect(r.signal).toBe(null);
      // A closed output is no bug of the connector's, and not a reason to retry anything.
      expect(r.stderr).not.toMatch(/internal_error|UND_ERR_CLOSED|retry \d+ of/);
      if (bin) expect(r.stderr).toContain("cancelled: the output was closed (EPIPE)");
    },
  );
});
