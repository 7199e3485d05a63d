/**
 * The JSON bytes of each element of a page's top-level `values` array, as the server sent them.
 *
 * Records are Bitbucket's objects plus a few context fields. Serializing every parsed object
 * again, and encoding the result to UTF-8, costs more CPU than parsing the page; slicing each
 * element out of the response bytes already in memory costs a fraction of it and keeps the
 * record exactly as Bitbucket wrote it. The scan jumps from quote to quote with the native
 * indexOf, and JSON's structural characters are ASCII, which never occur inside a multi-byte
 * UTF-8 sequence. Returns undefined when the body does not have the expected shape; the caller
 * then serializes the parsed objects instead.
 */
export function rawValues(bytes: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  const n = bytes.length;
  let depth = 0;
  let key: string | undefined; // the last string seen at depth 1: a key of the page object
  let inValues = false;
  let start = -1;
  let i = 0;
  while (i < n) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      if (inValues && depth === 2) return undefined; // a string element: not a page of objects
      const end = closingQuote(bytes, i);
      if (end < 0) return undefined;
      if (depth === 1) key = end - i === 7 ? bytes.toString("latin1", i + 1, end) : undefined;
      i = end + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth === 2 && c === OPEN_BRACKET && key === "values") inValues = true;
      else if (inValues && depth === 3) {
        if (c !== OPEN_BRACE) return undefined; // only arrays of objects are sliced
        start = i;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (inValues && depth === 3) out.push(bytes.subarray(start, i + 1));
      else if (inValues && depth === 2) inValues = false;
      depth--;
    } else if (inValues && depth === 2 && c !== COMMA && c > SPACE) {
      return undefined; // a number, true, false or null element: not a page of objects
    }
    i++;
  }
  if (depth !== 0) return undefined;
  // A line break between tokens (pretty-printed JSON) would split an output line in two. Inside
  // JSON strings line breaks are always escaped, so raw ones can only be such whitespace.
  const first = out[0];
  const last = out.at(-1);
  if (first && last) {
    const span = bytes.subarray(
      first.byteOffset - bytes.byteOffset,
      last.byteOffset - bytes.byteOffset + last.length,
    );
    if (span.includes(LF) || span.includes(CR)) return undefined;
  }
  return out;
}

/** Index of the quote that closes the string opening at `open`, skipping escaped quotes. */
function closingQuote(bytes: Buffer, open: number): number {
  let j = bytes.indexOf(QUOTE, open + 1);
  while (j > 0) {
    let backslashes = 0;
    for (let k = j - 1; bytes[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = bytes.indexOf(QUOTE, j + 1);
  }
  return -1;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const SPACE = 32;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
