/**
 * The Airbyte CDK's standard source tests, restated from airbytehq/airbyte-python-cdk
 * airbyte_cdk/test/standard_tests/: source_base.py (c1c1769f874f82702e635b4e98d91cb1444817aa),
 * _job_runner.py (d25d5606a1f1d0910e4371f13fc4da41dcd408f6), docker_base.py
 * (2e587c400be6232a5f01fe4c3d16b516a00b9b08) and models/scenario.py
 * (c5c1f066c632a91f22c4e26b713d91bd4e322495). Their scenarios are the `connection` and `spec`
 * tests of acceptance-test-config.yml that have a config_path, one per config file; a scenario
 * with status `failed` or `exception` expects the connector to fail. Their catalogs are
 * dataclasses serialized with `asdict()` and orjson: every unset optional field is null, the
 * configured stream's `cursor_field` and `primary_key` included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli } from "../helpers/cli.js";
import { type Simulator, startSimulator } from "../simulator/index.js";
import { configuredCatalog, type Json } from "./cat.js";
import { acceptanceConfig, connectorRunner, filterOutput, forSimulator } from "./runner.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

/** DockerConnectorTestSuite.get_scenarios. */
function scenarios(): { config_path: string; status?: string }[] {
  const tests = acceptanceConfig().acceptance_tests;
  const out: { config_path: string; status?: string }[] = [];
  for (const category of ["connection", "spec"])
    for (const t of (tests[category]?.tests ?? []) as Json[]) {
      if (!t.config_path || t.config_path.includes("iam_role")) continue;
      if (out.some((s) => s.config_path === t.config_path)) continue;
      out.push({ config_path: t.config_path, status: t.status });
    }
  return out;
}

const expectException = (s: { status?: string }) => s.status === "failed" || s.status === "exception";
/** EntrypointOutput.errors: the TRACE messages of type ERROR. */
const errorsOf = (r: CliResult) => filterOutput(r.messages, "TRACE").filter((m) => m.trace.type === "ERROR");

describe("CDK SourceTestSuiteBase", () => {
  it("test_spec: exactly one SPEC, no error", async () => {
    const r = await runCli(["spec"]);
    expect(errorsOf(r)).toEqual([]);
    expect(filterOutput(r.messages, "SPEC")).toHaveLength(1);
  });

  it("get_scenarios: the sample config, and the invalid one expecting failure", () => {
    expect(scenarios()).toEqual([
      { config_path: "integration_tests/sample_config.json", status: "succeed" },
      { config_path: "integration_tests/invalid_config.json", status: "failed" },
    ]);
  });
});

describe.each(scenarios())("CDK SourceTestSuiteBase ($config_path)", (scenario) => {
  const runner = () => connectorRunner(forSimulator(sim, scenario.config_path));

  it("test_check: exactly one CONNECTION_STATUS; FAILED when the scenario expects failure, no error otherwise", async () => {
    const r = await runner().callCheck();
    const statuses = filterOutput(r.messages, "CONNECTION_STATUS");
    expect(statuses).toHaveLength(1);
    if (expectException(scenario)) expect(statuses[0]!.connectionStatus.status).toBe("FAILED");
    else expect(errorsOf(r)).toEqual([]);
  });

  it("test_discover: no error (skipped by the CDK for a scenario expecting failure)", async () => {
    if (expectException(scenario)) return; // pytest.skip: discover needs no connection
    const r = await runner().callDiscover();
    expect(errorsOf(r)).toEqual([]);
    expect(filterOutput(r.messages, "CATALOG")).toHaveLength(1);
  });

  it("test_basic_read: discover, then read every stream full_refresh/append_dedup with cursor_field and primary_key null", async () => {
    const run = runner();
    // Discover runs `without_expected_outcome()`: it must succeed even for a failing scenario.
    const discovered = await run.callDiscover();
    expect(errorsOf(discovered)).toEqual([]);
    const streams: Json[] = filterOutput(discovered.messages, "CATALOG")[0]!.catalog.streams;
    const catalog = configuredCatalog(
      streams.map((stream) => ({ stream, sync_mode: "full_refresh", destination_sync_mode: "append_dedup" })),
    );
    expect(catalog.streams[0]).toMatchObject({ cursor_field: null, primary_key: null });
    const r = await run.callRead(catalog);
    if (expectException(scenario)) {
      expect(errorsOf(r).length, "Expected exception but got none.").toBeGreaterThan(0);
      return;
    }
    expect(errorsOf(r)).toEqual([]);
    expect(filterOutput(r.messages, "RECORD").length, "Expected records but got none.").toBeGreaterThan(0);
    expect(r.code).toBe(0);
  }, 180_000);

  it("test_fail_read_with_bad_catalog: a stream that does not exist, with sync modes INVALID, fails with an error TRACE", async () => {
    const invalid = configuredCatalog([
      {
        stream: {
          name: "__AIRBYTE__stream_that_does_not_exist",
          json_schema: { type: "object", properties: { f1: { type: "string" } } },
          supported_sync_modes: ["full_refresh"],
        },
        sync_mode: "INVALID",
        destination_sync_mode: "INVALID",
      },
    ]);
    const r = await runner().callRead(invalid);
    expect(errorsOf(r).length, "Expected errors but got none.").toBeGreaterThan(0);
    expect(filterOutput(r.messages, "TRACE").length, "Expected trace messages but got none.").toBeGreaterThan(
      0,
    );
  });
});
