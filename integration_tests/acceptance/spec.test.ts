/**
 * TestSpec of Airbyte's connector acceptance tests (tests/test_core.py), one assertion per
 * test, each named after it. The inputs are those of the `spec` tests in
 * acceptance-test-config.yml.
 */

import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileSchema, schemaErrors } from "../../test/helpers/protocol.js";
import { runCli } from "../helpers/cli.js";
import { findAllValuesForKey, findNodes, getNode, getParent, type Json, type Path, search } from "./cat.js";
import { acceptanceConfig, projectFile, projectJson } from "./runner.js";

const DATE_PATTERN = "^[0-9]{2}-[0-9]{2}-[0-9]{4}$";
const DATETIME_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2})?$";
/** test_core.py `secret_property_names_fixture`. */
const SECRET_PROPERTY_NAMES = [
  "client_token",
  "access_token",
  "api_token",
  "token",
  "secret",
  "client_secret",
  "password",
  "key",
  "service_account_info",
  "service_account",
  "tenant_id",
  "certificate",
  "jwt",
  "credentials",
  "app_id",
  "appid",
  "refresh_token",
];

const specTests: Json[] = acceptanceConfig().acceptance_tests.spec.tests;
let actual: Json; // actual_connector_spec: what `spec` prints
let conn: Json; // its connectionSpecification

beforeAll(async () => {
  const r = await runCli(["spec"]);
  const specs = r.messages.filter((m) => m.type === "SPEC");
  expect(specs, "Spec message should be emitted exactly once").toHaveLength(1);
  actual = specs[0]!.spec;
  conn = actual.connectionSpecification;
});

describe.each(specTests)("CAT TestSpec ($config_path)", (inputs) => {
  it("test_config_match_spec: the config, without `_` keys, validates against the spec", () => {
    const config = Object.fromEntries(
      Object.entries(projectJson(inputs.config_path)).filter(([k]) => !k.startsWith("_")),
    );
    const validate = compileSchema(conn);
    if (!validate(config)) throw new Error(`Config invalid: ${schemaErrors(validate)}`);
  });

  it("test_match_expected: `spec` prints the spec in spec_path", () => {
    expect(actual).toEqual(projectJson(inputs.spec_path));
  });
});

