/**
 * acceptance-test-config.yml as CAT loads it: config.py's pydantic models (`extra = "forbid"`,
 * so an unknown key fails the whole run) and plugin.py's rule that at `high` strictness every
 * test class must be configured. Only the keys of the models this file uses are listed.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Json } from "./cat.js";
import { acceptanceConfig } from "./runner.js";

const COMMON = ["config_path", "timeout_seconds", "deployment_mode"];
const BACKWARD = ["previous_connector_version", "disable_for_version"];
/** The fields of each config.py model. */
const MODELS: Record<string, string[]> = {
  spec: [...COMMON, "spec_path", "backward_compatibility_tests_config", "auth_default_method"],
  connection: [...COMMON, "status"],
  discovery: [...COMMON, "backward_compatibility_tests_config", "validate_primary_keys_data_type"],
  basic_read: [
    ...COMMON,
    "configured_catalog_path",
    "empty_streams",
    "expect_records",
    "validate_schema",
    "validate_stream_statuses",
    "validate_state_messages",
    "validate_primary_keys_data_type",
    "fail_on_extra_columns",
    "validate_data_points",
    "expect_trace_message_on_failure",
    "file_types",
    "client_container_config",
  ],
  full_refresh: [...COMMON, "configured_catalog_path", "ignored_fields", "client_container_config"],
  incremental: [
    ...COMMON,
    "configured_catalog_path",
    "future_state",
    "skip_comprehensive_incremental_tests",
    "client_container_config",
  ],
};
const EXPECTED_RECORDS = ["bypass_reason", "path", "exact_order"];
const FUTURE_STATE = ["future_state_path", "missing_streams", "bypass_reason", "cursor_format"];
const PATH_KEYS = ["config_path", "spec_path", "configured_catalog_path"];

const config = acceptanceConfig();

describe("acceptance-test-config.yml, as CAT's config.py reads it", () => {
  it("Config: known top-level keys, a connector image, high strictness", () => {
    const top = ["connector_image", "acceptance_tests", "base_path", "test_strictness_level"];
    expect(Object.keys(config).filter((k) => ![...top, "custom_environment_variables"].includes(k))).toEqual(
      [],
    );
    expect(config.connector_image).toMatch(/^airbyte\/source-bitbucket:/);
    expect(config.test_strictness_level).toBe("high");
  });

  it("plugin.py parametrize_skip_or_fail: every test class mandatory at high strictness is configured", () => {
    for (const key of Object.keys(MODELS))
      expect(config.acceptance_tests[key]?.tests?.length, key).toBeGreaterThan(0);
  });

  it.each(Object.keys(MODELS))(
    "%s: only the fields of its model (extra = forbid), and files that exist",
    (key) => {
      for (const test of config.acceptance_tests[key].tests as Json[]) {
        expect(Object.keys(test).filter((k) => !MODELS[key]!.includes(k))).toEqual([]);
        for (const k of PATH_KEYS)
          if (test[k]) expect(existsSync(new URL(`../../${test[k]}`, import.meta.url)), test[k]).toBe(true);
        const backward = test.backward_compatibility_tests_config;
        if (backward) expect(Object.keys(backward).filter((k) => !BACKWARD.includes(k))).toEqual([]);
        if (test.expect_records) {
          expect(Object.keys(test.expect_records).filter((k) => !EXPECTED_RECORDS.includes(k))).toEqual([]);
          // ExpectedRecordsConfig: a path or a bypass reason, not both.
          expect(Boolean(test.expect_records.path) !== Boolean(test.expect_records.bypass_reason)).toBe(true);
        }
        if (test.future_state)
          expect(Object.keys(test.future_state).filter((k) => !FUTURE_STATE.includes(k))).toEqual([]);
        if (test.status) expect(["succeed", "failed", "exception"]).toContain(test.status);
      }
    },
  );
});
