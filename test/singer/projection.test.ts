import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/protocol/messages.js";
import type { RecordBatch } from "../../src/protocol/records.js";
import { recordLinePieces } from "../../src/protocol/splice.js";
import { FieldProjection } from "../../src/singer/projection.js";
import { batchOf } from "../helpers/clients.js";

const schema: JsonObject = {
  type: "object",
  required: ["id", "message", "at"],
  properties: {
    id: { type: "string" },
    at: { type: "integer" },
    message: { type: ["null", "string"] },
    branch: { type: "string" },
    author: {
      type: ["null", "object"],
      required: ["raw"],
      properties: {
        raw: { type: "string" },
        user: { type: "object", properties: { name: { type: "string" } } },
      },
    },
  },
};

/** The record lines a batch becomes, parsed back: what a target reads. */
function lines(p: FieldProjection, batch: RecordBatch) {
  const text = Buffer.concat(recordLinePieces(Buffer.from(""), Buffer.from("\n"), p.batch(batch))).toString();
  return text
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as JsonObject);
}

describe("FieldProjection", () => {
  it("leaves deselected properties, and their required entries, out of the schema", () => {
    const p = new FieldProjection([["message"], ["author", "raw"]]);
    const out = p.schema(schema);
    expect(Object.keys(out.properties as object)).toEqual(["id", "at", "branch", "author"]);
    expect(out.required).toEqual(["id", "at"]);
    const author = (out.properties as Record<string, JsonObject>).author!;
    expect(Object.keys(author.properties as object)).toEqual(["user"]);
    expect(author.required).toEqual([]);
    // The stream's own schema is not changed.
    expect(Object.keys(schema.properties as object)).toContain("message");
    expect(new FieldProjection([["nope"], ["author", "nope", "x"]]).schema(schema)).toEqual(schema);
  });

  it("cuts top-level fields from the record bytes and from the spliced-in context", () => {
    const p = new FieldProjection([["message"], ["branch"]]);
    const batch = batchOf(
      [
        { id: "1", message: "m1", author: { raw: "A" } },
        { message: "m2", id: "2" },
      ],
      { branch: "main", at: 1 },
    );
    expect(p.batch(batch).context).toEqual({ at: 1 });
    expect(lines(p, batch)).toEqual([
      { id: "1", author: { raw: "A" }, at: 1 },
      { id: "2", at: 1 },
    ]);
  });

  it("removes nested fields along their path only, whatever else the record holds", () => {
    const p = new FieldProjection([["author", "raw"], ["message"]]);
    const batch = batchOf(
      [
        { id: "1", message: "m", author: { raw: "A <a@x>", user: { name: "a", raw: "kept" } } },
        { id: "2", author: null },
        { id: "3", author: { user: {} } },
        { id: "4", author: "not an object", raw: "kept" },
      ],
      { at: 1 },
    );
    expect(lines(p, batch)).toEqual([
      { id: "1", author: { user: { name: "a", raw: "kept" } }, at: 1 },
      { id: "2", author: null, at: 1 },
      { id: "3", author: { user: {} }, at: 1 },
      { id: "4", author: "not an object", raw: "kept", at: 1 },
    ]);
  });

  it("never descends into the rest of a record: a record nested 100,000 levels deep is projected", () => {
    const deep = `${'{"raw":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const text = `{"id":"1","author":{"raw":"x","deep":${deep}},"message":"m"}`;
    const bytes = Buffer.from(text);
    const batch: RecordBatch = { bytes, spans: Uint32Array.of(0, bytes.length), context: {} };
    const out = Buffer.concat(
      recordLinePieces(
        Buffer.from(""),
        Buffer.from(""),
        new FieldProjection([["author", "raw"], ["message"]]).batch(batch),
      ),
    );
    expect(out.toString()).toBe(`{"id":"1","author":{"deep":${deep}}}`);
  });
});
