import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/protocol/messages.js";
import { recordLinePieces } from "../../src/protocol/splice.js";
import { FieldProjection } from "../../src/singer/projection.js";

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

/** The record lines a page becomes, parsed back: what a target reads. */
function lines(p: FieldProjection, records: JsonObject[], raw?: { texts: Buffer[]; context: JsonObject }) {
  const [page, bytes] = p.page(records, raw);
  const text = Buffer.concat(recordLinePieces(Buffer.from(""), Buffer.from("\n"), page, bytes)).toString();
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

  it("cuts top-level fields from the raw bytes and from the spliced-in context", () => {
    const p = new FieldProjection([["message"], ["branch"]]);
    const texts = [
      Buffer.from('{"id":"1","message":"m1","author":{"raw":"A"}}'),
      Buffer.from('{"message":"m2","id":"2"}'),
    ];
    const records = [
      { id: "1", message: "m1", author: { raw: "A" }, branch: "main", at: 1 },
      { message: "m2", id: "2", branch: "main", at: 1 },
    ];
    const [, bytes] = p.page(records, { texts, context: { branch: "main", at: 1 } });
    expect(bytes?.context).toEqual({ at: 1 });
    expect(lines(p, records, { texts, context: { branch: "main", at: 1 } })).toEqual([
      { id: "1", author: { raw: "A" }, at: 1 },
      { id: "2", at: 1 },
    ]);
  });

  it("removes top-level fields from records that have no raw bytes", () => {
    const p = new FieldProjection([["message"]]);
    const records = [{ id: "1", message: "m", at: 1 }];
    expect(lines(p, records)).toEqual([{ id: "1", at: 1 }]);
    expect(records[0]).toEqual({ id: "1", message: "m", at: 1 }); // not mutated
  });

  it("removes nested fields from the parsed records, raw bytes or not", () => {
    const p = new FieldProjection([["author", "raw"], ["message"]]);
    const records: JsonObject[] = [
      { id: "1", message: "m", author: { raw: "A <a@x>", user: { name: "a" } }, at: 1 },
      { id: "2", author: null, at: 1 },
      { id: "3", author: { user: {} }, at: 1 },
    ];
    const texts = records.map((r) => Buffer.from(JSON.stringify({ id: r.id, author: r.author })));
    const want = [
      { id: "1", author: { user: { name: "a" } }, at: 1 },
      { id: "2", author: null, at: 1 },
      { id: "3", author: { user: {} }, at: 1 },
    ];
    expect(lines(p, records, { texts, context: { at: 1 } })).toEqual(want);
    expect(lines(p, records)).toEqual(want);
    expect((records[0]!.author as JsonObject).raw).toBe("A <a@x>"); // not mutated
  });
});
