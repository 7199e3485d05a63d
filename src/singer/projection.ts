import type { JsonObject } from "../protocol/messages.js";
import { dropPaths } from "../protocol/project.js";
import { batchSize, type RecordBatch, recordBytes } from "../protocol/records.js";

/**
 * Leaves the deselected fields (selection.ts) out of a stream's SCHEMA and records. Fields are cut
 * from Bitbucket's own bytes (protocol/project.ts): top-level ones by the batch's `drop` set, so
 * the common case keeps the zero-copy output path; a nested one (`author.raw`) by rewriting each
 * record's bytes along that path only, for streams that ask for it.
 */
export class FieldProjection {
  private readonly topLevel: ReadonlySet<string>;
  private readonly nested: string[][];

  constructor(private readonly paths: string[][]) {
    this.nested = paths.filter((p) => p.length > 1);
    this.topLevel = new Set(paths.filter((p) => p.length === 1).map((p) => p[0]!));
  }

  /** The schema without the deselected properties, nor `required` entries naming them. */
  schema(schema: JsonObject): JsonObject {
    return this.paths.reduce(withoutProperty, schema);
  }

  /** A batch of records without the deselected fields (context fields included). */
  batch(b: RecordBatch): RecordBatch {
    const context = omit(b.context, this.topLevel);
    const drop = new Set([...(b.drop ?? []), ...this.topLevel]);
    if (this.nested.length === 0) return { ...b, context, drop };
    const paths = [...[...drop].map((k) => [k]), ...this.nested];
    const parts: Buffer[] = [];
    const spans = new Uint32Array(b.spans.length);
    let at = 0;
    for (let i = 0; i < batchSize(b); i++) {
      const part = dropPaths(recordBytes(b, i), paths);
      parts.push(part);
      spans[2 * i] = at;
      at += part.length;
      spans[2 * i + 1] = at;
    }
    return { bytes: Buffer.concat(parts, at), spans, context };
  }
}

function omit(obj: JsonObject, keys: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.has(k)) out[k] = v;
  return out;
}

/** `schema` without the property at `path` (through nested `properties`) and its `required` entry. */
function withoutProperty(schema: JsonObject, path: string[]): JsonObject {
  const [head, ...rest] = path as [string, ...string[]];
  const properties = schema.properties;
  if (!isObject(properties) || !(head in properties)) return schema;
  if (rest.length > 0) {
    const child = properties[head];
    if (!isObject(child)) return schema;
    return { ...schema, properties: { ...properties, [head]: withoutProperty(child, rest) } };
  }
  const out: JsonObject = { ...schema, properties: omit(properties, new Set([head])) };
  if (Array.isArray(schema.required)) out.required = schema.required.filter((r) => r !== head);
  return out;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
