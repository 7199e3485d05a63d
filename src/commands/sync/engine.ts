import { asConnectorError, ConnectorError } from "../../errors.js";
import type { RequestScope } from "../../http/client.js";
import { Semaphore } from "../../http/limits.js";
import type { SyncOutput } from "../../protocol/output.js";
import { batchSize } from "../../protocol/records.js";
import type { Stream } from "../../streams/stream.js";
import { Checkpoints } from "./checkpoints.js";
import { ESTIMATE_INTERVAL_MS, WorkEstimate } from "./estimate.js";
import { meaningFor, type PartitionFailure, summarize } from "./failure-policy.js";
import { ListingFailed, schedule } from "./partitions.js";
import { StreamStatuses } from "./statuses.js";

/**
 * The machinery of a sync, shared by every stream and both front ends (Airbyte, Singer):
 * partitions read concurrently (partitions.ts), records passed on batch by batch, the stream's
 * state kept per partition and checkpointed as partitions advance (checkpoints.ts), stream
 * statuses (statuses.ts), and failure isolation (failure-policy.ts).
 */

/** What the engine needs of a stream's request scope: to stop it, and to hear of rate limits. */
export type StreamControl = Pick<RequestScope, "abort" | "onRateLimited"> &
  Partial<Pick<RequestScope, "release">>;

export interface SyncEntry {
  stream: Stream;
  /** The stream's request scope on its deployment's client. */
  control: StreamControl;
  /** What the stream's partitions request through (the same scope). */
  client: import("../../http/client.js").Requester;
  incremental: boolean;
  /** The stream's state blob as given to `read` (undefined for none). */
  state: unknown;
}

export interface SyncOptions {
  /** Partitions of one stream read at once. */
  concurrency: number;
  shard?: { index: number; count: number } | undefined;
  /** Least time between two STATE messages of a stream while partitions advance. */
  stateIntervalMs?: number;
  /** Most time without a STATE message of a running stream (the platform's heartbeat). */
  heartbeatMs?: number;
  /** Told how the sync advances (the terminal progress display). */
  observer?: SyncObserver;
  /** Aborted to cancel the sync (SIGTERM): streams stop, emit their final STATE and end INCOMPLETE. */
  signal?: AbortSignal;
  /** The configured budget, to turn the requests a stream still needs into time. */
  requestsPerHour?: number | undefined;
  /** How often a running stream logs how much is left (default 5 minutes). */
  estimateIntervalMs?: number;
}

/** What a progress display needs to know; every method is optional. */
export interface SyncObserver {
  partitionFound?(stream: string): void;
  listingDone?(stream: string): void;
  partitionDone?(stream: string): void;
  records?(stream: string, count: number): void;
  rateLimited?(stream: string, resumeAt: number): void;
  streamDone?(stream: string, ok: boolean): void;
  /** How many requests the stream still needs, and how long that takes at the budget (if configured). */
  estimate?(stream: string, requests: number, hours: number | undefined): void;
}

export interface SyncResult {
  failed: { stream: string; error: ConnectorError }[];
}

export async function runSync(
  entries: SyncEntry[],
  output: SyncOutput,
  opts: SyncOptions,
): Promise<SyncResult> {
  const results = await Promise.all(entries.map((e) => syncStream(e, output, opts)));
  await output.flush();
  const failed = results.flatMap((error, i) =>
    error ? [{ stream: entries[i]!.stream.info.name, error }] : [],
  );
  return { failed };
}

async function syncStream(
  entry: SyncEntry,
  output: SyncOutput,
  opts: SyncOptions,
): Promise<ConnectorError | undefined> {
  const { stream, control } = entry;
  const name = stream.info.name;
  const observer = opts.observer ?? {};
  const statuses = new StreamStatuses(output, stream.info);
  await statuses.started();

  let given: Record<string, unknown>;
  try {
    given = entry.incremental ? Checkpoints.given(entry.state, name) : {};
  } catch (err) {
    // A rejected state emits no STATE at all: the platform would keep it, and the next sync start over.
    const error = asConnectorError(err);
    observer.streamDone?.(name, false);
    await statuses.incomplete(error);
    return error;
  }
  const checkpoints = new Checkpoints(
    output,
    name,
    given,
    { intervalMs: opts.stateIntervalMs ?? 1000, heartbeatMs: opts.heartbeatMs ?? 120_000 },
    () => statuses.ensureRunning(),
  );
  control.onRateLimited = (resumeAt) => {
    observer.rateLimited?.(name, resumeAt);
    void statuses.rateLimited(resumeAt);
  };
  const cancel = () => control.abort(cancelled(opts.signal?.reason));
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener("abort", cancel, { once: true });
  checkpoints.start();

  // A first sync of a large workspace can outlast hours of Cloud's budget: say how much is left.
  const work = new WorkEstimate(stream, () => entry.client.stats?.requests ?? 0);
  const progress = setInterval(
    () => output.info(`${name}: ${work.describe(opts.requestsPerHour)}`),
    opts.estimateIntervalMs ?? ESTIMATE_INTERVAL_MS,
  );
  progress.unref();
  const { fatal, failures } = await readPartitions(entry, output, opts, checkpoints, statuses, work);
  clearInterval(progress);
  if (!fatal) stream.finish?.({ logger: output, concurrency: opts.concurrency, client: entry.client });

  checkpoints.stop();
  opts.signal?.removeEventListener("abort", cancel);
  control.onRateLimited = undefined;
  control.release?.();
  // Always a final STATE: whatever completed is kept even when the stream failed.
  await checkpoints.emit();
  const error = fatal ?? summarize(failures);
  observer.streamDone?.(name, error === undefined);
  if (error) {
    await statuses.incomplete(error);
    return error;
  }
  await statuses.complete();
  return undefined;
}

