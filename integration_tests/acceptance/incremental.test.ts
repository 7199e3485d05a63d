/**
 * TestIncremental of Airbyte's connector acceptance tests (tests/test_incremental.py), one
 * assertion per test, for each `incremental` test of acceptance-test-config.yml.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Message, states, statuses } from "../helpers/cli.js";
import { type Simulator, startSimulator } from "../simulator/index.js";
import {
  catalogForIncremental,
  configuredFromCustom,
  type Json,
  latestStateInput,
  nextStateInput,
  onlyMode,
  recordsDiffer,
  stateCheckpoints,
} from "./cat.js";
import {
  acceptanceConfig,
  connectorRunner,
  discoveredCatalog,
  filterOutput,
  forSimulator,
  projectJson,
} from "./runner.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

const config = acceptanceConfig();
const incrementalTests: Json[] = config.acceptance_tests.incremental.tests;

describe.each(incrementalTests)("CAT TestIncremental ($config_path)", (inputs) => {
  let runner: ReturnType<typeof connectorRunner>;
  let catalog: Json; // configured_catalog
  beforeAll(async () => {
    runner = connectorRunner(forSimulator(sim, inputs.config_path));
    catalog = configuredFromCustom(
      projectJson(inputs.configured_catalog_path),
      await discoveredCatalog(runner),
    );
  });

  it("test_two_sequential_reads: the first read has states and records; a read from its states gives different records", async () => {
    const incremental = catalogForIncremental(catalog);
    const output1 = (await runner.callRead(incremental)).messages;
    const records1 = filterOutput(output1, "RECORD");
    const states1 = filterOutput(output1, "STATE");
    expect(states1.length, "First Read should produce at least one state").toBeGreaterThan(0);
    expect(records1.length, "First Read should produce at least one record").toBeGreaterThan(0);
    expect(states1.at(-1)!.state.type).toBe("STREAM"); // per-stream state: the state input is rebuilt
    const output2 = (await runner.callReadWithState(incremental, latestStateInput(states1))).messages;
    expect(
      recordsDiffer(records1, filterOutput(output2, "RECORD")),
      "Records should change between reads",
    ).toBe(true);
    // Stricter than CAT: nothing at all is read again.
    expect(filterOutput(output2, "RECORD")).toEqual([]);
  }, 180_000);

  it("test_read_sequential_slices: a read from each sampled checkpoint gives at least the records that followed it, and not the same records", async () => {
    expect(inputs.skip_comprehensive_incremental_tests ?? false).toBe(false);
    for (const stream of catalogForIncremental(catalog).streams) {
      const perStream = { streams: [stream] };
      const output1 = (await runner.callRead(perStream)).messages;
      const records1 = filterOutput(output1, "RECORD");
      expect(records1.length, stream.stream.name).toBeGreaterThan(0); // else CAT moves on
      const states1 = filterOutput(output1, "STATE");
      expect(states1.length, stream.stream.name).toBeGreaterThan(0);
      const checkpoints = stateCheckpoints(states1);
      expect(
        checkpoints.length,
        "Unable to test because there is no suitable state checkpoint",
      ).toBeGreaterThan(0);
      const merged = new Map<string, Json>();
      for (const [i, [state, expectedCount]] of checkpoints.entries()) {
        const input = nextStateInput(state as Message, merged);
        const recordsN = filterOutput((await runner.callReadWithState(perStream, input)).messages, "RECORD");
        const where = `${stream.stream.name}: read ${i + 1} of ${checkpoints.length}`;
        expect(recordsN.length, where).toBeGreaterThanOrEqual(expectedCount);
        expect(recordsDiffer(records1, recordsN), where).toBe(true);
      }
    }
  }, 300_000);

  it("test_state_with_abnormally_large_values: from the future state, no records and at least one STATE", async () => {
    const futureState: Json[] = projectJson(inputs.future_state.future_state_path);
    const r = await runner.callReadWithState(onlyMode(catalog, "incremental"), futureState);
    expect(filterOutput(r.messages, "RECORD")).toEqual([]);
    expect(filterOutput(r.messages, "STATE").length).toBeGreaterThan(0);
    // Stricter than CAT: a clean run, each stream COMPLETE with a STATE of its own.
    expect(r.code).toBe(0);
    expect(filterOutput(r.messages, "TRACE").filter((m) => m.trace.type === "ERROR")).toEqual([]);
    for (const s of catalog.streams as Json[]) {
      expect(states(r.messages, s.stream.name).length).toBeGreaterThanOrEqual(1);
      expect(statuses(r.messages, s.stream.name)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    }
  }, 180_000);

  it("future_state_fixture at high strictness: the future state covers every incremental stream (none declared missing)", () => {
    expect(config.test_strictness_level).toBe("high");
    const futureState: Json[] = projectJson(inputs.future_state.future_state_path);
    const missing = inputs.future_state.missing_streams ?? [];
    for (const m of missing) expect(m.bypass_reason, m.name).toBeTruthy();
    const inStates = new Set(futureState.map((s) => s.stream.stream_descriptor.name));
    const incremental = catalog.streams
      .filter((s: Json) => s.stream.supported_sync_modes.includes("incremental"))
      .map((s: Json) => s.stream.name);
    const undeclared = incremental.filter(
      (n: string) => !inStates.has(n) && !missing.some((m: Json) => m.name === n),
    );
    expect(undeclared).toEqual([]);
  });
});
