import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/errors.js";
import { decodeState } from "../../src/protocol/state.js";
import { withNullOptionals } from "../helpers/protocol.js";

const blob = { partitions: { "acme/api": { updated_on: "2024-01-01T00:00:00+00:00" } } };

describe("decodeState", () => {
  it("reads per-stream STATE messages", () => {
    const s = decodeState([
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "cloud_pullrequest_commits" }, stream_state: blob },
        sourceStats: { recordCount: 3 },
      },
      {
        type: "STREAM",
        stream: { stream_descriptor: { name: "dc_default_branch_commits", namespace: null } },
      },
    ]);
    expect(s.get("cloud_pullrequest_commits")).toEqual(blob);
    expect(s.get("dc_default_branch_commits")).toEqual({});
  });

  it("reads a GLOBAL message, legacy messages and a legacy object keyed by stream", () => {
    expect(
      decodeState([
        {
          type: "GLOBAL",
          global: {
            shared_state: {},
            stream_states: [{ stream_descriptor: { name: "a" }, stream_state: blob }],
          },
        },
      ]).get("a"),
    ).toEqual(blob);
    expect(decodeState([{ type: "LEGACY", data: { a: blob } }]).get("a")).toEqual(blob);
    expect(decodeState([{ data: { a: blob } }]).get("a")).toEqual(blob);
    expect(decodeState({ a: blob }).get("a")).toEqual(blob);
    // Whole STATE lines as the connector printed them, e.g. piped from a previous run.
    const line = {
      type: "STATE",
      state: { type: "STREAM", stream: { stream_descriptor: { name: "a" }, stream_state: blob } },
    };
    expect(decodeState([line]).get("a")).toEqual(blob);
    expect(decodeState(line).get("a")).toEqual(blob);
    expect(
      decodeState({ type: "STREAM", stream: { stream_descriptor: { name: "a" }, stream_state: blob } }).get(
        "a",
      ),
    ).toEqual(blob);
  });

  it("takes null for every optional field of a state message as absent", () => {
    const stream = withNullOptionals("AirbyteStateMessage", {
      type: "STREAM",
      stream: { stream_descriptor: { name: "a" }, stream_state: blob },
    });
    expect(stream).toMatchObject({ global: null, data: null, sourceStats: null });
    expect((stream.stream as { stream_descriptor: object }).stream_descriptor).toEqual({
      name: "a",
      namespace: null,
    });
    const global = withNullOptionals("AirbyteStateMessage", {
      type: "GLOBAL",
      global: { stream_states: [{ stream_descriptor: { name: "b" }, stream_state: blob }] },
    });
    expect(global.global).toMatchObject({ shared_state: null });
    const legacy = withNullOptionals("AirbyteStateMessage", { data: { c: blob } });
    expect(legacy.type).toBeNull();
    const noBlob = withNullOptionals("AirbyteStateMessage", {
      type: "STREAM",
      stream: { stream_descriptor: { name: "d" } },
    });
    const s = decodeState([stream, global, legacy, noBlob]);
    expect(Object.fromEntries(s)).toEqual({ a: blob, b: blob, c: blob, d: {} });
    // One message without the array, and a whole STATE line with the other payloads null.
    expect(decodeState(legacy).get("c")).toEqual(blob);
    expect(
      decodeState(withNullOptionals("AirbyteMessage", { type: "STATE", state: stream })).get("a"),
    ).toEqual(blob);
  });

  it("treats [], {} and null as no state", () => {
    expect(decodeState([]).size).toBe(0);
    expect(decodeState({}).size).toBe(0);
    expect(decodeState(null).size).toBe(0);
  });

  it("rejects what is not a state with a config error that says where", () => {
    const bad = (raw: unknown) => {
      try {
        decodeState(raw);
      } catch (e) {
        expect(e).toBeInstanceOf(ConnectorError);
        expect((e as ConnectorError).failureType).toBe("config_error");
        return (e as ConnectorError).message;
      }
      throw new Error("accepted");
    };
    expect(bad([{ type: "STREAM", stream: { stream_state: {} } }])).toContain("state message 0");
    expect(bad([42])).toContain("state message 0");
    expect(bad("text")).toContain("must be a JSON array of state messages or an object");
  });
});