/** Runs the schedule, applying the failure policy. Returns the error that ended the stream, if any, and the partitions that failed. */
async function readPartitions(
  entry: SyncEntry,
  output: SyncOutput,
  opts: SyncOptions,
  checkpoints: Checkpoints,
  statuses: StreamStatuses,
  work: WorkEstimate,
): Promise<{ fatal: ConnectorError | undefined; failures: PartitionFailure[] }> {
  const { stream, control } = entry;
  const name = stream.info.name;
  const observer = opts.observer ?? {};
  const failures: PartitionFailure[] = [];
  const estimate = () => {
    const left = work.remaining();
    observer.estimate?.(name, left, opts.requestsPerHour ? left / opts.requestsPerHour : undefined);
  };
  let abortedBy: ConnectorError | undefined;
  const stop = (error: ConnectorError): ConnectorError => {
    abortedBy ??= error;
    control.abort(error);
    return error;
  };
  const ctx = {
    logger: output,
    concurrency: opts.concurrency,
    client: entry.client,
    readers: new Semaphore(opts.concurrency),
  };
  const events = schedule({
    stream,
    ctx,
    concurrency: opts.concurrency,
    shard: opts.shard,
    prior: (key) => priorState(stream, key, checkpoints, output),
    onFound: () => {
      work.found++;
      observer.partitionFound?.(name);
    },
    onListed: () => {
      work.listed = true;
      observer.listingDone?.(name);
    },
    onListingFailed: (error) => {
      if (meaningFor(stream, error) === "stream") stop(error);
    },
  });
  try {
    for await (const ev of events) {
      if (ev.kind === "start") {
        work.started++;
        continue;
      }
      if (ev.kind === "done") {
        observer.partitionDone?.(name);
        estimate();
        await checkpoints.due();
        continue;
      }
      const e = ev.value;
      if (e.kind === "records") {
        const count = batchSize(e.batch);
        if (count === 0) continue;
        await statuses.ensureRunning();
        checkpoints.records(count);
        observer.records?.(name, count);
        await output.records(name, e.batch);
      } else if (e.kind === "checkpoint") {
        checkpoints.set(ev.item.key, e.state);
        await checkpoints.due();
      } else {
        // A partition ended by its stream's stop did not fail on its own: say nothing of it.
        if (abortedBy && e.error === abortedBy) throw e.error;
        if (meaningFor(stream, e.error) === "stream") throw stop(e.error);
        output.warn(`${name}: ${ev.item.key} could not be read: ${e.error.userMessage}`);
        failures.push({ key: ev.item.key, error: e.error });
      }
    }
  } catch (err) {
    if (
      err instanceof ListingFailed &&
      abortedBy === undefined &&
      meaningFor(stream, err.error) !== "stream"
    ) {
      // The listing failed part-way; the partitions it had started are done: the stream is incomplete.
      failures.push({ key: "(repository listing)", error: err.error });
      return { fatal: undefined, failures };
    }
    const error = err instanceof ListingFailed ? err.error : asConnectorError(err);
    return { fatal: abortedBy ?? stop(error), failures };
  }
  return { fatal: undefined, failures };
}

/** The state a partition resumes from: its entry when valid, else nothing (with a warning). */
function priorState(stream: Stream, key: string, checkpoints: Checkpoints, output: SyncOutput): unknown {
  const prior = checkpoints.entry(key);
  if (prior === undefined) return undefined;
  const parsed = stream.partitionState.safeParse(prior);
  if (parsed.success) return parsed.data;
  output.warn(
    `${stream.info.name}: the state of ${key} is malformed (${parsed.error.issues[0]?.message ?? "invalid"}); reading it in full (the entry is kept until then)`,
  );
  return undefined;
}

function cancelled(reason: unknown): ConnectorError {
  if (reason instanceof ConnectorError) return reason;
  return new ConnectorError(
    "cancelled",
    `the sync was cancelled${typeof reason === "string" ? ` (${reason})` : ""}`,
    {
      scope: "stream",
    },
  );
}
