import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compact, scanPage } from "../../src/http/json-scan.js";
import { Page } from "../../src/http/page.js";
import { batchSize, recordBytes } from "../../src/protocol/records.js";
import { contextBytes, pushSpliced } from "../../src/protocol/splice.js";

/** Each element of `values` as the bytes the scan found. */
const texts = (json: string) => {
  const bytes = Buffer.from(json, "utf8");
  const s = scanPage(bytes);
  if (!s) return undefined;
  const out: string[] = [];
  for (let k = 0; k < s.values.length; k += 2) out.push(bytes.toString("utf8", s.values[k], s.values[k + 1]));
  return out;
};

const pageOf = (json: string) => {
  const bytes = Buffer.from(json, "utf8");
  return new Page(bytes, scanPage(bytes)!, {}, z.looseObject({}), "GET /x");
};

describe("scanPage", () => {
  it("finds each element's own bytes, whatever the strings hold, and the other members", () => {
    const values = [
      { a: 'quote " and \\ backslash \\\\', b: "braces { [ ] }", c: [1, { d: null }] },
      { msg: "ends with backslash \\", u: "ünïcödé ✓ 修改密码验证" },
      {},
    ];
    const text = JSON.stringify({
      pagelen: 3,
      values,
      next: "https://x/?page=2",
      values_note: { values: [1] },
    });
    const raw = texts(text)!;
    expect(raw.map((r) => JSON.parse(r))).toEqual(values);
    expect(raw[0]).toBe(JSON.stringify(values[0]));
    const bytes = Buffer.from(text);
    const members = scanPage(bytes)!.members;
    const member = (k: string) => JSON.parse(bytes.toString("utf8", ...members.get(k)!));
    expect([member("pagelen"), member("next"), member("values_note")]).toEqual([
      3,
      "https://x/?page=2",
      { values: [1] },
    ]);
  });

  it("keeps the server's own spacing and key order", () => {
    const text = '{"values": [ { "z": 1,   "a": "x" } , {"b":2}],\n  "isLastPage": true\n}\n';
    expect(texts(text)).toEqual(['{ "z": 1,   "a": "x" }', '{"b":2}']);
  });

  it("declines what is not a page of objects, and malformed JSON", () => {
    expect(texts('{"values": [1, 2]}')).toBeUndefined();
    expect(texts('{"values": ["a"]}')).toBeUndefined();
    expect(texts('{"values": [{"a": "unterminated}]}')).toBeUndefined();
    expect(texts('{"values": [{"a": 1}], "next": ')).toBeUndefined();
    expect(texts("[]")).toBeUndefined();
    expect(texts('{"other": []}')).toEqual([]);
  });

  it("scans a record nested 100,000 levels deep without recursion", () => {
    const deep = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`;
    const raw = texts(`{"values":[{"id":"x","nest":${deep}},{"id":"y"}],"isLastPage":true}`)!;
    expect(raw).toHaveLength(2);
    expect(raw[1]).toBe('{"id":"y"}');
  });

  const fixtures = new URL("../../../shared/fixtures/bitbucket/", import.meta.url);
  it.skipIf(!existsSync(fixtures))(
    "agrees with JSON.parse on every recorded Bitbucket page, compact or pretty-printed",
    () => {
      let pages = 0;
      for (const dir of ["cloud", "datacenter"]) {
        for (const f of readdirSync(new URL(`${dir}/`, fixtures)).filter((n) => n.endsWith(".json"))) {
          const parsed = JSON.parse(readFileSync(new URL(`${dir}/${f}`, fixtures), "utf8")) as {
            values?: unknown[];
          };
          if (!Array.isArray(parsed.values)) continue;
          expect(
            texts(JSON.stringify(parsed))?.map((r) => JSON.parse(r)),
            f,
          ).toEqual(parsed.values);
          const pretty = pageOf(JSON.stringify(parsed, null, 2));
          const batch = pretty.records({});
          const lines = Array.from({ length: batchSize(batch) }, (_, i) =>
            recordBytes(batch, i).toString("utf8"),
          );
          expect(
            lines.every((l) => !l.includes("\n")),
            f,
          ).toBe(true);
          expect(
            lines.map((l) => JSON.parse(l)),
            f,
          ).toEqual(parsed.values);
          pages++;
        }
      }
      expect(pages).toBeGreaterThanOrEqual(6);
    },
  );
});

describe("Page", () => {
  it("parses items a batch at a time and names the field of a bad one", () => {
    const bytes = Buffer.from(JSON.stringify({ values: [{ id: 1 }, { id: 2 }, { id: "three" }] }));
    const page = new Page(bytes, scanPage(bytes)!, {}, z.looseObject({ id: z.number() }), "GET /x");
    expect(page.items(0, 2)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(() => page.items()).toThrow(/values\.2\.id/);
  });

  it("leaves out of the record bytes a field the context sets, so no key appears twice", () => {
    const bytes = Buffer.from(JSON.stringify({ values: [{ id: 1, branch: "theirs" }, { id: 2 }] }));
    const page = new Page(bytes, scanPage(bytes)!, {}, z.looseObject({}), "GET /x");
    const [first] = [...page.batches({ branch: "main" })];
    expect(first?.records.drop).toEqual(new Set(["branch"]));
  });

  it("frees a large body once its last batch is handed on, and leaves alone bytes it does not own whole", () => {
    const json = JSON.stringify({
      values: Array.from({ length: 300 }, (_, i) => ({ i, pad: "x".repeat(100) })),
    });
    const own = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
    own.write(json);
    const page = new Page(own, scanPage(own)!, {}, z.looseObject({}), "GET /x");
    let seen = 0;
    for (const { records } of page.batches({}, 100)) {
      // Each batch is whole while it is handed on, the last one included.
      seen += batchSize(records);
      expect(JSON.parse(recordBytes(records, batchSize(records) - 1).toString()).i).toBe(seen - 1);
      expect(own.length).toBe(Buffer.byteLength(json));
    }
    expect(seen).toBe(300);
    expect(own.buffer.byteLength).toBe(0); // detached: its memory is gone
    expect(() => page.items(0, 1)).toThrow();

    // A slice of a larger buffer (someone else's bytes around it) is never detached.
    const shared = Buffer.alloc(Buffer.byteLength(json) + 10);
    shared.write(json, 5);
    const slice = shared.subarray(5, 5 + Buffer.byteLength(json));
    const other = new Page(slice, scanPage(slice)!, {}, z.looseObject({}), "GET /x");
    for (const _ of other.batches({})) {
      // handed on
    }
    expect(shared.buffer.byteLength).toBe(shared.length);
  });
});

describe("compact", () => {
  it("removes whitespace outside strings only", () => {
    expect(compact(Buffer.from('{ "a" : "x y\\n" ,\n "b": [1, 2] }')).toString()).toBe(
      '{"a":"x y\\n","b":[1,2]}',
    );
    const tight = Buffer.from('{"a":1}');
    expect(compact(tight)).toBe(tight);
  });
});

describe("pushSpliced", () => {
  const splice = (raw: string, context: object) => {
    const pieces: Buffer[] = [];
    pushSpliced(pieces, Buffer.from(raw), contextBytes(context));
    return Buffer.concat(pieces).toString("utf8");
  };

  it("merges context fields into an object's own bytes", () => {
    const ctx = { repo_slug: "r", pull_request_id: 7 };
    expect(JSON.parse(splice('{"hash":"abc"}', ctx))).toEqual({
      hash: "abc",
      repo_slug: "r",
      pull_request_id: 7,
    });
    expect(JSON.parse(splice("{ }", ctx))).toEqual({ repo_slug: "r", pull_request_id: 7 });
    expect(JSON.parse(splice('{"a":1}\n', ctx))).toEqual({ a: 1, repo_slug: "r", pull_request_id: 7 });
    expect(splice('{"a":"é"}', {})).toBe('{"a":"é"}');
    expect(splice('{"hash":"abc"}', { x: "ünï" })).toBe('{"hash":"abc","x":"ünï"}');
  });
});
