import { spawnSync } from "node:child_process";

/** Median wall time (ms) of `runs` runs of a command, after one warm-up run. */
function median(node: string, argv: string[], runs: number): number {
  spawnSync(node, argv, { stdio: "ignore" });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    spawnSync(node, argv, { stdio: "ignore" });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

/** Start-up of `spec` against a bare `node -e 0` on the same machine (medians of `runs` runs). */
export function startup(
  node: string,
  bin: string,
  nodeFlags: string[],
  runs = 15,
): { nodeMs: number; specMs: number; ratio: number } {
  const nodeMs = median(node, ["-e", "0"], runs);
  const specMs = median(node, [...nodeFlags, bin, "spec"], runs);
  return { nodeMs, specMs, ratio: specMs / nodeMs };
}
