import type { z } from "zod";
import type { ConnectorError } from "../errors.js";
import type { Requester } from "../http/client.js";
import type { Semaphore } from "../http/limits.js";
import type { Logger, StreamInfo } from "../protocol/output.js";
import type { RecordBatch } from "../protocol/records.js";

/**
 * The stream contract. A stream says only what is particular to it: its name and schema, how to
 * list its partitions (usually its deployment's shared repository listing), and how to read one
 * partition from the state it left last time. Concurrency, checkpoints, statuses, sharding,
 * retries and failure isolation are the sync's and the HTTP layer's, the same for every stream.
 */
export interface Stream<P = unknown, S = unknown> {
  /** Name, schema, keys and cursor: what the catalog says of the stream. */
  readonly info: StreamInfo;
  /** Validates one partition's state as read back from the platform. */
  readonly partitionState: z.ZodType<S>;
  /** The partitions, streamed (a workspace's repository listing can be long). */
  partitions(ctx: ReadContext): AsyncIterable<P>;
  /** Stable key of a partition in the stream state, e.g. `acme/backend` or `PLAT/api`. */
  partitionKey(partition: P): string;
  /**
   * Reads one partition. Yields batches of records, and checkpoints: the partition's state after
   * everything yielded before it, safe to resume from if the process dies right after.
   */
  read(partition: P, state: S | undefined, ctx: ReadContext): AsyncIterable<PartitionEvent<S>>;
  /**
   * The stream's own cases on top of the HTTP outcome table (http/outcomes.ts), e.g. "a 404 on
   * this listed repository means it was deleted since: skip it". The first that matches wins.
   */
  readonly errorCases?: readonly ErrorCase[];
  /** Called once every partition is read (before the final STATE), e.g. for a summary LOG line. */
  finish?(ctx: ReadContext): void;
  /** Requests the partitions under way still need, as far as the stream knows (for progress estimates). */
  pendingRequests?(): number;
}

/**
 * What an error means for a stream. `gone`: the partition vanished between listing and reading;
 * it is skipped with a warning and keeps its last checkpoint, and the stream can still complete.
 * `partition` / `stream`: as the error's own scope would say, overridden.
 */
export interface ErrorCase {
  when: string;
  test: (err: ConnectorError) => boolean;
  means: "gone" | "partition" | "stream";
}

export type PartitionEvent<S> = RecordsEvent | { kind: "checkpoint"; state: S };

export interface RecordsEvent {
  kind: "records";
  batch: RecordBatch;
}

export interface ReadContext {
  logger: Logger;
  /** How many requests one stream may keep in flight; streams size inner concurrency by it. */
  concurrency: number;
  /**
   * Slots shared by all the readers a stream runs inside its partitions (the pull requests of the
   * repositories being read): `concurrency` of them, so that pages waiting to be written stay
   * bounded by the concurrency, not by its square.
   */
  readers?: Semaphore | undefined;
  /** The stream's requests: they end when the stream stops or the sync is cancelled. */
  client: Requester;
}
