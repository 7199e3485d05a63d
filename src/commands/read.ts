import { ConnectorError } from "../errors.js";
import type { SyncOutput } from "../protocol/output.js";
import { availableStreams, type SelectedStream, selectStreams } from "./catalog.js";
import { closeAll, openDeployments } from "./deployments.js";
import { TerminalProgress } from "./progress.js";
import type { ConnectorSettings } from "./settings.js";
import { runSync, type SyncEntry, type SyncOptions } from "./sync/engine.js";

export interface ReadOptions {
  /** Where to show progress when it is a terminal (stderr); never stdout. */
  progressTo?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted to cancel the read (SIGTERM, SIGINT, stdout closed). */
  signal?: AbortSignal;
  tuning?: Partial<SyncOptions>;
}

/** Airbyte `read`: the configured catalog's streams. Returns the exit code. */
export function read(
  settings: ConnectorSettings,
  catalog: unknown,
  states: Map<string, unknown>,
  output: SyncOutput,
  opts: ReadOptions = {},
): Promise<number> {
  return readStreams(settings, selectStreams(catalog, availableStreams(settings)), states, output, opts);
}

/**
 * Reads the selected streams, each from its state, through `output`; shared by the Airbyte and
 * Singer front ends. Returns the exit code: non-zero when any stream failed (the others still
 * ran to the end).
 */
export async function readStreams(
  settings: ConnectorSettings,
  selected: SelectedStream[],
  states: Map<string, unknown>,
  output: SyncOutput,
  opts: ReadOptions = {},
): Promise<number> {
  for (const name of states.keys()) {
    if (!selected.some((s) => s.name === name))
      output.info(`ignoring the state of stream ${name}: it is not being read`);
  }
  const ds = openDeployments(settings, output, { wanted: (name) => selected.some((s) => s.name === name) });
  for (const d of ds)
    if (d.client.proxy) output.info(`${d.title}: requests go through the proxy ${d.client.proxy}`);
  const progress = opts.progressTo
    ? new TerminalProgress(opts.progressTo, () => ds.map((d) => d.client.stats)).start()
    : undefined;
  // A cancel stops every deployment at once: listings, requests in flight, waits.
  const cancel = () => {
    const reason = opts.signal?.reason;
    const error =
      reason instanceof ConnectorError
        ? reason
        : new ConnectorError("cancelled", "the sync was cancelled", { scope: "stream" });
    for (const d of ds) d.client.stop(error);
  };
  opts.signal?.addEventListener("abort", cancel, { once: true });
  try {
    const entries: SyncEntry[] = ds.flatMap((d) =>
      d.streams.map((stream) => {
        const scope = d.client.scope();
        return {
          stream,
          control: scope,
          client: scope,
          incremental: selected.find((s) => s.name === stream.info.name)?.syncMode === "incremental",
          state: states.get(stream.info.name),
        };
      }),
    );
    const result = await runSync(entries, output, {
      concurrency: settings.http.maxConcurrency,
      shard: settings.shard,
      requestsPerHour: settings.http.requestsPerHour,
      ...(progress ? { observer: progress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...opts.tuning,
    });
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    opts.signal?.removeEventListener("abort", cancel);
    progress?.stop();
    await closeAll(ds);
  }
}
