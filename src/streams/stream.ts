import type { z } from "zod";
import type { HttpError } from "../http/errors.js";
import type { JsonObject } from "../protocol/messages.js";
import type { Logger, StreamInfo } from "../protocol/output.js";

/**
 * The stream contract. A stream says only what is particular to it: its name and schema, how to
 * list its partitions (repositories), and how to read one partition from the state it left
 * last time. Concurrency, checkpoints, statuses and sharding are the sync's business
 * (commands/read.ts), the same for every stream.
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
   * Reads one partition. Yields pages of records, and checkpoints: the partition's state after
   * everything yielded before it, safe to resume from if the process dies right after.
   */
  read(partition: P, state: S | undefined, ctx: ReadContext): AsyncIterable<PartitionEvent<S>>;
  /**
   * Whether an error from `read` means the partition is gone: a repository deleted or renamed
   * between the listing and its read is news, not a failure, and the sync skips it with a
   * warning, keeping its last checkpoint.
   */
  isGone(err: unknown): err is HttpError;
}

export type PartitionEvent<S> = RecordsEvent | { kind: "checkpoint"; state: S };

/**
 * A page of records. When `raw` is there, `raw[i]` is Bitbucket's own JSON (bytes) of
 * `records[i]` before `context` was merged into it, so an output can splice the context in
 * instead of serializing the object again (see http/raw-values.ts).
 */
export interface RecordsEvent {
  kind: "records";
  records: JsonObject[];
  raw?: Buffer[];
  context?: JsonObject;
}

/**
 * Merges the context fields (repository, pull request...) into each of a page's records and
 * keeps the raw texts only if no record already had one of those fields (splicing would then
 * duplicate a key).
 */
export function recordsWithContext(
  records: JsonObject[],
  raw: Buffer[] | undefined,
  context: JsonObject,
): RecordsEvent {
  const keys = Object.keys(context);
  let spliceable = raw !== undefined && raw.length === records.length;
  for (const r of records) {
    if (spliceable) for (const k of keys) if (k in r) spliceable = false;
    Object.assign(r, context);
  }
  return spliceable && raw ? { kind: "records", records, raw, context } : { kind: "records", records };
}

export interface ReadContext {
  logger: Logger;
  /** How many requests one stream may keep in flight; streams size inner concurrency by it. */
  concurrency: number;
}
