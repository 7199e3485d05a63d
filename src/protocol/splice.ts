import { dropTopLevelKeys } from "./project.js";
import type { RecordBatch } from "./records.js";

/**
 * Records leave as Bitbucket's own JSON bytes with the context fields spliced in (see
 * records.ts): no record is serialized again, and none is parsed here.
 */

/** `JSON.stringify(context)` as the bytes an output splices after each object's own fields. */
export function contextBytes(context: object): Buffer {
  const json = JSON.stringify(context);
  return Buffer.from(json === "{}" ? "}" : json.slice(1), "utf8");
}

/**
 * Appends the pieces of `{...raw, ...context}` to `pieces`: the object's bytes up to its closing
 * brace, a comma unless the object is empty, and `tail` (the context fields and the closing
 * brace, from contextBytes). Nothing is copied until the pieces are written.
 */
export function pushSpliced(pieces: Buffer[], raw: Buffer, tail: Buffer): void {
  const close = raw.lastIndexOf(CLOSE_BRACE);
  let last = close - 1;
  while (last >= 0 && raw[last]! <= SPACE) last--;
  pieces.push(raw.subarray(0, close));
  if (raw[last] !== OPEN_BRACE && tail.length > 1) pieces.push(COMMA);
  pieces.push(tail);
}

const CLOSE_BRACE = 125;
const OPEN_BRACE = 123;
const SPACE = 32;
const COMMA = Buffer.from(",");

/**
 * The lines of a batch of records, as byte pieces: `head + record + tail` each, where a record is
 * its bytes (without the batch's `drop` fields) with the context spliced in. The envelope (head
 * and tail) is the message layer's; this is shared by both.
 */
export function recordLinePieces(head: Buffer, tail: Buffer, batch: RecordBatch): Buffer[] {
  const context = contextBytes(batch.context);
  const pieces: Buffer[] = [];
  const { bytes, spans, drop } = batch;
  for (let k = 0; k < spans.length; k += 2) {
    const raw = bytes.subarray(spans[k]!, spans[k + 1]!);
    pieces.push(head);
    pushSpliced(pieces, drop?.size ? dropTopLevelKeys(raw, drop) : raw, context);
    pieces.push(tail);
  }
  return pieces;
}
