import { z } from "zod";
import { configError } from "../errors.js";
import { formatIssues } from "../zod-issues.js";

/**
 * Reads the `--state` input in every form the platform passes: an array of state messages
 * (per-stream STREAM messages, one GLOBAL, or LEGACY), a legacy object keyed by stream name,
 * `[]`, `{}` or nothing. Returns each stream's state blob by stream name. As in the Python
 * protocol models, every optional field may be null, meaning absent.
 */
const Descriptor = z.looseObject({ name: z.string().min(1), namespace: z.string().nullish() });
const StreamStateEntry = z.looseObject({
  stream_descriptor: Descriptor,
  stream_state: z.record(z.string(), z.unknown()).nullish(),
});
const StateMessage = z.union([
  z.looseObject({ type: z.literal("STREAM"), stream: StreamStateEntry }),
  z.looseObject({
    type: z.literal("GLOBAL"),
    global: z.looseObject({ shared_state: z.unknown().optional(), stream_states: z.array(StreamStateEntry) }),
  }),
  z.looseObject({ type: z.literal("LEGACY").nullish(), data: z.record(z.string(), z.unknown()) }),
]);

export function decodeState(raw: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (raw === undefined || raw === null) return out;
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      const parsed = StateMessage.safeParse(unwrap(item));
      if (!parsed.success) {
        throw configError(
          `state message ${i} is not an Airbyte state message of type STREAM, GLOBAL or LEGACY: ${formatIssues(parsed.error.issues)}`,
        );
      }
      const m = parsed.data;
      if ("stream" in m && m.type === "STREAM") put(out, m.stream);
      else if ("global" in m && m.type === "GLOBAL") for (const s of m.global.stream_states) put(out, s);
      else if ("data" in m) for (const [name, blob] of Object.entries(m.data)) out.set(name, blob);
    });
    return out;
  }
  if (typeof raw !== "object")
    throw configError(`the state must be a JSON array of state messages or an object, got a ${typeof raw}`);
  const obj = raw as Record<string, unknown>;
  // A single state message (or a whole STATE line) given without the array around it. A
  // legacy object keyed by stream name has no `type`; a message may have it null (LEGACY).
  if ("type" in obj && (obj.type === null || MESSAGE_TYPES.includes(String(obj.type))))
    return decodeState([obj]);
  for (const [name, blob] of Object.entries(obj)) out.set(name, blob);
  return out;
}

/** A whole STATE line as the connector printed it (`{"type":"STATE","state":{...}}`) is accepted too. */
function unwrap(item: unknown): unknown {
  if (typeof item === "object" && item !== null && (item as { type?: unknown }).type === "STATE")
    return (item as { state?: unknown }).state;
  return item;
}

const MESSAGE_TYPES = ["STREAM", "GLOBAL", "LEGACY", "STATE"];

function put(out: Map<string, unknown>, entry: z.infer<typeof StreamStateEntry>): void {
  out.set(entry.stream_descriptor.name, entry.stream_state ?? {});
}
