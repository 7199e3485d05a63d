import { expect } from "vitest";
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

/**
 * What a Singer catalog entry must hold for Meltano and Singer targets: the stream named as its
 * tap_stream_id, incremental, keys and replication key among the schema's properties, selected
 * root metadata carrying them, one metadata entry per property (keys and the replication key
 * automatic), and a schema that compiles.
 */
export function expectCatalogEntry(s: SingerMessage): void {
  const properties = Object.keys(s.schema.properties as object);
  expect(s.stream).toBe(s.tap_stream_id);
  expect(s.replication_method).toBe("INCREMENTAL");
  expect(s.key_properties.length).toBeGreaterThan(0);
  for (const k of [...s.key_properties, s.replication_key]) expect(properties).toContain(k);
  const [root, ...fields] = s.metadata as SingerMessage[];
  expect(root).toEqual({
    breadcrumb: [],
    metadata: {
      inclusion: "available",
      selected: true,
      "table-key-properties": s.key_properties,
      "valid-replication-keys": [s.replication_key],
      "forced-replication-method": "INCREMENTAL",
      "schema-name": s.stream,
    },
  });
  expect(fields.map((f) => f.breadcrumb)).toEqual(properties.map((p) => ["properties", p]));
  for (const f of fields) {
    const name = f.breadcrumb[1];
    const automatic = s.key_properties.includes(name) || s.replication_key === name;
    expect(f.metadata).toEqual({ inclusion: automatic ? "automatic" : "available" });
  }
  compileSchema(s.schema);
}
