/**
 * One direction of flow: command line → config → commands → streams → HTTP → Bitbucket, records
 * back out through one emitter. No module imports from a layer above its own (imports within a
 * layer are free). The layers, top to bottom, are listed here; the README's development section
 * says the same.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = new URL("../src/", import.meta.url).pathname;

const LAYERS: [name: string, test: (path: string) => boolean][] = [
  ["front ends", (p) => /^(main|help|exit|lifecycle|runtime)\.ts$/.test(p) || p.startsWith("singer/")],
  ["config", (p) => p.startsWith("config/")],
  ["commands", (p) => p.startsWith("commands/")],
  [
    "streams",
    (p) =>
      p.startsWith("streams/") ||
      p.startsWith("cloud/") ||
      p.startsWith("datacenter/") ||
      p.startsWith("generated/"),
  ],
  ["http", (p) => p.startsWith("http/")],
  ["protocol", (p) => p.startsWith("protocol/")],
  ["base", (p) => /^(errors|version|zod-issues|json-bytes)\.ts$/.test(p)],
];

function layerOf(path: string): number {
  const i = LAYERS.findIndex(([, test]) => test(path));
  if (i < 0) throw new Error(`src/${path} is in no layer: add it to LAYERS (and the README)`);
  return i;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Every module a file imports (static, re-exported or dynamic), as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"(\.{1,2}\/[^"]+)"/g)].map(
    (m) => m[1]!,
  );
  return specs
    .map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, ".ts"))
    .filter((p) => !p.startsWith("..") && p.endsWith(".ts"));
}

describe("layers", () => {
  it("no module imports from a layer above its own", () => {
    const upward: string[] = [];
    for (const file of files(SRC)) {
      const from = relative(SRC, file);
      for (const to of importsOf(file)) {
        if (layerOf(to) < layerOf(from))
          upward.push(`${from} (${LAYERS[layerOf(from)]![0]}) imports ${to} (${LAYERS[layerOf(to)]![0]})`);
      }
    }
    expect(upward).toEqual([]);
  });
});
