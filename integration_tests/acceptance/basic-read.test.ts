/**
 * TestBasicRead of Airbyte's connector acceptance tests (tests/test_core.py `test_read` and
 * `test_airbyte_trace_message_on_failure`), one assertion per check, for each `basic_read` test
 * of acceptance-test-config.yml, against the simulator. At `test_strictness_level: high` CAT
 * builds the configured catalog from `discover` (conftest.py / test_core.py
 * `configured_catalog_fixture`), so this does too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSchema, schemaErrors } from "../../test/helpers/protocol.js";
import type { Message } from "../helpers/cli.js";
import { type Simulator, startSimulator } from "../simulator/index.js";
import {
  canonical,
  catDateTime,
  configuredCatalog,
  configuredFromDiscovered,
  expectedSchemaStructure,
  fractionalIntegers,
  type Json,
  objectStructure,
  primaryKeyValues,
} from "./cat.js";
import {
  acceptanceConfig,
  connectorRunner,
  discoveredCatalog,
  filterOutput,
  forSimulator,
  projectFile,
} from "./runner.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

const config = acceptanceConfig();
const basicReadTests: Json[] = config.acceptance_tests.basic_read.tests;

describe.each(basicReadTests)("CAT TestBasicRead ($config_path)", (inputs) => {
  let runner: ReturnType<typeof connectorRunner>;
  let catalog: Json; // configured_catalog
  let output: Message[];
  let records: Json[]; // the RECORD messages' `record`
  let lines: string[]; // their stdout lines, for the strict integer check

  beforeAll(async () => {
    runner = connectorRunner(forSimulator(sim, inputs.config_path));
    const emptyStreams = (inputs.empty_streams ?? []).map((e: Json) => e.name);
    catalog = configuredFromDiscovered(await discoveredCatalog(runner), emptyStreams);
    const r = await runner.callRead(catalog);
    output = r.messages;
    records = filterOutput(output, "RECORD").map((m) => m.record);
    lines = r.stdout.split("\n").filter((l) => l.startsWith('{"type":"RECORD"'));
  }, 180_000);

  it("test_read: at least one record is read using the catalog", () => {
    expect(records.length).toBeGreaterThan(0);
  });

  it("test_read › _validate_records_structure: every record shares some field path with its schema", () => {
    expect(inputs.validate_schema ?? true).toBe(true); // high strictness requires it
    const expected = new Map(
      catalog.streams.map((s: Json) => [
        s.stream.name,
        new Set(expectedSchemaStructure(s.stream.json_schema)),
      ]),
    );
    for (const r of records) {
      const paths = expected.get(r.stream) as Set<string>;
      expect(
        objectStructure(r.data).some((p) => paths.has(p)),
        r.stream,
      ).toBe(true);
    }
  });

  it("test_read › verify_records_schema: every record valid (Draft 7, strict integers, CAT's date-time check)", () => {
    for (const s of catalog.streams as Json[]) {
      const validate = compileSchema(s.stream.json_schema);
      const formats = dateTimePaths(s.stream.json_schema);
      for (const r of records.filter((x) => x.stream === s.stream.name)) {
        if (!validate(r.data)) throw new Error(`${r.stream}: ${schemaErrors(validate)}`);
        for (const path of formats) {
          const v = path.reduce((d: Json, k) => d?.[k], r.data);
          if (typeof v === "string") expect(catDateTime(v), `${r.stream} ${path.join(".")}=${v}`).toBe(true);
        }
      }
      for (const line of lines.filter((l) => l.includes(`"stream":${JSON.stringify(s.stream.name)}`)))
        expect(fractionalIntegers(line, s.stream.json_schema)).toEqual([]);
    }
  });

  it("test_read › _validate_empty_streams: every stream not declared empty has records", () => {
    const allowed = new Set((inputs.empty_streams ?? []).map((e: Json) => e.name));
    const withRecords = new Set(records.map((r) => r.stream));
    const without = catalog.streams
      .map((s: Json) => s.stream.name)
      .filter((n: string) => !withRecords.has(n) && !allowed.has(n));
    expect(without, "All streams should return some records").toEqual([]);
  });

  it("test_read › _validate_primary_keys_data_type: no key part an object or an array, and not every part null", () => {
    for (const s of catalog.streams as Json[]) {
      if (!s.stream.source_defined_primary_key) continue;
      for (const r of records.filter((x) => x.stream === s.stream.name)) {
        const values = primaryKeyValues(r.data, s.stream.source_defined_primary_key);
        for (const v of values) expect(typeof v === "object" && v !== null, r.stream).toBe(false);
        expect(
          values.some((v) => v !== null),
          `${r.stream}: a key with null values in all its parts`,
        ).toBe(true);
        // Not asked by CAT: no key part is null at all (every part is required in the schema).
        expect(
          values.every((v) => v !== null),
          r.stream,
        ).toBe(true);
      }
    }
  });

  it("test_read › fail_on_extra_columns: no record has a top-level field its schema does not declare", () => {
    expect(inputs.fail_on_extra_columns).toBe(true);
    for (const s of catalog.streams as Json[]) {
      const declared = new Set(Object.keys(s.stream.json_schema.properties));
      const extra = new Set(
        records
          .filter((r) => r.stream === s.stream.name)
          .flatMap((r) => Object.keys(r.data).filter((k) => !declared.has(k))),
      );
      expect([...extra], s.stream.name).toEqual([]);
    }
  });

  it("test_read › _validate_expected_records: every expected record's primary key is read (exact_order off)", () => {
    // compare_records: for streams with a primary key CAT compares the keys only.
    const expected = projectFile(inputs.expect_records.path)
      .replaceAll("http://127.0.0.1:7990", sim.url)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(expected.length).toBeGreaterThan(100);
    for (const s of catalog.streams as Json[]) {
      const pk = s.stream.source_defined_primary_key as string[][];
      const actual = new Set(
        records.filter((r) => r.stream === s.stream.name).map((r) => canonical(primaryKeyValues(r.data, pk))),
      );
      const want = expected.filter((e) => e.stream === s.stream.name);
      // expected_records_by_stream_fixture at high strictness: each stream is seeded, or declared empty.
      expect(want.length, `${s.stream.name} has no expected records`).toBeGreaterThan(0);
      const missing = want.filter((e) => !actual.has(canonical(primaryKeyValues(e.data, pk))));
      expect(missing.length, `${s.stream.name}: expected primary keys not read`).toBe(0);
      // Stricter than CAT: the records themselves are equal, field for field.
      const whole = new Set(records.filter((r) => r.stream === s.stream.name).map((r) => canonical(r.data)));
      expect(want.filter((e) => !whole.has(canonical(e.data))).length).toBe(0);
    }
  });

  it("test_read › _validate_stream_statuses: per stream STARTED, then RUNNING only, then COMPLETE", () => {
    const byStream = new Map<string, string[]>();
    for (const m of filterOutput(output, "TRACE")) {
      if (m.trace.type !== "STREAM_STATUS") continue;
      const d = m.trace.stream_status.stream_descriptor;
      const key = `${d.namespace ?? "None"}-${d.name}`;
      byStream.set(key, [...(byStream.get(key) ?? []), m.trace.stream_status.status]);
    }
    expect(new Set(byStream.keys()), "All stream must emit status").toEqual(
      new Set(catalog.streams.map((s: Json) => `${s.stream.namespace ?? "None"}-${s.stream.name}`)),
    );
    for (const statuses of byStream.values()) {
      expect(statuses.length).toBeGreaterThanOrEqual(3);
      expect(statuses[0]).toBe("STARTED");
      expect(statuses.at(-1)).toBe("COMPLETE");
      expect(statuses.slice(1, -1).every((s) => s === "RUNNING")).toBe(true);
    }
  });

  it("test_read › _validate_state_messages: a STATE per stream at least, none LEGACY, each with sourceStats", () => {
    expect(inputs.validate_state_messages ?? true).toBe(true);
    const states = filterOutput(output, "STATE");
    expect(states.length).toBeGreaterThanOrEqual(catalog.streams.length);
    for (const m of states) {
      expect(m.state.type).not.toBe("LEGACY");
      expect(m.state.sourceStats).toEqual({ recordCount: expect.any(Number) });
    }
  });

  it("test_read › _validate_field_appears_at_least_once: off (validate_data_points defaults to false)", () => {
    // CAT runs it only with validate_data_points: true. Bitbucket leaves optional fields out
    // (e.g. `rendered`, `properties`), so records cannot be expected to fill every one.
    expect(inputs.validate_data_points ?? false).toBe(false);
  });

  it("test_airbyte_trace_message_on_failure: a catalog that is invalid makes at least one error TRACE", async () => {
    expect(inputs.expect_trace_message_on_failure ?? true).toBe(true);
    // ConfiguredAirbyteStream.construct(...) with sync_mode and destination_sync_mode "INVALID".
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
    const r = await runner.callRead(invalid);
    const errors = filterOutput(r.messages, "TRACE").filter((m) => m.trace.type === "ERROR");
    expect(errors.length, "Connector should emit at least one error trace message").toBeGreaterThanOrEqual(1);
  });
});

describe("CAT high test_strictness_level rules for basic_read (conftest.py, test_core.py fixtures)", () => {
  it.each(basicReadTests)(
    "$config_path: no custom configured catalog, expect_records set, empty streams explained",
    (inputs) => {
      expect(config.test_strictness_level).toBe("high");
      expect(
        inputs.configured_catalog_path,
        "you can't set a custom configured catalog ... when strictness level is high",
      ).toBeUndefined();
      expect(inputs.expect_records?.path ?? inputs.expect_records?.bypass_reason).toBeTruthy();
      for (const e of inputs.empty_streams ?? []) expect(e.bypass_reason, e.name).toBeTruthy();
    },
  );
});

/** Paths of the properties with `format: date-time` (CustomFormatChecker checks only those). */
function dateTimePaths(schema: Json, at: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    if (v.format === "date-time") out.push([...at, k]);
    out.push(...dateTimePaths(v, [...at, k]));
  }
  return out;
}
