/**
 * TestFullRefresh of Airbyte's connector acceptance tests (tests/test_full_refresh.py
 * `test_sequential_reads`), for each `full_refresh` test of acceptance-test-config.yml.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../simulator/index.js";
import { canonical, configuredFromCustom, type Json, onlyMode } from "./cat.js";
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

const fullRefreshTests: Json[] = acceptanceConfig().acceptance_tests.full_refresh.tests;

describe.each(fullRefreshTests)("CAT TestFullRefresh ($config_path)", (inputs) => {
  it("test_sequential_reads: the first read has records, and every emitted_at of the second read is later than all of the first", async () => {
    const runner = connectorRunner(forSimulator(sim, inputs.config_path));
    // conftest.py configured_catalog_fixture: the custom catalog, streams from discover.
    const discovered = await discoveredCatalog(runner);
    const custom = projectJson(inputs.configured_catalog_path);
    const catalog = onlyMode(configuredFromCustom(custom, discovered), "full_refresh");
    // The custom catalog agrees with discover on each stream's key and cursor.
    for (const c of custom.streams as Json[]) {
      const d = discovered.find((s) => s.name === c.stream.name);
      expect(c.primary_key).toEqual(d.source_defined_primary_key);
      expect(c.cursor_field).toEqual(d.default_cursor_field);
    }
    expect(catalog.streams.length).toBe(custom.streams.length);
    const records1 = filterOutput((await runner.callRead(catalog)).messages, "RECORD").map((m) => m.record);
    await new Promise((resolve) => setTimeout(resolve, 100)); // time.sleep(0.1)
    const records2 = filterOutput((await runner.callRead(catalog)).messages, "RECORD").map((m) => m.record);
    expect(records1.length, "At least one record should be read using provided catalog").toBeGreaterThan(0);
    const max1 = Math.max(...records1.map((r) => r.emitted_at));
    const min2 = Math.min(...records2.map((r) => r.emitted_at));
    expect(max1, "emitted_at should increase on subsequent runs").toBeLessThan(min2);
    // Not asked by CAT any more (older versions compared records): the two reads hold the same records.
    const set = (rs: Json[]) => rs.map((r) => `${r.stream} ${canonical(r.data)}`).sort();
    expect(set(records2)).toEqual(set(records1));
  }, 180_000);
});
