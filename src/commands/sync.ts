import { createHash } from "node:crypto";
import { asConnectorError, ConnectorError } from "../errors.js";
import type { HttpClient } from "../http/client.js";
import type { JsonObject } from "../protocol/messages.js";
import type { SyncOutput } from "../protocol/output.js";
import { mergeConcurrent } from "../streams/concurrent.js";
import type { PartitionEvent, ReadContext, Stream } from "../streams/stream.js";

/**
 * The machinery of a sync, shared by every stream and both front ends (Airbyte, Singer):
 * partitions read concurrently, records passed on page by page, the stream's state kept per
 * partition and checkpointed as partitions advance, stream statuses, and failure isolation.
 */

export interface SyncEntry {
  stream: Stream;
  /** The stream's HTTP client, to report its rate-limit waits as stream statuses. */
  client: Pick<HttpClient, "onRateLimited" | "abort">;
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
}

/** What a progress display needs to know; every method is optional. */
export interface SyncObserver {
  /** The listing found one more partition of `stream` (of this shard). */
  partitionFound?(stream: string): void;
  /** The listing of `stream` is complete: the partition count is final. */
  listingDone?(stream: string): void;
  partitionDone?(stream: string): void;
  records?(stream: string, count: number): void;
  rateLimited?(stream: string, resumeAt: number): void;
  streamDone?(stream: string, ok: boolean): void;
}

export interface SyncResult {
  failed: { stream: string; error: ConnectorError }[];
}

/** Errors after which reading other partitions of the stream is pointless. */
const ABORTS_STREAM = new Set([
  "invalid_credentials",
  "rate_limited",
  "unreachable",
  "config_error",
  "internal_error",
]);

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

/** Stable shard of a partition key: the same repository always lands in the same shard. */
export function shardOf(key: string, count: number): number {
  return createHash("sha1").update(key).digest().readUInt32BE(0) % count;
}

type Event = PartitionEvent<unknown> | { kind: "error"; error: ConnectorError };

