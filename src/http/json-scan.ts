import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  CR,
  closingQuote,
  isSpace,
  LF,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SPACE,
  skipSpace,
  TAB,
} from "../json-bytes.js";

/**
 * Finds the parts of a Bitbucket page in its bytes without parsing it: where each element of the
 * top-level `values` array lies, and where each other top-level member's value lies.
 *
 * Why: records leave the connector as Bitbucket's own bytes with a few context fields spliced in
 * (no serializing again, and no recursion however deeply a record nests), and a page's elements
 * are parsed one batch at a time, so memory follows the page's size, not a worst case of parsed
 * objects. The scan is iterative (a depth counter, no recursion), jumps from quote to quote with
 * the native indexOf inside strings, and relies on JSON's structural characters being ASCII,
 * which never occur inside a multi-byte UTF-8 sequence.
 */
export interface ScannedPage {
  /** Start and end (exclusive) of each element of `values`, flattened: [s0, e0, s1, e1, ...]. */
  values: Uint32Array;
  /** Start and end (exclusive) of the value of every other top-level member, by key. */
  members: Map<string, [number, number]>;
}

/**
 * Scans a page: a JSON object whose `values` member, if any, is an array of objects. Returns
 * undefined when the bytes are not such an object (malformed JSON, another shape); the caller
 * then parses them to say what is wrong.
 */
export function scanPage(bytes: Buffer): ScannedPage | undefined {
  const n = bytes.length;
  const members = new Map<string, [number, number]>();
  let spans: Uint32Array = new Uint32Array(64);
  let count = 0;
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_BRACE)
    return endsAt(bytes, i + 1) ? { values: spans.subarray(0, 0), members } : undefined;
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = closingQuote(bytes, i);
    if (keyEnd < 0) return undefined;
    const key = bytes.toString("utf8", i + 1, keyEnd);
    i = skipSpace(bytes, keyEnd + 1);
    if (bytes[i] !== COLON) return undefined;
    i = skipSpace(bytes, i + 1);
    if (key === "values" && bytes[i] === OPEN_BRACKET) {
      i = skipSpace(bytes, i + 1);
      if (bytes[i] !== CLOSE_BRACKET) {
        for (;;) {
          if (bytes[i] !== OPEN_BRACE) return undefined; // only arrays of objects
          const end = skipValue(bytes, i);
          if (end < 0) return undefined;
          if (count * 2 + 2 > spans.length) spans = grow(spans);
          spans[count * 2] = i;
          spans[count * 2 + 1] = end;
          count++;
          i = skipSpace(bytes, end);
          if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
          else if (bytes[i] === CLOSE_BRACKET) break;
          else return undefined;
        }
      }
      i = skipSpace(bytes, i + 1);
    } else {
      const end = skipValue(bytes, i);
      if (end < 0 || end > n) return undefined;
      members.set(key, [i, end]);
      i = skipSpace(bytes, end);
    }
    if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
    else if (bytes[i] === CLOSE_BRACE) break;
    else return undefined;
  }
  if (!endsAt(bytes, i + 1)) return undefined;
  return { values: spans.subarray(0, count * 2), members };
}

/** Index just past the JSON value starting at `i`, or -1 when it does not end well. */
function skipValue(bytes: Buffer, i: number): number {
  const c = bytes[i];
  if (c === QUOTE) {
    const end = closingQuote(bytes, i);
    return end < 0 ? -1 : end + 1;
  }
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    // A number, true, false or null: up to the next delimiter.
    let j = i;
    while (j < bytes.length) {
      const d = bytes[j]!;
      if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d <= SPACE) break;
      j++;
    }
    return j > i ? j : -1;
  }
  let depth = 0;
  let j = i;
  const n = bytes.length;
  while (j < n) {
    const d = bytes[j]!;
    if (d === QUOTE) {
      const end = closingQuote(bytes, j);
      if (end < 0) return -1;
      j = end + 1;
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return -1;
}

function endsAt(bytes: Buffer, i: number): boolean {
  return skipSpace(bytes, i) === bytes.length;
}

function grow(spans: Uint32Array): Uint32Array {
  const bigger = new Uint32Array(spans.length * 2);
  bigger.set(spans);
  return bigger;
}

/**
 * The bytes of one JSON value without whitespace outside strings, so that a pretty-printed record
 * still fits on one output line. Returns `bytes` itself when there is nothing to remove.
 */
export function compact(bytes: Buffer): Buffer {
  if (bytes.indexOf(LF) < 0 && bytes.indexOf(CR) < 0 && bytes.indexOf(TAB) < 0 && !hasLooseSpace(bytes))
    return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const end = closingQuote(bytes, i);
      const stop = end < 0 ? bytes.length : end + 1;
      bytes.copy(out, o, i, stop);
      o += stop - i;
      i = stop;
      continue;
    }
    if (!isSpace(c)) out[o++] = c;
    i++;
  }
  return out.subarray(0, o);
}

/** Whether a space occurs outside strings (only then is compacting worth a copy). */
function hasLooseSpace(bytes: Buffer): boolean {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const end = closingQuote(bytes, i);
      if (end < 0) return false;
      i = end + 1;
      continue;
    }
    if (c === SPACE) return true;
    i++;
  }
  return false;
}
