/**
 * TestConnection of Airbyte's connector acceptance tests (tests/test_core.py `test_check`),
 * for each `connection` test of acceptance-test-config.yml, against the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../simulator/index.js";
import type { Json } from "./cat.js";
import { acceptanceConfig, connectorRunner, filterOutput, forSimulator } from "./runner.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

const connectionTests: Json[] = acceptanceConfig().acceptance_tests.connection.tests;

describe.each(connectionTests)("CAT TestConnection ($config_path, $status)", (inputs) => {
  it("test_check: exactly one CONNECTION_STATUS, with the expected status", async () => {
    const r = await connectorRunner(forSimulator(sim, inputs.config_path)).callCheck();
    if (inputs.status === "exception") {
      // ConnectionTestConfig.Status.Exception: exactly one TRACE with an error message.
      const traces = filterOutput(r.messages, "TRACE");
      expect(traces).toHaveLength(1);
      expect(traces[0]!.trace.error?.message).toBeTruthy();
      return;
    }
    const statuses = filterOutput(r.messages, "CONNECTION_STATUS");
    expect(statuses, "Connection status message should be emitted exactly once").toHaveLength(1);
    expect(statuses[0]!.connectionStatus.status).toBe(
      (inputs.status ?? "succeed") === "succeed" ? "SUCCEEDED" : "FAILED",
    );
    expect(r.code).toBe(0);
  });
});