async function syncStream(
  entry: SyncEntry,
  output: SyncOutput,
  opts: SyncOptions,
): Promise<ConnectorError | undefined> {
  const { stream, client } = entry;
  const name = stream.info.name;
  const stateIntervalMs = opts.stateIntervalMs ?? 1000;
  const heartbeatMs = opts.heartbeatMs ?? 120_000;
  const shard = opts.shard;
  const mine = (key: string) => !shard || shardOf(key, shard.count) === shard.index;

  await output.streamStarted(stream.info);
  let running = false;
  const ensureRunning = async () => {
    if (running) return;
    running = true;
    await output.streamRunning(name);
  };
  const observer = opts.observer ?? {};
  client.onRateLimited = (resumeAt) => {
    observer.rateLimited?.(name, resumeAt);
    void ensureRunning().then(() => output.streamRateLimited(name, resumeAt));
  };

  // Partition states: what was given (full refresh starts from nothing), minus other shards'.
  const states = new Map<string, unknown>();
  let fatal: ConnectorError | undefined;
  try {
    if (entry.incremental)
      for (const [k, v] of Object.entries(partitionsOf(entry.state, name))) if (mine(k)) states.set(k, v);
  } catch (err) {
    fatal = asConnectorError(err);
  }
  const text = new Map<string, string>([...states].map(([k, v]) => [k, JSON.stringify(v)]));

  let recordsSinceState = 0;
  let lastStateAt = 0;
  let dirty = true;
  const emitState = async () => {
    await ensureRunning();
    const count = recordsSinceState;
    recordsSinceState = 0;
    dirty = false;
    lastStateAt = Date.now();
    await output.state(name, { partitions: Object.fromEntries(states) } as JsonObject, count);
  };
  // Flushes a checkpoint that was held back by the interval, and beats while nothing advances.
  const heartbeat = setInterval(
    () => {
      const since = Date.now() - lastStateAt;
      if ((dirty && since >= stateIntervalMs) || since >= heartbeatMs) void emitState();
    },
    Math.min(heartbeatMs, Math.max(stateIntervalMs, 250)),
  );
  heartbeat.unref();

  const ctx: ReadContext = { logger: output, concurrency: opts.concurrency };
  const partitionErrors: { key: string; error: ConnectorError }[] = [];

  async function* guarded(partition: unknown, key: string): AsyncGenerator<Event> {
    let prior: unknown = states.get(key);
    if (prior !== undefined) {
      const parsed = stream.partitionState.safeParse(prior);
      if (parsed.success) prior = parsed.data;
      else {
        output.warn(
          `${name}: the state of ${key} is malformed (${parsed.error.issues[0]?.message ?? "invalid"}); reading it in full`,
        );
        states.delete(key);
        prior = undefined;
      }
    }
    try {
      yield* stream.read(partition, prior, ctx);
    } catch (err) {
      if (stream.isGone(err)) {
        output.warn(
          `${key}: skipped: the repository was listed but is gone now (${err.detail.message ?? "404"})`,
        );
        return;
      }
      yield { kind: "error", error: asConnectorError(err) };
    }
  }

  /** Ends the whole stream: the client stops, so the partitions in flight end at once. */
  let abortedBy: ConnectorError | undefined;
  const abortStream = (error: ConnectorError): ConnectorError => {
    abortedBy ??= error;
    client.abort(error);
    return error;
  };

  async function* myPartitions(): AsyncGenerator<{ partition: unknown; key: string }> {
    try {
      for await (const partition of stream.partitions(ctx)) {
        const key = stream.partitionKey(partition);
        if (!mine(key)) continue;
        observer.partitionFound?.(name);
        yield { partition, key };
      }
    } catch (err) {
      // A listing that fails part-way lets the partitions already started finish, unless
      // the error dooms them too (bad credentials, rate limit spent, server unreachable).
      const e = asConnectorError(err);
      throw ABORTS_STREAM.has(e.code) ? abortStream(e) : e;
    }
    observer.listingDone?.(name);
  }

  if (!fatal) {
    try {
      for await (const ev of mergeConcurrent(myPartitions(), opts.concurrency, (p) =>
        guarded(p.partition, p.key),
      )) {
        if (ev.kind === "start") {
          await ensureRunning();
          continue;
        }
        if (ev.kind === "done") {
          observer.partitionDone?.(name);
          if (dirty && Date.now() - lastStateAt >= stateIntervalMs) await emitState();
          continue;
        }
        const e = ev.value;
        const key = ev.item.key;
        if (e.kind === "records") {
          if (e.records.length === 0) continue;
          await ensureRunning();
          recordsSinceState += e.records.length;
          observer.records?.(name, e.records.length);
          await output.records(
            name,
            e.records,
            e.raw && e.context ? { texts: e.raw, context: e.context } : undefined,
          );
        } else if (e.kind === "checkpoint") {
          const serialized = JSON.stringify(e.state);
          if (text.get(key) !== serialized) {
            text.set(key, serialized);
            states.set(key, e.state);
            dirty = true;
          }
          if (dirty && Date.now() - lastStateAt >= stateIntervalMs) await emitState();
        } else {
          // A partition ended by the stream's abort did not fail on its own: say nothing of it.
          if (e.error === abortedBy) throw e.error;
          output.error(`${name}: ${key} could not be read: ${e.error.userMessage}`);
          partitionErrors.push({ key, error: e.error });
          if (ABORTS_STREAM.has(e.error.code)) throw abortStream(e.error);
        }
      }
    } catch (err) {
      fatal = asConnectorError(err);
    }
  }
  clearInterval(heartbeat);
  client.onRateLimited = undefined;

  // Always a final STATE: whatever completed is kept even when the stream failed.
  await emitState();
  const error = fatal ?? summarize(partitionErrors);
  observer.streamDone?.(name, error === undefined);
  if (error) {
    await output.streamIncomplete(name, error);
    return error;
  }
  await output.streamComplete(name);
  return undefined;
}

/** The partitions of a stream state blob; anything else is a config error naming the stream. */
function partitionsOf(blob: unknown, stream: string): Record<string, unknown> {
  if (blob === undefined || blob === null) return {};
  if (typeof blob === "object" && !Array.isArray(blob)) {
    const b = blob as Record<string, unknown>;
    if (Object.keys(b).length === 0) return {};
    const p = b.partitions;
    if (typeof p === "object" && p !== null && !Array.isArray(p)) return p as Record<string, unknown>;
  }
  throw new ConnectorError(
    "config_error",
    `the state of stream ${stream} is not of this connector's shape ({"partitions": {"<repository>": {...}}}); pass a state this connector emitted, or none for a full read`,
  );
}

function summarize(errors: { key: string; error: ConnectorError }[]): ConnectorError | undefined {
  const first = errors[0];
  if (!first) return undefined;
  const list = errors.slice(0, 5).map((e) => `${e.key}: ${e.error.userMessage}`);
  const more = errors.length > 5 ? `; and ${errors.length - 5} more` : "";
  return new ConnectorError(
    first.error.code,
    `${errors.length} ${errors.length === 1 ? "repository" : "repositories"} could not be read, the rest was: ${list.join("; ")}${more}`,
    { failureType: first.error.failureType },
  );
}
