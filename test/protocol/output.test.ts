import { existsSync, readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { AirbyteOutput } from "../../src/protocol/airbyte-output.js";
import { Redactor } from "../../src/protocol/redact.js";
import { batchOf } from "../helpers/clients.js";
import { assertValidMessage } from "../helpers/protocol.js";

function capture() {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { out, lines };
}

describe("AirbyteOutput", () => {
  it("emits every kind of message valid against the official protocol schema, one per line", async () => {
    const { out, lines } = capture();
    const redactor = new Redactor();
    const o = new AirbyteOutput(out, redactor);
    await o.spec({ connectionSpecification: { type: "object" } });
    await o.connectionStatus("FAILED", "invalid_credentials: nope");
    await o.catalog({ streams: [{ name: "s", json_schema: {}, supported_sync_modes: ["full_refresh"] }] });
    await o.streamStarted({ name: "s", jsonSchema: {}, primaryKey: [["id"]], cursorField: ["c"] });
    await o.streamRunning("s");
    await o.streamRateLimited("s", Date.now() + 60_000);
    await o.records("s", batchOf([{ id: 1 }, { id: 2, nested: { a: [1, 2] } }]));
    await o.state("s", { partitions: { a: { x: 1 } } }, 2);
    o.info("hello");
    await o.streamIncomplete("s", new ConnectorError("server_error", "boom"));
    await o.streamComplete("s");
    await o.flush();
    const msgs = lines();
    expect(msgs.map((m) => m.type)).toEqual([
      "SPEC",
      "CONNECTION_STATUS",
      "CATALOG",
      "TRACE",
      "TRACE",
      "TRACE",
      "RECORD",
      "RECORD",
      "STATE",
      "LOG",
      "TRACE",
      "TRACE",
      "TRACE",
    ]);
    for (const m of msgs) assertValidMessage(m);
    const record = msgs[6] as { record: { emitted_at: number; data: unknown; stream: string } };
    expect(Number.isInteger(record.record.emitted_at)).toBe(true);
    expect(record.record).toMatchObject({ stream: "s", data: { id: 1 } });
    expect(msgs[8]).toEqual({
      type: "STATE",
      state: {
        type: "STREAM",
        stream: { stream_descriptor: { name: "s" }, stream_state: { partitions: { a: { x: 1 } } } },
        sourceStats: { recordCount: 2 },
      },
    });
    const error = msgs[10] as {
      trace: { error: { failure_type: string; message: string; stream_descriptor: unknown } };
    };
    expect(error.trace.error).toMatchObject({
      failure_type: "transient_error",
      message: "server_error: boom",
      stream_descriptor: { name: "s" },
    });
    const limited = msgs[5] as {
      trace: { stream_status: { reasons: { type: string; rate_limited: { quota_reset: number } }[] } };
    };
    expect(limited.trace.stream_status.reasons[0]?.type).toBe("RATE_LIMITED");
    expect(Number.isInteger(limited.trace.stream_status.reasons[0]?.rate_limited.quota_reset)).toBe(true);
  });

  it("masks registered secrets and Authorization values in LOG, TRACE and CONNECTION_STATUS texts", async () => {
    const { out, lines } = capture();
    const redactor = new Redactor();
    redactor.add("s3cr3t-token-value");
    const basic = Buffer.from("jane@example.com:api-token-xyz").toString("base64");
    redactor.add("api-token-xyz");
    redactor.add(basic);
    const o = new AirbyteOutput(out, redactor);
    o.warn(`token s3cr3t-token-value and header Authorization: Basic ${basic}`);
    o.error("authorization: Bearer anything-here");
    await o.connectionStatus("FAILED", "api-token-xyz was refused");
    await o.fatal(
      new ConnectorError("internal_error", "crash with s3cr3t-token-value", { internal: `x ${basic}` }),
    );
    await o.flush();
    const text = JSON.stringify(lines());
    expect(text).not.toContain("s3cr3t-token-value");
    expect(text).not.toContain("api-token-xyz");
    expect(text).not.toContain(basic);
    expect(text).not.toContain("anything-here");
    expect(text).toContain("****");
  });

  it("masks a secret however short", async () => {
    const { out, lines } = capture();
    const redactor = new Redactor();
    redactor.add("pw");
    const o = new AirbyteOutput(out, redactor);
    o.warn("the password pw was refused");
    await o.flush();
    expect(JSON.stringify(lines())).not.toContain(" pw ");
  });

  it("waits for a slow consumer instead of buffering without bound", async () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    const o = new AirbyteOutput(out, new Redactor());
    const big = Array.from({ length: 600 }, (_, i) => ({ id: i, pad: "x".repeat(1000) }));
    let settled = false;
    const write = o.records("s", batchOf(big)).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // nobody reads: the writer is held
    out.resume();
    await write;
    expect(settled).toBe(true);
  });
});

describe("vendored protocol schema", () => {
  const shared = new URL("../../../shared/airbyte/airbyte_protocol.schema.json", import.meta.url);
  it.skipIf(!existsSync(shared))("is identical to the official copy in ../shared/airbyte", () => {
    const ours = readFileSync(
      new URL("../../integration_tests/airbyte/airbyte_protocol.schema.json", import.meta.url),
      "utf8",
    );
    expect(JSON.parse(ours)).toEqual(JSON.parse(readFileSync(shared, "utf8")));
  });
});
