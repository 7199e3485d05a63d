import type { JsonObject } from "./messages.js";

/**
 * A batch of records as they leave the connector: Bitbucket's own JSON bytes of each object (a
 * slice of the response, never serialized again) and the context fields spliced into each
 * (repository, pull request, branch...). Nothing about a record is held but its position.
 */
export interface RecordBatch {
  /** The response the records are in. */
  bytes: Buffer;
  /** Start and end (exclusive) of each record in `bytes`: [s0, e0, s1, e1, ...]. */
  spans: Uint32Array;
  /** Fields added to every record, after its own. */
  context: JsonObject;
  /**
   * Top-level fields to leave out of every record: ones a record already has that the context
   * sets (a key must not appear twice).
   */
  drop?: ReadonlySet<string> | undefined;
}

export function batchSize(batch: RecordBatch): number {
  return batch.spans.length >>> 1;
}

/** The bytes of record `i` of a batch, as Bitbucket sent them. */
export function recordBytes(batch: RecordBatch, i: number): Buffer {
  return batch.bytes.subarray(batch.spans[2 * i]!, batch.spans[2 * i + 1]!);
}

/** The records of a batch for which `keep(i)` holds (same bytes, fewer spans). */
export function keepRecords(batch: RecordBatch, keep: (i: number) => boolean): RecordBatch {
  const n = batchSize(batch);
  const spans = new Uint32Array(2 * n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    spans[2 * m] = batch.spans[2 * i]!;
    spans[2 * m + 1] = batch.spans[2 * i + 1]!;
    m++;
  }
  return m === n ? batch : { ...batch, spans: spans.subarray(0, 2 * m) };
}
