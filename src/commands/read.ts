import type { ResolvedConfig } from "../config/load.js";
import type { SyncOutput } from "../protocol/output.js";
import { selectStreams } from "./catalog.js";
import { closeAll, type DeploymentKind, deployments, STREAM_OF } from "./deployments.js";
import { runSync, type SyncOptions } from "./sync.js";

/**
 * `read`: the selected streams of the catalog, each from its state. Returns the exit code:
 * non-zero when any stream failed (the others still ran to the end).
 */
export async function read(
  config: ResolvedConfig,
  catalog: unknown,
  states: Map<string, unknown>,
  output: SyncOutput,
  tuning: Partial<SyncOptions> = {},
): Promise<number> {
  const selected = selectStreams(
    catalog,
    (Object.keys(STREAM_OF) as DeploymentKind[]).map((kind) => ({
      name: STREAM_OF[kind],
      deployment: kind,
      configured: kind === "cloud" ? config.cloud !== undefined : config.dataCenter !== undefined,
    })),
  );
  for (const name of states.keys()) {
    if (!selected.some((s) => s.name === name))
      output.info(`ignoring the state of stream ${name}: it is not being read`);
  }
  const ds = deployments(config, output).filter((d) => selected.some((s) => s.name === d.stream.name));
  try {
    const result = await runSync(
      ds.map((d) => {
        const sel = selected.find((s) => s.name === d.stream.name);
        return {
          stream: d.stream,
          client: d.client,
          incremental: sel?.syncMode === "incremental",
          state: states.get(d.stream.name),
        };
      }),
      output,
      { concurrency: config.maxConcurrency, shard: config.shard, ...tuning },
    );
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await closeAll(ds);
  }
}
