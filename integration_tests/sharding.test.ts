import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastStates, records, runRead } from "./helpers/cli.js";
import {
  CLOUD_STREAM,
  catalog,
  cloudConfig,
  cloudKey,
  DC_STREAM,
  dcConfig,
  dcKey,
} from "./helpers/configs.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe("sharding", () => {
  it("splits repositories between connections: disjoint records and state, together everything", async () => {
    const base = { cloud: cloudConfig(sim), data_center: dcConfig(sim) };
    const runs = await Promise.all(
      [0, 1, 2].map((index) =>
        runRead({ ...base, shard: { index, count: 3 } }, catalog([CLOUD_STREAM, DC_STREAM])),
      ),
    );
    for (const r of runs) expect(r.code).toBe(0);

    const repos = runs.map(
      (r) => new Set(records(r.messages).map((d) => `${d.workspace ?? d.project_key}/${d.repo_slug}`)),
    );
    for (let i = 0; i < repos.length; i++) {
      for (let j = i + 1; j < repos.length; j++)
        expect([...repos[i]!].filter((k) => repos[j]!.has(k))).toEqual([]);
      expect(repos[i]!.size).toBeGreaterThan(0);
    }
    const truth = sim.truth();
    expect(new Set(runs.flatMap((r) => records(r.messages, CLOUD_STREAM).map(cloudKey)))).toEqual(
      new Set(truth.cloud.filter((c) => c.workspace === "acme").map(cloudKey)),
    );
    expect(new Set(runs.flatMap((r) => records(r.messages, DC_STREAM).map(dcKey)))).toEqual(
      new Set(truth.dc.map(dcKey)),
    );

    // Each shard keeps state for its own repositories only.
    const keys = runs.map((r) =>
      lastStates(r.messages).flatMap((s) => Object.keys(s.stream.stream_state.partitions)),
    );
    const all = keys.flat();
    expect(new Set(all).size).toBe(all.length);
  });
});
