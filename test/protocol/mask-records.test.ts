import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { LineWriter } from "../../src/protocol/line-writer.js";
import { maskRecords } from "../../src/protocol/mask-records.js";
import { batchSize, recordBytes } from "../../src/protocol/records.js";
import { Redactor } from "../../src/protocol/redact.js";
import { batchOf } from "../helpers/clients.js";

const texts = (b: ReturnType<typeof batchOf>) =>
  Array.from({ length: batchSize(b) }, (_, i) => recordBytes(b, i).toString());

describe("maskRecords", () => {
  const secret = Buffer.from("dXNlcjpzM2NyM3Q=");

  it("hands back the very batch when no record holds a secret", () => {
    const batch = batchOf([{ id: 1, message: "fix" }, { id: 2 }], { repo: "r" });
    expect(maskRecords(batch, [secret])).toBe(batch);
    expect(maskRecords(batch, [])).toBe(batch);
  });

  it("masks every occurrence in every record, keeping the others' bytes, the context and the spans right", () => {
    const s = secret.toString();
    const batch = batchOf(
      [{ id: 1 }, { id: 2, message: `authorization: Basic ${s}\r\nagain ${s}` }, { id: 3, m: "ok" }],
      { repo: "r" },
    );
    const masked = maskRecords(batch, [secret]);
    expect(masked.context).toEqual({ repo: "r" });
    expect(texts(masked)).toEqual([
      '{"id":1}',
      '{"id":2,"message":"authorization: Basic ****\\r\\nagain ****"}',
      '{"id":3,"m":"ok"}',
    ]);
    expect(masked.bytes.includes(secret)).toBe(false);
  });

  it("looks only at the batch's own records, not at the rest of the page", () => {
    const page = batchOf([{ id: 1, leak: secret.toString() }, { id: 2 }]);
    const second = { ...page, spans: page.spans.subarray(2, 4) };
    expect(maskRecords(second, [secret])).toBe(second);
  });
});

describe("Redactor in records", () => {
  it("masks the credentials as sent, not other secrets (a short one would mask ordinary data)", () => {
    const r = new Redactor();
    r.add("pw");
    r.addSent("c2VudA==");
    const batch = r.records(batchOf([{ m: "pw upward c2VudA== and c2VudA==" }]));
    expect(texts(batch)).toEqual(['{"m":"pw upward **** and ****"}']);
    expect(r.redact("pw and c2VudA==")).toBe("**** and ****");
  });
});

describe("LineWriter on a closed output", () => {
  it("rejects every write with a cancelled error saying the output was closed, never a bug", async () => {
    const out = new Writable({
      write(_chunk, _enc, done) {
        done(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      },
    });
    out.on("error", () => undefined);
    const w = new LineWriter(out, 1);
    const first = await w.write("{}").catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ConnectorError);
    expect((first as ConnectorError).userMessage).toBe(
      "cancelled: the output was closed (EPIPE): nothing more can be written",
    );
    const later = await w.write("{}").catch((e: unknown) => e);
    expect((later as ConnectorError).code).toBe("cancelled");
  });
});
