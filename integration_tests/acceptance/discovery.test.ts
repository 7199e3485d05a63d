/**
 * TestDiscovery of Airbyte's connector acceptance tests (tests/test_core.py), one assertion per
 * test, for each `discovery` test of acceptance-test-config.yml, against the simulator.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { schemaProblems } from "../../test/helpers/protocol.js";
import { type Simulator, startSimulator } from "../simulator/index.js";
import {
  allKeys,
  fieldInSchema,
  findAllValuesForKey,
  findKeywordSchema,
  getParent,
  type Json,
} from "./cat.js";
import { acceptanceConfig, connectorRunner, filterOutput, forSimulator, projectFile } from "./runner.js";

/** TestDiscovery's VALID_* sets and combinations. */
const VALID_TYPES = new Set(["null", "string", "number", "integer", "boolean", "object", "array"]);
const VALID_AIRBYTE_TYPES = new Set(["timestamp_with_timezone", "timestamp_without_timezone", "integer"]);
const VALID_FORMATS = new Set(["date-time", "date"]);
const VALID_TYPE_FORMAT = ["string|date", "string|date-time", "null,string|date", "null,string|date-time"];
const VALID_TYPE_AIRBYTE_TYPE = [
  "string|timestamp_with_timezone",
  "string|timestamp_without_timezone",
  "null,string|timestamp_with_timezone",
  "integer|integer",
  "integer,null|integer",
  "number|integer",
  "null,number|integer",
];

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

const discoveryTests: Json[] = acceptanceConfig().acceptance_tests.discovery.tests;

describe.each(discoveryTests)("CAT TestDiscovery ($config_path)", (inputs) => {
  let catalogs: Json[];
  let streams: Json[]; // discovered_catalog
  beforeAll(async () => {
    const r = await connectorRunner(forSimulator(sim, inputs.config_path)).callDiscover();
    catalogs = filterOutput(r.messages, "CATALOG");
    streams = catalogs.at(-1)?.catalog.streams ?? [];
  });

  it("test_discover: exactly one CATALOG, with streams, each name once", () => {
    expect(catalogs, "Catalog message should be emitted exactly once").toHaveLength(1);
    expect(streams.length).toBeGreaterThan(0);
    const names = streams.map((s) => s.name);
    expect(new Set(names).size, "Catalog should have uniquely named streams").toBe(names.length);
  });

  it("test_streams_have_valid_json_schemas: each json_schema passes Draft7Validator.check_schema", () => {
    for (const s of streams) expect(schemaProblems(s.json_schema), s.name).toEqual([]);
  });

  it("test_defined_cursors_exist_in_schema: default_cursor_field is a path of the schema's properties", () => {
    for (const s of streams) {
      if (!s.default_cursor_field?.length) continue;
      expect(s.json_schema).toHaveProperty("properties");
      expect(fieldInSchema(s.json_schema, s.default_cursor_field), s.name).toBe(true);
    }
  });

  it("test_defined_refs_exist_in_schema: no $ref in any schema", () => {
    for (const s of streams) expect(findAllValuesForKey(s.json_schema, "$ref"), s.name).toEqual([]);
  });

  it.each(["allOf", "not"])(
    "test_defined_keyword_exist_in_schema[%s]: not used (as a keyword)",
    (keyword) => {
      for (const s of streams) expect(findKeywordSchema(s.json_schema, keyword), s.name).toBe(false);
    },
  );

  it("test_primary_keys_exist_in_schema: every source_defined_primary_key part is a path of the schema", () => {
    for (const s of streams)
      for (const pk of s.source_defined_primary_key ?? [])
        expect(fieldInSchema(s.json_schema, pk), `${s.name}: ${pk}`).toBe(true);
  });

  it("test_streams_has_sync_modes: supported_sync_modes is set and not empty", () => {
    for (const s of streams) expect(s.supported_sync_modes?.length, s.name).toBeGreaterThan(0);
  });

  it("test_additional_properties_is_true: additionalProperties, where set, is true", () => {
    for (const s of streams)
      for (const v of findAllValuesForKey(s.json_schema, "additionalProperties"))
        expect(v, s.name).toBe(true);
  });

  it("test_backward_compatibility: disabled for the first version, which has no previous one", () => {
    // Skipped by CAT when no previous image can be pulled or the previous version is
    // `disable_for_version`; 0.1.0 is the first release.
    const metadata = parse(projectFile("metadata.yaml"));
    expect(inputs.backward_compatibility_tests_config?.disable_for_version).toBe(
      metadata.data.dockerImageTag,
    );
  });

  it("test_catalog_has_supported_data_types: only Airbyte's supported types, formats and airbyte_types, in valid combinations", () => {
    // Marked skip in CAT ("too much failures" across connectors); this connector passes it.
    for (const s of streams) {
      for (const { path, value } of allKeys(s.json_schema).filter((e) => e.key === "type")) {
        if (typeof value !== "string" && !Array.isArray(value)) continue; // a property named "type"
        const where = `${s.name} ${path.join("/")}`;
        const types = [value].flat().sort();
        for (const t of types) expect(VALID_TYPES.has(t), where).toBe(true);
        const parent = getParent(s.json_schema, path);
        if (parent.format) {
          expect(VALID_FORMATS.has(parent.format), where).toBe(true);
          expect(VALID_TYPE_FORMAT, where).toContain(`${types}|${parent.format}`);
        }
        if (parent.airbyte_type) {
          expect(VALID_AIRBYTE_TYPES.has(parent.airbyte_type), where).toBe(true);
          expect(VALID_TYPE_AIRBYTE_TYPE, where).toContain(`${types}|${parent.airbyte_type}`);
        }
      }
    }
  });

  it("test_primary_keys_data_type: no primary key part is an object or an array", () => {
    expect(inputs.validate_primary_keys_data_type ?? true).toBe(true);
    for (const s of streams)
      for (const pk of s.source_defined_primary_key ?? []) {
        let def = s.json_schema;
        for (const part of pk) def = def.properties[part];
        const types = [def.type].flat();
        expect(types.includes("object") || types.includes("array"), `${s.name}: ${pk}`).toBe(false);
      }
  });
});
