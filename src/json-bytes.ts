/**
 * Byte-level helpers for reading JSON text in place (http/json-scan.ts, protocol/project.ts).
 * JSON's structural characters are ASCII, which never occur inside a multi-byte UTF-8 sequence,
 * so scanning bytes is exact.
 */

/** Index of the quote that closes the string opening at `open`, skipping escaped quotes; -1 if none. */
export function closingQuote(bytes: Buffer, open: number): number {
  let j = bytes.indexOf(QUOTE, open + 1);
  while (j > 0) {
    let backslashes = 0;
    for (let k = j - 1; bytes[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = bytes.indexOf(QUOTE, j + 1);
  }
  return -1;
}

export function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/** The first index at or after `i` that is not JSON whitespace. */
export function skipSpace(bytes: Buffer, i: number): number {
  while (i < bytes.length && isSpace(bytes[i]!)) i++;
  return i;
}

export const TAB = 9;
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const QUOTE = 34;
export const COMMA = 44;
export const COLON = 58;
export const BACKSLASH = 92;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const OPEN_BRACE = 123;
export const CLOSE_BRACE = 125;
