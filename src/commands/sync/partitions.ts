import { createHash } from "node:crypto";
import { asConnectorError, type ConnectorError } from "../../errors.js";
import { HttpError } from "../../http/errors.js";
import type { Logger } from "../../protocol/output.js";
import { type Merged, mergeConcurrent } from "../../streams/concurrent.js";
import type { PartitionEvent, ReadContext, Stream } from "../../streams/stream.js";
import { meaningFor } from "./failure-policy.js";

/** Stable shard of a partition key: the same repository always lands in the same shard. */
export function shardOf(key: string, count: number): number {
  return createHash("sha1").update(key).digest().readUInt32BE(0) % count;
}

export interface Listed {
  partition: unknown;
  key: string;
}

export type PartitionOutcome = PartitionEvent<unknown> | { kind: "error"; error: ConnectorError };

export interface Schedule {
  stream: Stream;
  ctx: ReadContext;
  concurrency: number;
  shard?: { index: number; count: number } | undefined;
  /** The state a partition starts from (undefined: from scratch); says itself what it could not use. */
  prior: (key: string) => unknown;
  onFound?: () => void;
  onListed?: () => void;
  /**
   * The listing failed. Told at once, not after the partitions in flight end: an error that ends
   * the stream must stop them (they might otherwise wait on a server that is gone).
   */
  onListingFailed?: (error: ConnectorError) => void;
}

/**
 * Reads a stream's partitions (this shard's), at most `concurrency` at once, and yields what
 * they produce in order per partition. A partition's failure is an event, not an exception: the
 * caller's failure policy decides what it means. A listing that fails part-way ends the
 * schedule only after the partitions already started have finished.
 */
export function schedule(s: Schedule): AsyncGenerator<Merged<Listed, PartitionOutcome>> {
  return mergeConcurrent(listed(s), s.concurrency, (p) => guarded(s, p));
}

/** The listing of partitions failed part-way; `error` says why. */
export class ListingFailed extends Error {
  constructor(readonly error: ConnectorError) {
    super(error.message);
  }
}

async function* listed(s: Schedule): AsyncGenerator<Listed> {
  const shard = s.shard;
  // A listing paged by offset or page number shifts when an item moves or appears while it is
  // paged (Cloud sorts repositories by updated_on, and a push moves one to the front), so the item
  // at a page boundary can be listed twice. Read twice, from the same state, it would emit its new
  // commits twice: each partition is read once per sync.
  const seen = new Set<string>();
  try {
    for await (const partition of s.stream.partitions(s.ctx)) {
      const key = s.stream.partitionKey(partition);
      if (shard && shardOf(key, shard.count) !== shard.index) continue;
      if (seen.has(key)) continue;
      seen.add(key);
      s.onFound?.();
      yield { partition, key };
    }
  } catch (err) {
    const error = asConnectorError(err);
    s.onListingFailed?.(error);
    throw new ListingFailed(error);
  }
  s.onListed?.();
}

async function* guarded(s: Schedule, p: Listed): AsyncGenerator<PartitionOutcome> {
  try {
    yield* s.stream.read(p.partition, s.prior(p.key), s.ctx);
  } catch (err) {
    const error = asConnectorError(err);
    if (meaningFor(s.stream, error) === "gone") {
      warnGone(s.ctx.logger, p.key, error);
      return;
    }
    yield { kind: "error", error };
  }
}

function warnGone(logger: Logger, key: string, error: ConnectorError): void {
  const said = error instanceof HttpError ? (error.detail.message ?? `${error.status}`) : error.message;
  logger.warn(`${key}: skipped: the repository was listed but is gone now (${said})`);
}
