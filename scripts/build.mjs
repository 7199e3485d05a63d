// Builds the two bins into dist/ with esbuild: each bin and its dependencies (zod, undici) in one
// module graph, bundled, with each lazily loaded command (`await import(...)`) in a chunk of its
// own, so that a command loads only its code and Node resolves a handful of files instead of
// hundreds. Type checking is `npm run typecheck` (tsc); this only transpiles and bundles.
import { rmSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: "src/main.ts", "singer/main": "src/singer/main.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "linked",
  // undici is CommonJS and requires Node's modules; an ES module has no `require` of its own.
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  logLevel: "warning",
});
