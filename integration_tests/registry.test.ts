import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STREAMS } from "../src/streams/registry.js";
import { BIN, runCli } from "./helpers/cli.js";

/**
 * The registry (src/streams/registry.ts) is the only list of streams: everything a user or a tool
 * sees of the streams is derived from it. Each list below is read from what the built bins print
 * or from the acceptance files, and compared with the registry as a whole.
 */
const SINGER_BIN = new URL("../dist/singer/main.js", import.meta.url).pathname;
const root = new URL("../", import.meta.url).pathname;
const names = STREAMS.map((s) => s.info.name);
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The "Streams (config section):" block of a --help text, as {name: section}. */
function helpStreams(text: string): Record<string, string> {
  const block = text.split("Streams (config section):\n")[1]?.split("\n\n")[0] ?? "";
  return Object.fromEntries(
    block
      .split("\n")
      .map((l) => /^\s+(\S+) \((\w+)\)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

/** The sample config: every deployment configured, so discover lists every stream. */
function sampleConfig(): string {
  const file = join(mkdtempSync(join(tmpdir(), "registry-")), "config.json");
  writeFileSync(file, readFileSync(join(root, "integration_tests/sample_config.json")));
  return file;
}

describe("the stream registry is the one list of streams", () => {
  const expected = Object.fromEntries(STREAMS.map((s) => [s.info.name, s.deployment]));

  it("has unique names, each with a JSON schema file", () => {
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      const schema = JSON.parse(readFileSync(join(root, "schemas", `${name}.json`), "utf8"));
      expect(STREAMS.find((s) => s.info.name === name)?.info.jsonSchema).toEqual(schema);
    }
  });

  it("is what discover and the Singer tap's --discover print", async () => {
    const config = sampleConfig();
    const airbyte = await runCli(["discover", "--config", config]);
    expect(airbyte.code).toBe(0);
    const catalog = airbyte.messages.find((m) => m.type === "CATALOG")?.catalog;
    expect(sorted(catalog.streams.map((s: { name: string }) => s.name))).toEqual(sorted(names));

    const singer = JSON.parse(
      execFileSync(process.execPath, [SINGER_BIN, "--config", config, "--discover"], { encoding: "utf8" }),
    ) as { streams: { tap_stream_id: string; stream: string }[] };
    expect(sorted(singer.streams.map((s) => s.tap_stream_id))).toEqual(sorted(names));
  });

  it("is what --help of both bins lists, with each stream's config section", () => {
    for (const bin of [BIN, SINGER_BIN]) {
      // source-bitbucket keeps stdout for protocol messages: its help goes to stderr.
      const run = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
      expect(run.status).toBe(0);
      expect(helpStreams(run.stdout + run.stderr), bin).toEqual(expected);
    }
  });

  it("is what the acceptance files cover: the configured catalog, the abnormal state, the expected records", () => {
    const read = (f: string) => readFileSync(join(root, "integration_tests", f), "utf8");
    const configured = JSON.parse(read("configured_catalog.json")) as {
      streams: { stream: { name: string } }[];
    };
    expect(sorted(configured.streams.map((s) => s.stream.name))).toEqual(sorted(names));
    const abnormal = JSON.parse(read("abnormal_state.json")) as {
      stream: { stream_descriptor: { name: string } };
    }[];
    expect(sorted(abnormal.map((s) => s.stream.stream_descriptor.name))).toEqual(sorted(names));
    const recordStreams = new Set(
      read("expected_records.jsonl")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => (JSON.parse(l) as { stream: string }).stream),
    );
    expect(sorted(recordStreams)).toEqual(sorted(names));
  });
});
