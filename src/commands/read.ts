import type { ResolvedConfig } from "../config/load.js";
import type { SyncOutput } from "../protocol/output.js";
import { type SelectedStream, selectStreams } from "./catalog.js";
import { closeAll, configuredKinds, type DeploymentKind, deployments, STREAM_OF } from "./deployments.js";
import { TerminalProgress } from "./progress.js";
import { runSync, type SyncOptions } from "./sync.js";

export interface ReadOptions {
  /** Where to show progress when it is a terminal (stderr); never stdout. */
  progressTo?: NodeJS.WritableStream & { isTTY?: boolean };
  tuning?: Partial<SyncOptions>;
}

/** The streams this connector has, and whether the config has the deployment each needs. */
export function availableStreams(
  config: ResolvedConfig,
): { name: string; configured: boolean; deployment: DeploymentKind }[] {
  const configured = configuredKinds(config);
  return (Object.keys(STREAM_OF) as DeploymentKind[]).map((kind) => ({
    name: STREAM_OF[kind].name,
    deployment: kind,
    configured: configured.includes(kind),
  }));
}

/** Airbyte `read`: the configured catalog's streams. Returns the exit code. */
export function read(
  config: ResolvedConfig,
  catalog: unknown,
  states: Map<string, unknown>,
  output: SyncOutput,
  opts: ReadOptions = {},
): Promise<number> {
  return readStreams(config, selectStreams(catalog, availableStreams(config)), states, output, opts);
}

/**
 * Reads the selected streams, each from its state, through `output`; shared by the Airbyte and
 * Singer front ends. Returns the exit code: non-zero when any stream failed (the others still
 * ran to the end).
 */
export async function readStreams(
  config: ResolvedConfig,
  selected: SelectedStream[],
  states: Map<string, unknown>,
  output: SyncOutput,
  opts: ReadOptions = {},
): Promise<number> {
  for (const name of states.keys()) {
    if (!selected.some((s) => s.name === name))
      output.info(`ignoring the state of stream ${name}: it is not being read`);
  }
  const ds = deployments(config, output).filter((d) => selected.some((s) => s.name === d.stream.info.name));
  const progress = opts.progressTo
    ? new TerminalProgress(opts.progressTo, () => ds.map((d) => d.client.stats)).start()
    : undefined;
  try {
    const result = await runSync(
      ds.map((d) => ({
        stream: d.stream,
        client: d.client,
        incremental: selected.find((s) => s.name === d.stream.info.name)?.syncMode === "incremental",
        state: states.get(d.stream.info.name),
      })),
      output,
      {
        concurrency: config.maxConcurrency,
        shard: config.shard,
        ...(progress ? { observer: progress } : {}),
        ...opts.tuning,
      },
    );
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    progress?.stop();
    await closeAll(ds);
  }
}
