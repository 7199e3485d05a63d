import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import type { JsonObject } from "../../src/protocol/messages.js";
import { Redactor } from "../../src/protocol/redact.js";
import { SingerOutput } from "../../src/singer/output.js";
import { batchOf } from "../helpers/clients.js";
import { assertSchemaFirst, parseSinger } from "./messages.js";

function capture(isTTY = false) {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY });
  const stdout: string[] = [];
  const stderr: string[] = [];
  out.on("data", (c: Buffer) => stdout.push(c.toString("utf8")));
  err.on("data", (c: Buffer) => stderr.push(c.toString("utf8")));
  return {
    out,
    err,
    text: () => stdout.join(""),
    messages: () => parseSinger(stdout.join("")),
    stderr: () => stderr.join(""),
  };
}

const info = (name: string) => ({
  name,
  jsonSchema: { type: "object", properties: { id: { type: "string" }, at: { type: "integer" } } },
  primaryKey: [["id"]],
  cursorField: ["at"],
});

describe("SingerOutput", () => {
  it("writes SCHEMA, RECORD and STATE messages on stdout and everything else on stderr", async () => {
    const c = capture();
    const o = new SingerOutput(c.out, c.err, new Redactor());
    const before = Date.now();
    await o.streamStarted(info("a"));
    await o.streamRunning("a");
    await o.records(
      "a",
      batchOf([
        { id: "1", at: 1 },
        { id: "2", nested: { x: [1, "é"] } },
      ]),
    );
    await o.state("a", { partitions: { r: { at: 2 } } }, 2);
    await o.streamRateLimited("a", Date.now() + 30_000);
    await o.streamComplete("a");
    await o.flush();
    const ms = c.messages();
    expect(ms.map((m) => m.type)).toEqual(["SCHEMA", "RECORD", "RECORD", "STATE"]);
    expect(ms[0]).toEqual({
      type: "SCHEMA",
      stream: "a",
      schema: info("a").jsonSchema,
      key_properties: ["id"],
      bookmark_properties: ["at"],
    });
    expect(ms[1]).toMatchObject({ type: "RECORD", stream: "a", record: { id: "1", at: 1 } });
    expect(ms[2]!.record).toEqual({ id: "2", nested: { x: [1, "é"] } });
    const extracted = Date.parse(ms[1]!.time_extracted);
    expect(extracted).toBeGreaterThanOrEqual(before - 1);
    expect(extracted).toBeLessThanOrEqual(Date.now());
    expect(ms[1]!.time_extracted).toBe(ms[2]!.time_extracted); // one page, one extraction time
    expect(ms[3]).toEqual({ type: "STATE", value: { bookmarks: { a: { partitions: { r: { at: 2 } } } } } });
    const lines = c.stderr().trimEnd().split("\n");
    expect(lines[0]).toBe("INFO a: started");
    expect(lines[1]).toMatch(/^INFO a: waiting on the rate limit until \d{4}-.*Z \(30 s\)$/);
    expect(lines[2]).toBe("INFO a: complete, 2 records");
    expect(lines).toHaveLength(3); // DEBUG (running) is below the default level
  });

  it("accumulates bookmarks across streams and keeps those given with the state, so every STATE is a resume point", async () => {
    const c = capture();
    const given = new Map<string, unknown>([
      ["b", { partitions: { old: { at: 1 } } }],
      ["not_read", { partitions: { k: {} } }],
    ]);
    const o = new SingerOutput(c.out, c.err, new Redactor(), { bookmarks: given });
    await o.streamStarted(info("a"));
    await o.streamStarted(info("b"));
    await o.state("a", { partitions: { r1: { at: 5 } } }, 0);
    await o.state("b", { partitions: { old: { at: 1 }, r2: { at: 7 } } }, 0);
    await o.state("a", { partitions: { r1: { at: 6 } } }, 0);
    await o.flush();
    const values = c
      .messages()
      .filter((m) => m.type === "STATE")
      .map((m) => m.value);
    expect(values).toEqual([
      {
        bookmarks: {
          b: { partitions: { old: { at: 1 } } },
          not_read: { partitions: { k: {} } },
          a: { partitions: { r1: { at: 5 } } },
        },
      },
      {
        bookmarks: {
          b: { partitions: { old: { at: 1 }, r2: { at: 7 } } },
          not_read: { partitions: { k: {} } },
          a: { partitions: { r1: { at: 5 } } },
        },
      },
      {
        bookmarks: {
          b: { partitions: { old: { at: 1 }, r2: { at: 7 } } },
          not_read: { partitions: { k: {} } },
          a: { partitions: { r1: { at: 6 } } },
        },
      },
    ]);
    expect(given.get("b")).toEqual({ partitions: { old: { at: 1 } } }); // the caller's map is not changed
    assertSchemaFirst(c.messages());
  });

  it("splices the context into raw record bytes: each line equals JSON.stringify of the object plus context", async () => {
    const c = capture();
    const o = new SingerOutput(c.out, c.err, new Redactor());
    const objects: JsonObject[] = [
      { hash: "abc", message: 'quote " and \\ and\nnewline', author: { raw: "Zoë <z@x>" } },
      {},
      { n: 1, list: [{}, { a: null }] },
    ];
    const context = { workspace: "acme", repo_slug: "api", pull_request_id: 7 };
    await o.records("s", batchOf(objects, context));
    // Whitespace before the closing brace splices into the same object. (Record bytes never hold a
    // line break: pages are compacted first, see test/http/json-scan.test.ts.)
    const spaced = Buffer.from('{"a":0 \t}');
    await o.records("s", { bytes: spaced, spans: Uint32Array.of(0, spaced.length), context });
    // An empty context adds nothing.
    await o.records("s", batchOf([{ a: 2 }]));
    await o.flush();
    const lines = c.text().split("\n").filter(Boolean);
    expect(lines).toHaveLength(5);
    const ms = parseSinger(c.text());
    for (let i = 0; i < objects.length; i++) {
      expect(lines[i]).toBe(
        JSON.stringify({
          type: "RECORD",
          stream: "s",
          record: { ...objects[i], ...context },
          time_extracted: ms[i]!.time_extracted,
        }),
      );
    }
    expect(ms[3]!.record).toEqual({ a: 0, ...context });
    expect(lines[3]).toContain('"record":{"a":0 \t,"workspace"'); // spliced, whitespace kept
    expect(ms[4]!.record).toEqual({ a: 2 });
  });

  it("leaves deselected fields out of the SCHEMA and of every RECORD, context fields too", async () => {
    const c = capture();
    const deselected = new Map([["a", [["note"], ["at"]]]]);
    const o = new SingerOutput(c.out, c.err, new Redactor(), { deselected });
    const withNote = { ...info("a"), jsonSchema: { ...info("a").jsonSchema, required: ["id", "note"] } };
    (withNote.jsonSchema.properties as JsonObject).note = { type: "string" };
    await o.streamStarted(withNote);
    await o.records("a", batchOf([{ id: "1", note: "n" }], { at: 1 }));
    await o.records("a", batchOf([{ id: "2", note: "n", at: 2 }]));
    await o.streamStarted(info("b"));
    await o.records("b", batchOf([{ id: "3", note: "kept" }]));
    await o.flush();
    const ms = c.messages();
    expect(ms[0]!.schema).toEqual({
      type: "object",
      properties: { id: { type: "string" } },
      required: ["id"],
    });
    expect(ms[1]!.record).toEqual({ id: "1" });
    expect(ms[2]!.record).toEqual({ id: "2" });
    expect(ms[3]!.schema).toEqual(info("b").jsonSchema);
    expect(ms[4]!.record).toEqual({ id: "3", note: "kept" });
  });

  it("masks secrets and Authorization values in everything it writes to stderr, with the level first", async () => {
    const c = capture();
    const redactor = new Redactor();
    redactor.add("s3cr3t-token-value");
    const basic = Buffer.from("jane@example.com:api-token-xyz").toString("base64");
    redactor.add("api-token-xyz");
    redactor.add(basic);
    const o = new SingerOutput(c.out, c.err, redactor);
    o.warn(`token s3cr3t-token-value and header Authorization: Basic ${basic}`);
    o.error("authorization: Bearer anything-here");
    await o.streamIncomplete("a", new ConnectorError("invalid_credentials", "api-token-xyz was refused"));
    await o.fatal(
      new ConnectorError("internal_error", "crash with s3cr3t-token-value\nsecond line", {
        internal: `x ${basic}`,
      }),
    );
    await o.flush();
    const text = c.stderr();
    for (const secret of ["s3cr3t-token-value", "api-token-xyz", basic, "anything-here"])
      expect(text).not.toContain(secret);
    expect(text).toContain("****");
    expect(c.text()).toBe(""); // nothing on stdout
    const lines = text.split("\n").filter(Boolean);
    expect(lines[0]).toMatch(/^WARN token \*\*\*\* and header Authorization: Basic \*\*\*\*$/);
    expect(lines[2]).toBe("ERROR a: incomplete after 0 records: invalid_credentials: **** was refused");
    expect(lines[3]).toBe("ERROR internal_error: crash with ****");
    // Continuation lines (here the second line and the stack of a bug) are indented under theirs.
    expect(lines.slice(4).every((l) => l.startsWith("  "))).toBe(true);
  });

  it("clears the progress line of a terminal before each log line", async () => {
    const c = capture(true);
    const o = new SingerOutput(c.out, c.err, new Redactor());
    o.info("hello");
    expect(c.stderr()).toBe("\r\x1b[KINFO hello\n");
  });

  it("prints the catalog as one JSON document", async () => {
    const c = capture();
    const o = new SingerOutput(c.out, c.err, new Redactor());
    await o.catalog({ streams: [] });
    expect(JSON.parse(c.text())).toEqual({ streams: [] });
  });

  it("waits for a slow consumer instead of buffering without bound", async () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    const o = new SingerOutput(out, new PassThrough(), new Redactor());
    const big = Array.from({ length: 600 }, (_, i) => ({ id: i, pad: "x".repeat(1000) }));
    let settled = false;
    const write = o.records("s", batchOf(big)).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    out.resume();
    await write;
    expect(settled).toBe(true);
  });
});
