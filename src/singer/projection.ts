import type { JsonObject } from "../protocol/messages.js";
import { dropTopLevelKeys } from "../protocol/project.js";

/**
 * Leaves the deselected fields (selection.ts) out of a stream's SCHEMA and records. Top-level
 * fields are cut from Bitbucket's own bytes (protocol/project.ts), so the common case keeps the
 * zero-parse output path; a nested field (`author.raw`) is removed from the parsed record
 * instead, which is then serialized again: slower, and only for streams that ask for it.
 */
export class FieldProjection {
  private readonly topLevel: ReadonlySet<string>;
  private readonly nested: boolean;

  constructor(private readonly paths: string[][]) {
    this.nested = paths.some((p) => p.length > 1);
    this.topLevel = new Set(paths.filter((p) => p.length === 1).map((p) => p[0]!));
  }

  /** The schema without the deselected properties, nor `required` entries naming them. */
  schema(schema: JsonObject): JsonObject {
    return this.paths.reduce(withoutProperty, schema);
  }

  /** A page of records (and their raw bytes, when there) without the deselected fields. */
  page(
    records: JsonObject[],
    raw?: { texts: Buffer[]; context: JsonObject },
  ): [JsonObject[], { texts: Buffer[]; context: JsonObject } | undefined] {
    if (this.nested) {
      // The parsed records carry the context too: serializing them is always correct.
      return [records.map((r) => this.paths.reduce(withoutPath, r)), undefined];
    }
    if (!raw) return [records.map((r) => omit(r, this.topLevel)), undefined];
    const texts = raw.texts.map((t) => dropTopLevelKeys(t, this.topLevel));
    return [records, { texts, context: omit(raw.context, this.topLevel) }];
  }
}

function omit(obj: JsonObject, keys: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (!keys.has(k)) out[k] = v;
  return out;
}

/** `obj` without the member at `path`, copying only the objects on the way to it. */
function withoutPath(obj: JsonObject, path: string[]): JsonObject {
  const [head, ...rest] = path as [string, ...string[]];
  if (!(head in obj)) return obj;
  if (rest.length === 0) return omit(obj, new Set([head]));
  const child = obj[head];
  if (!isObject(child)) return obj; // null, or not an object here: nothing nested to remove
  return { ...obj, [head]: withoutPath(child, rest) };
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
