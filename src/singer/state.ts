import { configError } from "../errors.js";

/**
 * Reads the Singer `--state` input: the value of a STATE message this tap emitted
 * (`{"bookmarks": {"<stream>": {"partitions": {...}}}}`), the whole STATE message
 * (`{"type":"STATE","value":{...}}`), or `{}`. Returns each stream's bookmark by stream name.
 * A bookmark of one of `streams` must be this connector's stream state (`{}` or
 * `{"partitions": {...}}`): anything else is bad input, rejected before reading starts.
 */
export function decodeSingerState(raw: unknown, streams: string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!isObject(raw)) {
    throw configError(
      `the state must be a JSON object ({"bookmarks": {...}}, the value of a STATE message this tap emitted), got ${describe(raw)}${Array.isArray(raw) ? " (an array of Airbyte state messages is what source-bitbucket read takes)" : ""}`,
    );
  }
  if (raw.type !== undefined) {
    if (raw.type !== "STATE" || !isObject(raw.value))
      throw configError(
        `the state is a message of type ${JSON.stringify(raw.type)}, not a STATE message with a "value" object`,
      );
    return decodeSingerState(raw.value, streams);
  }
  // As in the Airbyte state, null means absent: no bookmarks, or none for that stream.
  if (raw.bookmarks === null) return out;
  if (raw.bookmarks === undefined) {
    if (Object.keys(raw).length === 0) return out;
    throw configError(
      `the state has no "bookmarks" (it has ${Object.keys(raw).join(", ")}); pass {"bookmarks": {...}} as this tap emits it in STATE messages, or {} for a full read`,
    );
  }
  if (!isObject(raw.bookmarks))
    throw configError(
      `the state's "bookmarks" must be an object keyed by stream name, got ${describe(raw.bookmarks)}`,
    );
  for (const [name, blob] of Object.entries(raw.bookmarks)) {
    if (blob === null) continue;
    if (streams.includes(name) && !isStreamState(blob)) {
      throw configError(
        `the bookmark of stream ${name} is not of this tap's shape ({"partitions": {"<repository>": {...}}}); pass the value of a STATE message this tap emitted, or no state for a full read`,
      );
    }
    out.set(name, blob);
  }
  return out;
}

function isStreamState(blob: unknown): boolean {
  if (!isObject(blob)) return false;
  return Object.keys(blob).length === 0 || isObject(blob.partitions);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}
