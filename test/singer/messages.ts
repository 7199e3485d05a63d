import { compileSchema, schemaErrors } from "../helpers/protocol.js";

/**
 * The Singer messages the tap may write, after the Singer specification
 * (SPEC.md of singer-io/getting-started): SCHEMA, RECORD and STATE, nothing else and no extra
 * field. Shared by the unit tests and the CLI tests.
 */
const MESSAGE_SCHEMA = {
  oneOf: [
    {
      type: "object",
      additionalProperties: false,
      required: ["type", "stream", "schema", "key_properties"],
      properties: {
        type: { const: "SCHEMA" },
        stream: { type: "string", minLength: 1 },
        schema: { type: "object", required: ["type", "properties"] },
        key_properties: { type: "array", items: { type: "string" } },
        bookmark_properties: { type: "array", items: { type: "string" } },
      },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["type", "stream", "record", "time_extracted"],
      properties: {
        type: { const: "RECORD" },
        stream: { type: "string", minLength: 1 },
        record: { type: "object" },
        // RFC 3339 in UTC, as the spec asks.
        time_extracted: { type: "string", format: "date-time", pattern: "Z$" },
      },
    },
    {
      type: "object",
      additionalProperties: false,
      required: ["type", "value"],
      properties: {
        type: { const: "STATE" },
        value: {
          type: "object",
          required: ["bookmarks"],
          properties: { bookmarks: { type: "object", additionalProperties: { type: "object" } } },
        },
      },
    },
  ],
};

const validate = compileSchema(MESSAGE_SCHEMA);

// biome-ignore lint/suspicious/noExplicitAny: messages are inspected field by field in tests
export type SingerMessage = Record<string, any>;

/** Parses stdout as Singer messages, one per line; throws on anything else. */
export function parseSinger(stdout: string): SingerMessage[] {
  return stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((line, i) => {
      let m: SingerMessage;
      try {
        m = JSON.parse(line) as SingerMessage;
      } catch {
        throw new Error(`stdout line ${i + 1} is not JSON: ${line.slice(0, 200)}`);
      }
      if (!validate(m))
        throw new Error(
          `stdout line ${i + 1} is not a Singer message: ${schemaErrors(validate)}: ${line.slice(0, 200)}`,
        );
      return m;
    });
}

/** The records of `stream`, or of every stream. */
export const singerRecords = (ms: SingerMessage[], stream?: string): SingerMessage[] =>
  ms
    .filter((m) => m.type === "RECORD" && (stream === undefined || m.stream === stream))
    .map((m) => m.record as SingerMessage);

export const singerStates = (ms: SingerMessage[]): SingerMessage[] => ms.filter((m) => m.type === "STATE");

/** Every RECORD of a stream comes after that stream's (single) SCHEMA. */
export function assertSchemaFirst(ms: SingerMessage[]): void {
  const seen = new Set<string>();
  ms.forEach((m, i) => {
    if (m.type === "SCHEMA") {
      if (seen.has(m.stream)) throw new Error(`line ${i + 1}: a second SCHEMA for ${m.stream}`);
      seen.add(m.stream);
    }
    if (m.type === "RECORD" && !seen.has(m.stream))
      throw new Error(`line ${i + 1}: RECORD of ${m.stream} before its SCHEMA`);
  });
}
