import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rawValues } from "../../src/http/raw-values.js";
import { contextBytes, pushSpliced } from "../../src/protocol/splice.js";

const texts = (json: string) => rawValues(Buffer.from(json, "utf8"))?.map((b) => b.toString("utf8"));

describe("rawValues", () => {
  it("returns each element's own bytes, whatever the strings hold", () => {
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
    expect(raw[1]).toBe(JSON.stringify(values[1]));
  });

  it("keeps the server's own spacing and key order", () => {
    const text = '{"values": [ { "z": 1,   "a": "x" } , {"b":2}],\n  "isLastPage": true\n}\n';
    expect(texts(text)).toEqual(['{ "z": 1,   "a": "x" }', '{"b":2}']);
  });

  it("declines elements holding a raw line break (pretty-printed JSON), which would split an output line", () => {
    expect(texts('{"values": [{"a": 1,\n "b": 2}]}')).toBeUndefined();
    expect(texts('{"values": [{"a": 1},\r\n{"b": 2}]}')).toBeUndefined();
    expect(texts('{"values": [{"a": "escaped \\n is fine"}]}')).toEqual(['{"a": "escaped \\n is fine"}']);
  });

  it("declines what is not a page of objects", () => {
    expect(texts('{"values": [1, 2]}')).toBeUndefined();
    expect(texts('{"values": ["a"]}')).toBeUndefined();
    expect(texts('{"values": [{"a": "unterminated}]}')).toBeUndefined();
    expect(texts('{"other": []}')).toEqual([]);
  });

  const fixtures = new URL("../../../shared/fixtures/bitbucket/", import.meta.url);
  it.skipIf(!existsSync(fixtures))(
    "agrees with JSON.parse on every recorded Bitbucket page, as Bitbucket sends it (compact)",
    () => {
      let pages = 0;
      for (const dir of ["cloud", "datacenter"]) {
        for (const f of readdirSync(new URL(`${dir}/`, fixtures)).filter((n) => n.endsWith(".json"))) {
          const parsed = JSON.parse(readFileSync(new URL(`${dir}/${f}`, fixtures), "utf8")) as {
            values?: unknown[];
          };
          if (!Array.isArray(parsed.values)) continue;
          // The recordings were pretty-printed when saved; the API answers compact JSON.
          expect(
            texts(JSON.stringify(parsed))?.map((r) => JSON.parse(r)),
            f,
          ).toEqual(parsed.values);
          expect(texts(JSON.stringify(parsed, null, 2)), f).toBeUndefined();
          pages++;
        }
      }
      expect(pages).toBeGreaterThanOrEqual(6);
    },
  );
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
