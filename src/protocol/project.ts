import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  closingQuote as closing,
  isSpace,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  skipSpace,
} from "../json-bytes.js";

/**
 * Field projection on JSON bytes: the top-level members of one object, without those whose key
 * is in `drop`. Records travel as Bitbucket's own bytes (protocol/records.ts); parsing each one
 * to delete a field and serializing it again would cost what slicing saved. One iterative,
 * string-aware pass finds where each top-level member starts and ends; nested objects and
 * arrays are skipped over whole, so a nested key of the same name stays. JSON's structural
 * characters are ASCII and never occur inside a multi-byte UTF-8 sequence.
 */

interface Member {
  start: number;
  end: number;
  key: string;
}

/**
 * `json` (the bytes of one JSON object) without the top-level members whose key is in `drop`.
 * Returns `json` itself when none is there; otherwise `{` + the kept members, each byte for
 * byte, joined by `,` + `}`. Throws on bytes that are not one JSON object.
 */
export function dropTopLevelKeys(json: Buffer, drop: ReadonlySet<string>): Buffer {
  if (drop.size === 0) return json;
  const members = topLevelMembers(json);
  if (!members.some((m) => drop.has(m.key))) return json;
  const pieces: Buffer[] = [OPEN];
  for (const m of members) {
    if (drop.has(m.key)) continue;
    if (pieces.length > 1) pieces.push(COMMA_BYTES);
    pieces.push(json.subarray(m.start, m.end));
  }
  pieces.push(CLOSE);
  return Buffer.concat(pieces);
}

/** Where each top-level member (`"key": value`, trimmed) of the object in `json` lies. */
function topLevelMembers(json: Buffer): Member[] {
  const members: Member[] = [];
  const n = json.length;
  let i = skipSpace(json, 0);
  if (json[i] !== OPEN_BRACE) throw new Error("not a JSON object");
  let depth = 0;
  let start = -1; // where the current top-level member starts, -1 between members
  let key = "";
  for (; i < n; i++) {
    const c = json[i]!;
    if (c === QUOTE) {
      const end = closingQuote(json, i);
      if (depth === 1 && start < 0) {
        start = i;
        key = decodeKey(json, i, end);
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 1) {
        if (start >= 0) members.push({ start, end: trimEnd(json, start, i), key });
        if (skipSpace(json, i + 1) !== n) throw new Error("bytes after the JSON object");
        return members;
      }
      depth--;
    } else if (c === COMMA && depth === 1) {
      if (start < 0) throw new Error("an empty member in a JSON object");
      members.push({ start, end: trimEnd(json, start, i), key });
      start = -1;
    }
  }
  throw new Error("an unterminated JSON object");
}

/** The key between the quotes at `open` and `close`; escapes (rare in keys) are decoded. */
function decodeKey(json: Buffer, open: number, close: number): string {
  const slice = json.subarray(open, close + 1);
  return slice.includes(BACKSLASH)
    ? (JSON.parse(slice.toString("utf8")) as string)
    : json.toString("utf8", open + 1, close);
}

function trimEnd(json: Buffer, start: number, end: number): number {
  let e = end;
  while (e > start && isSpace(json[e - 1]!)) e--;
  return e;
}

const OPEN = Buffer.from("{");
const CLOSE = Buffer.from("}");
const COMMA_BYTES = Buffer.from(",");

/** The quote that closes the string opening at `open`; a string that never ends is not JSON. */
function closingQuote(json: Buffer, open: number): number {
  const end = closing(json, open);
  if (end < 0) throw new Error("an unterminated JSON string");
  return end;
}

/**
 * `json` (the bytes of one JSON object) without the members at `paths`: `["message"]` is a
 * top-level member, `["author", "raw"]` one inside the top-level `author` object. Like
 * dropTopLevelKeys, nothing is parsed or serialized again; it descends only along the paths
 * (a few levels), never into the rest of the record.
 */
export function dropPaths(json: Buffer, paths: readonly (readonly string[])[]): Buffer {
  const top = new Set(paths.filter((p) => p.length === 1).map((p) => p[0]!));
  const nested = paths.filter((p) => p.length > 1);
  if (nested.length === 0) return dropTopLevelKeys(json, top);
  const members = topLevelMembers(json);
  const pieces: Buffer[] = [OPEN];
  for (const m of members) {
    if (top.has(m.key)) continue;
    if (pieces.length > 1) pieces.push(COMMA_BYTES);
    const inner = nested.filter((p) => p[0] === m.key).map((p) => p.slice(1));
    const member = json.subarray(m.start, m.end);
    const at = valueStart(member);
    pieces.push(
      inner.length > 0 && member[at] === OPEN_BRACE
        ? Buffer.concat([member.subarray(0, at), dropPaths(member.subarray(at), inner)])
        : member,
    );
  }
  pieces.push(CLOSE);
  return Buffer.concat(pieces);
}

/** Where the value of a member (`"key" : value`) starts. */
function valueStart(member: Buffer): number {
  const keyEnd = closingQuote(member, 0);
  return skipSpace(member, member.indexOf(COLON, keyEnd) + 1);
}
