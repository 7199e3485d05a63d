import { describe, expect, it } from "vitest";
import { dropTopLevelKeys } from "../../src/protocol/project.js";

const drop = (json: string, ...keys: string[]) =>
  dropTopLevelKeys(Buffer.from(json), new Set(keys)).toString();

/** What dropping means, by the slow road: parse, delete, compare as values. */
function expectSameAsParsed(json: string, keys: string[]): void {
  const want = JSON.parse(json) as Record<string, unknown>;
  for (const k of keys) delete want[k];
  const got = drop(json, ...keys);
  expect(JSON.parse(got), `${json} without ${keys.join(",")}: ${got}`).toEqual(want);
  expect(Object.keys(JSON.parse(got))).toEqual(Object.keys(want)); // order kept
}

describe("dropTopLevelKeys", () => {
  it("removes the first, a middle, the last and the only member", () => {
    expect(drop('{"a":1,"b":2,"c":3}', "a")).toBe('{"b":2,"c":3}');
    expect(drop('{"a":1,"b":2,"c":3}', "b")).toBe('{"a":1,"c":3}');
    expect(drop('{"a":1,"b":2,"c":3}', "c")).toBe('{"a":1,"b":2}');
    expect(drop('{"a":1,"b":2,"c":3}', "a", "c")).toBe('{"b":2}');
    expect(drop('{"a":1}', "a")).toBe("{}");
    expect(drop('{"a":1,"b":2}', "a", "b")).toBe("{}");
  });

  it("returns the very same bytes when there is nothing to drop", () => {
    const json = Buffer.from('{"a":1,"b":{"c":2}}');
    expect(dropTopLevelKeys(json, new Set())).toBe(json);
    expect(dropTopLevelKeys(json, new Set(["c", "z"]))).toBe(json);
    const empty = Buffer.from("{}");
    expect(dropTopLevelKeys(empty, new Set(["a"]))).toBe(empty);
  });

  it("keeps nested members of the same name, in objects and in arrays", () => {
    const json = '{"author":{"raw":"A <a@x>","author":1},"parents":[{"author":2},["author"]],"raw":"x"}';
    expect(drop(json, "raw")).toBe(
      '{"author":{"raw":"A <a@x>","author":1},"parents":[{"author":2},["author"]]}',
    );
    expect(drop(json, "author")).toBe('{"parents":[{"author":2},["author"]],"raw":"x"}');
    expectSameAsParsed(json, ["author", "raw"]);
  });

  it("is not fooled by strings holding quotes, backslashes, braces, commas or key-like text", () => {
    const json = String.raw`{"message":"say \"hi\", {\"a\":1}, [x]","path":"C:\\dir\\","a":"\\\"b\\","b":"}","c":","}`;
    expect(JSON.parse(json)).toBeTruthy();
    expect(drop(json, "message")).toBe(String.raw`{"path":"C:\\dir\\","a":"\\\"b\\","b":"}","c":","}`);
    expect(drop(json, "path", "b")).toBe(
      String.raw`{"message":"say \"hi\", {\"a\":1}, [x]","a":"\\\"b\\","c":","}`,
    );
    for (const k of ["message", "path", "a", "b", "c"]) expectSameAsParsed(json, [k]);
  });

  it("matches keys written with escapes, and keys with quotes in them", () => {
    expect(drop(String.raw`{"\u0061uthor":1,"b":2}`, "author")).toBe('{"b":2}');
    expect(drop(String.raw`{"a\"b":1,"c":2}`, 'a"b')).toBe('{"c":2}');
    expect(drop('{"é":1,"c":"ü"}', "é")).toBe('{"c":"ü"}');
  });

  it("handles whitespace between tokens and around the object", () => {
    const json = ' {\n  "a" : 1 ,\n  "b" :\t{ "c" : [ 1 , 2 ] } ,\r\n  "d" : "x"\n} ';
    expect(drop(json, "a")).toBe('{"b" :\t{ "c" : [ 1 , 2 ] },"d" : "x"}');
    expect(drop(json, "d")).toBe('{"a" : 1,"b" :\t{ "c" : [ 1 , 2 ] }}');
    expect(drop("{ }", "a")).toBe("{ }");
    for (const k of ["a", "b", "d"]) expectSameAsParsed(json, [k]);
  });

  it("keeps every kind of value byte for byte", () => {
    const json = '{"n":-1.5e+10,"t":true,"f":false,"z":null,"s":"","o":{},"l":[],"x":1}';
    expect(drop(json, "x")).toBe('{"n":-1.5e+10,"t":true,"f":false,"z":null,"s":"","o":{},"l":[]}');
    for (const k of ["n", "t", "f", "z", "s", "o", "l"]) expectSameAsParsed(json, [k]);
  });

  it("agrees with parse-and-delete on generated objects", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const keys = ["a", "b", "author", "raw", 'q"x', "b\\s", "{", ","];
    const value = (depth: number): unknown => {
      const kind = rand(depth > 2 ? 4 : 6);
      if (kind === 0) return rand(1000) - 500;
      if (kind === 1) return ['x"y', "a\\", "}", "[,]", "\u00e9\n", ""][rand(6)];
      if (kind === 2) return [true, false, null][rand(3)];
      if (kind === 3) return 1.25;
      if (kind === 4) return Array.from({ length: rand(3) }, () => value(depth + 1));
      return object(depth + 1);
    };
    const object = (depth: number) =>
      Object.fromEntries(Array.from({ length: rand(5) }, () => [keys[rand(keys.length)]!, value(depth)]));
    for (let i = 0; i < 300; i++) {
      const json = JSON.stringify(object(0), null, rand(2) === 0 ? undefined : 1);
      expectSameAsParsed(json, [keys[rand(keys.length)]!, keys[rand(keys.length)]!]);
    }
  });

  it("throws on bytes that are not one JSON object", () => {
    for (const bad of ['["a"]', '"a"', '{"a":1', '{"a":"x}', '{"a":1} {"b":2}', '{"a":1,,"b":2}'])
      expect(() => drop(bad, "a"), bad).toThrow();
  });
});
