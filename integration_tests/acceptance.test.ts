/**
 * What Airbyte's connector acceptance tests check, run against the simulator with the files
 * acceptance-test-config.yml points to: spec, connection, discovery, basic read with expected
 * records, full refresh, incremental and future state.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSchema, schemaErrors } from "../test/helpers/protocol.js";
import {
  byType,
  errors,
  lastStates,
  type Message,
  records,
  runCli,
  states,
  statuses,
  writeFiles,
} from "./helpers/cli.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

const SAMPLE_ORIGIN = "http://127.0.0.1:7990";
const file = (name: string) => readFileSync(new URL(name, import.meta.url), "utf8");
const json = (name: string) => JSON.parse(file(name)) as Message;

let sim: Simulator;
let config: string;
let invalidConfig: string;
const catalogPath = new URL("configured_catalog.json", import.meta.url).pathname;
const abnormalStatePath = new URL("abnormal_state.json", import.meta.url).pathname;

beforeAll(async () => {
  sim = await startSimulator();
  const files = writeFiles({
    "config.json": file("sample_config.json").replaceAll(SAMPLE_ORIGIN, sim.url),
    "invalid.json": file("invalid_config.json").replaceAll(SAMPLE_ORIGIN, sim.url),
  });
  config = files["config.json"]!;
  invalidConfig = files["invalid.json"]!;
});
afterAll(async () => {
  await sim.close();
});

describe("acceptance: spec", () => {
  it("emits one SPEC equal to spec.json, which the sample config satisfies and the invalid one does not", async () => {
    const r = await runCli(["spec"]);
    expect(r.code).toBe(0);
    expect(r.messages).toHaveLength(1);
    const spec = r.messages[0]!.spec;
    expect(spec).toEqual(json("../spec.json"));
    const validate = compileSchema(spec.connectionSpecification);
    if (!validate(json("sample_config.json"))) throw new Error(schemaErrors(validate));
    expect(validate(json("invalid_config.json"))).toBe(true); // well-formed, wrong credentials
  });
});

describe("acceptance: connection", () => {
  it("succeeds with the sample config and fails (exit 0) with the invalid one", async () => {
    const ok = await runCli(["check", "--config", config]);
    expect(byType(ok.messages, "CONNECTION_STATUS").map((m) => m.connectionStatus.status)).toEqual([
      "SUCCEEDED",
    ]);
    const bad = await runCli(["check", "--config", invalidConfig]);
    expect(bad.code).toBe(0);
    expect(byType(bad.messages, "CONNECTION_STATUS").map((m) => m.connectionStatus.status)).toEqual([
      "FAILED",
    ]);
  });
});

describe("acceptance: discovery", () => {
  it("lists a stream per deployment whose keys and cursor exist in its schema, and covers the configured catalog", async () => {
    const r = await runCli(["discover", "--config", config]);
    expect(r.code).toBe(0);
    const [catalog] = byType(r.messages, "CATALOG");
    const streams = catalog!.catalog.streams as Message[];
    expect(streams.map((s) => s.name).sort()).toEqual([
      "cloud_pullrequest_commits",
      "dc_default_branch_commits",
    ]);
    for (const s of streams) {
      compileSchema(s.json_schema); // a valid JSON Schema
      expect(s.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
      const props = s.json_schema.properties as Record<string, Message>;
      for (const [field] of s.source_defined_primary_key as string[][])
        expect(props[field!], `${s.name}.${field}`).toBeDefined();
      for (const field of s.default_cursor_field as string[])
        expect(props[field], `${s.name}.${field}`).toBeDefined();
      expect(s.json_schema.required).toEqual(
        expect.arrayContaining([...s.source_defined_primary_key.flat(), ...s.default_cursor_field]),
      );
    }
    for (const c of json("configured_catalog.json").streams as Message[]) {
      const d = streams.find((s) => s.name === c.stream.name)!;
      expect(c.primary_key).toEqual(d.source_defined_primary_key);
      expect(c.cursor_field).toEqual(d.default_cursor_field);
    }
  });
});

describe("acceptance: reads", () => {
  let first: Message[];

  it("basic read: every record valid, every expected record present and equal", async () => {
    const r = await runCli(["read", "--config", config, "--catalog", catalogPath]);
    expect(r.code).toBe(0);
    first = r.messages;
    const schemas = new Map(
      (await discovered()).map((s) => [s.name as string, compileSchema(s.json_schema)]),
    );
    for (const m of byType(first, "RECORD")) {
      const v = schemas.get(m.record.stream)!;
      if (!v(m.record.data)) throw new Error(`${m.record.stream}: ${schemaErrors(v)}`);
    }
    const emitted = new Set(
      byType(first, "RECORD").map((m) => `${m.record.stream} ${JSON.stringify(sortKeys(m.record.data))}`),
    );
    const expected = file("expected_records.jsonl")
      .replaceAll(SAMPLE_ORIGIN, sim.url)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Message);
    expect(expected.length).toBeGreaterThan(100);
    for (const e of expected)
      expect(
        emitted.has(`${e.stream} ${JSON.stringify(sortKeys(e.data))}`),
        JSON.stringify(e.data).slice(0, 120),
      ).toBe(true);
  });

  it("full refresh: two reads emit the same records", async () => {
    const full = writeFiles({
      "catalog.json": {
        streams: json("configured_catalog.json").streams.map((s: Message) => ({
          ...s,
          sync_mode: "full_refresh",
          destination_sync_mode: "overwrite",
        })),
      },
    });
    const a = await runCli(["read", "--config", config, "--catalog", full["catalog.json"]!]);
    const b = await runCli(["read", "--config", config, "--catalog", full["catalog.json"]!]);
    const keys = (ms: Message[]) =>
      records(ms)
        .map((d) => JSON.stringify(sortKeys(d)))
        .sort();
    expect(keys(a.messages)).toEqual(keys(b.messages));
    expect(keys(a.messages).length).toBe(records(first).length);
  });

  it("incremental: reading again from the emitted state yields nothing new", async () => {
    const st = writeFiles({ "state.json": lastStates(first) });
    const r = await runCli([
      "read",
      "--config",
      config,
      "--catalog",
      catalogPath,
      "--state",
      st["state.json"]!,
    ]);
    expect(r.code).toBe(0);
    expect(records(r.messages)).toEqual([]);
  });

  it("future state (abnormal_state.json): zero records, at least one STATE and a COMPLETE status per stream", async () => {
    const r = await runCli([
      "read",
      "--config",
      config,
      "--catalog",
      catalogPath,
      "--state",
      abnormalStatePath,
    ]);
    expect(r.code).toBe(0);
    expect(errors(r.messages)).toEqual([]);
    expect(records(r.messages)).toEqual([]);
    for (const s of ["cloud_pullrequest_commits", "dc_default_branch_commits"]) {
      expect(states(r.messages, s).length).toBeGreaterThanOrEqual(1);
      expect(statuses(r.messages, s)).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    }
  });
});

async function discovered(): Promise<Message[]> {
  const r = await runCli(["discover", "--config", config]);
  return byType(r.messages, "CATALOG")[0]!.catalog.streams as Message[];
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v as Message)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  return v;
}
