/**
 * Records travel with Bitbucket's own JSON bytes of each object when the page could be sliced
 * (http/raw-values.ts); outputs splice the context fields into those bytes instead of
 * serializing and encoding the parsed object again.
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
 * The lines of a page of records, as byte pieces: `head + record + tail` each, where a record is
 * its raw bytes with the context spliced in when there are raw bytes, else the object
 * serialized. The envelope (head and tail) is the message layer's; this is shared by both.
 */
export function recordLinePieces(
  head: Buffer,
  tail: Buffer,
  records: object[],
  raw?: { texts: Buffer[]; context: object },
): Buffer[] {
  if (!raw) {
    const h = head.toString("utf8");
    const t = tail.toString("utf8");
    let text = "";
    for (const r of records) text += `${h}${JSON.stringify(r)}${t}`;
    return [Buffer.from(text, "utf8")];
  }
  const context = contextBytes(raw.context);
  const pieces: Buffer[] = [];
  for (const bytes of raw.texts) {
    pieces.push(head);
    pushSpliced(pieces, bytes, context);
    pieces.push(tail);
  }
  return pieces;
}
