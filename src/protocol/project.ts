import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  closingQuote,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  skipSpace,
} from "../json-bytes.js";

/**
 * The JSON bytes of an object without some of its top-level members, found by scanning (no parse,
 * no recursion: nesting depth is only counted). Returns `bytes` itself when none is there.
 */
export function withoutKeys(bytes: Buffer, keys: ReadonlySet<string>): Buffer {
  const cuts: [number, number][] = [];
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== OPEN_BRACE) return bytes;
  i++;
  let memberStart = i;
  let depth = 1;
  let key: string | undefined;
  let first = true;
  while (i < bytes.length && depth > 0) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const end = closingQuote(bytes, i);
      if (end < 0) return bytes;
      if (depth === 1 && key === undefined) key = bytes.toString("utf8", i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    if (depth === 0 || (depth === 1 && c === COMMA)) {
      // A member ends here: [memberStart, i) holds `"key": value` (after a comma unless first).
      if (key !== undefined && keys.has(key))
        cuts.push(first ? [memberStart, depth === 0 ? i : i + 1] : [memberStart - 1, i]);
      else first = false;
      memberStart = i + 1;
      key = undefined;
    }
    i++;
  }
  if (cuts.length === 0) return bytes;
  const pieces: Buffer[] = [];
  let from = 0;
  for (const [s, e] of cuts) {
    pieces.push(bytes.subarray(from, s));
    from = e;
  }
  pieces.push(bytes.subarray(from));
  return Buffer.concat(pieces);
}