describe("CAT TestSpec", () => {
  it("test_enum_usage: enum lists have distinct values", () => {
    for (const path of findNodes(conn, ["enum"])) {
      const list = getNode(conn, path) as unknown[];
      expect(new Set(list).size, `misconfigured enum ${JSON.stringify(list)}`).toBe(list.length);
    }
  });

  it("test_oneof_usage: a oneOf/anyOf sits in a type:object, its variants share exactly one const property, without a differing default or enum", () => {
    const variantPaths = findNodes(conn, ["oneOf", "anyOf"]);
    expect(variantPaths.length).toBe(2); // cloud.credentials and data_center.credentials
    for (const variantPath of variantPaths) {
      const where = variantPath.join(".");
      expect(getNode(conn, variantPath.slice(0, -1)).type, `${where}: parent type`).toBe("object");
      const variants = getNode(conn, variantPath) as Json[];
      for (const v of variants)
        expect(v, `${where}: variant without properties`).toHaveProperty("properties");
      const common = Object.keys(variants[0].properties).filter((k) =>
        variants.every((v) => k in v.properties),
      );
      expect(common.length, `${where}: no common property`).toBeGreaterThan(0);
      const constProps = common.filter((k) => variants.every((v) => "const" in v.properties[k]));
      expect(constProps, `${where}: common const properties`).toHaveLength(1);
      for (const v of variants) {
        const prop = v.properties[constProps[0]!];
        if ("default" in prop) expect(prop.default).toBe(prop.const);
        if ("enum" in prop) expect(prop.enum).toEqual([prop.const]);
      }
    }
  });

  it("test_required, test_optional, test_has_secret, test_secret_never_in_the_output: empty in CAT; their intent holds", () => {
    // CAT gives these four no body, so they pass for any connector. What they name is checked
    // here anyway: the spec has secrets (test_has_secret), and every CLI run in this project's
    // tests goes through the secret sweep of helpers/cli.ts (test_secret_never_in_the_output).
    expect(search(conn, "airbyte_secret").filter((e) => e.value === true).length).toBeGreaterThan(0);
    expect(conn.required).toEqual([]); // test_optional: nothing is required at the top
  });

  it("test_secret_is_properly_marked: fields named like secrets that can hold one are airbyte_secret, and only those", () => {
    const props = conn.properties;
    const exposed: string[] = [];
    const hidden: string[] = [];
    for (const { path } of search(props, "type")) {
      // _is_spec_property_name_secret: the last path part that is neither a keyword nor an index.
      const name = [...path.slice(0, -1)]
        .reverse()
        .find(
          (p) =>
            !/^\d+$/.test(String(p)) &&
            !["anyOf", "oneOf", "allOf", "not", "properties", "items", "type", "prefixItems"].includes(
              String(p),
            ),
        );
      if (name === undefined || !SECRET_PROPERTY_NAMES.includes(String(name).toLowerCase())) continue;
      const def = getParent(props, path);
      const types = [def.type].flat();
      // _property_can_store_secret
      const canStore = types.some((t) => ["string", "integer", "number"].includes(t)) && !def.const;
      const marked = def.airbyte_secret === true;
      if (marked && !canStore) hidden.push(path.join("/"));
      if (!marked && canStore) exposed.push(path.join("/"));
    }
    expect(hidden).toEqual([]);
    expect(exposed).toEqual([]);
  });

  it("test_property_type_is_not_array: a property's type is one type, or one type plus null", () => {
    for (const { path, value } of search(conn, "type")) {
      if (path.at(-3) !== "properties" || !Array.isArray(value)) continue;
      expect([1, 2], path.join("/")).toContain(value.length);
      if (value.length === 2) expect(value[1], path.join("/")).toBe("null");
    }
  });

  it("test_object_not_empty: every object below the root has properties or a oneOf", () => {
    for (const { path, value } of search(conn, "type")) {
      if (path.length === 1 || value !== "object") continue;
      const prop = getParent(conn, path);
      expect("oneOf" in prop || Object.keys(prop.properties ?? {}).length > 0, path.join("/")).toBe(true);
    }
  });

  it("test_array_type: array items are one object, string, number or integer type, or an enum", () => {
    for (const { path, value } of search(conn, "type")) {
      if (value !== "array") continue;
      const items = getParent(conn, path).items;
      if (items === undefined) continue;
      expect(Array.isArray(items), path.join("/")).toBe(false);
      expect(["object", "string", "number", "integer"].includes(items.type) || "enum" in items).toBe(true);
    }
  });

  it("test_forbidden_complex_types: no not, anyOf, patternProperties, prefixItems, allOf, if, then, else, dependentSchemas, dependentRequired", () => {
    const forbidden = ["not", "anyOf", "patternProperties", "prefixItems", "allOf", "if", "then", "else"];
    forbidden.push("dependentSchemas", "dependentRequired");
    const found = allUses(conn, forbidden);
    expect(found).toEqual([]);
  });

  it("test_date_pattern and test_date_format: nothing CAT would warn about (a date format without its pattern, or the reverse)", () => {
    const warnings: string[] = [];
    for (const { path, value } of search(conn, "format")) {
      if (typeof value !== "string") continue;
      const pattern = getParent(conn, path).pattern;
      if (value === "date" && pattern !== DATE_PATTERN) warnings.push(path.join("/"));
      if (value === "date-time" && pattern !== DATETIME_PATTERN) warnings.push(path.join("/"));
    }
    for (const { path, value } of search(conn, "pattern")) {
      if (value !== DATE_PATTERN && value !== DATETIME_PATTERN) continue;
      const format = getParent(conn, path).format;
      if (value === DATE_PATTERN && format !== "date") warnings.push(path.join("/"));
      if (value === DATETIME_PATTERN && format !== "date-time") warnings.push(path.join("/"));
    }
    expect(warnings).toEqual([]);
    // start_date takes a bare date and offsets, which format "date-time" would refuse: no format.
    expect(conn.properties.start_date.format).toBeUndefined();
  });

  it("test_duplicate_order: no two properties of one object (and group) share an order", () => {
    for (const { path, value: properties } of search(conn, "properties")) {
      if (getParent(conn, path).type !== "object") continue;
      const used = new Map<string, Set<number>>();
      for (const p of Object.values(properties) as Json[]) {
        if (!("order" in p)) continue;
        const group = used.get(p.group ?? "") ?? new Set();
        expect(group.has(p.order), `${path.join("/")} has duplicate order ${p.order}`).toBe(false);
        group.add(p.order);
        used.set(p.group ?? "", group);
      }
    }
  });

  it("test_nested_group: groups only on top-level properties (none here)", () => {
    for (const { path } of search(conn.properties, "group")) {
      const namedGroup = path.at(-2) === "properties";
      expect(namedGroup || path.length === 2, path.join("/")).toBe(true);
    }
  });

  it("test_display_type: display_type only beside a oneOf, dropdown or radio (none here)", () => {
    for (const { path, value } of search(conn.properties, "display_type")) {
      if (path.at(-2) === "properties") continue;
      expect("oneOf" in getParent(conn.properties, path)).toBe(true);
      expect(["dropdown", "radio"]).toContain(value);
    }
  });

  it("test_defined_refs_exist_in_json_spec_file: no $ref", () => {
    expect(findAllValuesForKey(actual, "$ref")).toEqual([]);
  });

  it("test_oauth_flow_parameters and test_oauth_is_default_method: no advanced_auth, so nothing to check (the connector has no OAuth flow)", () => {
    // Both return (or skip) when the spec has no advanced_auth; this connector takes tokens only.
    expect(actual.advanced_auth).toBeUndefined();
    expect(actual.authSpecification).toBeUndefined();
  });

  it("test_backward_compatibility: disabled for the first version, which has no previous one", () => {
    // CAT skips it when no previous image can be pulled, or when the previous version is
    // `disable_for_version`. 0.1.0 is the first release: there is nothing to be compatible with.
    const metadata = parse(projectFile("metadata.yaml"));
    for (const t of specTests)
      expect(t.backward_compatibility_tests_config?.disable_for_version).toBe(metadata.data.dockerImageTag);
  });

  it("test_additional_properties_is_true: additionalProperties, where set, is true", () => {
    for (const v of findAllValuesForKey(conn, "additionalProperties")) expect(v).toBe(true);
  });

  it("test_image_labels: io.airbyte.name and io.airbyte.version equal metadata.yaml's dockerRepository and dockerImageTag", () => {
    // CAT reads the labels of the built image; here the Dockerfile that sets them (the container
    // smoke test, integration_tests/container/smoke.sh, checks the image itself).
    const dockerfile = projectFile("Dockerfile");
    const label = (name: string) =>
      new RegExp(`${name.replaceAll(".", "\\.")}="([^"]+)"`).exec(dockerfile)?.[1];
    const metadata = parse(projectFile("metadata.yaml"));
    expect(label("io.airbyte.name")).toBe(metadata.data.dockerRepository);
    expect(label("io.airbyte.version")).toBe(metadata.data.dockerImageTag);
  });

  it("test_image_environment_variables: AIRBYTE_ENTRYPOINT is set and equals the entrypoint joined by spaces", () => {
    const dockerfile = projectFile("Dockerfile");
    const env = /^ENV AIRBYTE_ENTRYPOINT="([^"]+)"$/m.exec(dockerfile)?.[1];
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    expect(env).toBeTruthy();
    expect(env).toBe(entrypoint.join(" "));
  });
});

/** Uses of the keywords, not counting properties that happen to bear those names. */
function allUses(schema: Json, keywords: string[]): string[] {
  return findNodes(schema, keywords)
    .filter((p: Path) => p.at(-2) !== "properties")
    .map((p) => p.join("/"));
}
