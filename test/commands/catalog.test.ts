import { describe, expect, it } from "vitest";
import { type AvailableStream, selectStreams } from "../../src/commands/catalog.js";
import { ConnectorError } from "../../src/errors.js";
import { withNullOptionals } from "../helpers/protocol.js";

const available: AvailableStream[] = [
  { name: "cloud_pullrequest_commits", configured: true, deployment: "cloud" },
  { name: "dc_default_branch_commits", configured: true, deployment: "data_center" },
];

const stream = (name: string) => ({
  name,
  json_schema: {},
  supported_sync_modes: ["full_refresh", "incremental"],
});

describe("selectStreams", () => {
  it("takes null for every optional field of a configured catalog as absent", () => {
    // What the CDK's standard read test writes: asdict() of ConfiguredAirbyteStream(stream,
    // sync_mode, destination_sync_mode) serialized with orjson, so cursor_field and primary_key
    // (and every other unset field, the stream's included) are null.
    const raw = withNullOptionals("ConfiguredAirbyteCatalog", {
      streams: [
        {
          stream: stream("cloud_pullrequest_commits"),
          sync_mode: "full_refresh",
          destination_sync_mode: "append_dedup",
        },
        {
          stream: stream("dc_default_branch_commits"),
          sync_mode: "incremental",
          destination_sync_mode: "append",
        },
      ],
    });
    const first = (raw.streams as Record<string, unknown>[])[0]!;
    expect(first).toMatchObject({ cursor_field: null, primary_key: null, generation_id: null });
    expect(first.stream).toMatchObject({ namespace: null, default_cursor_field: null });
    expect(selectStreams(raw, available)).toEqual([
      { name: "cloud_pullrequest_commits", syncMode: "full_refresh" },
      { name: "dc_default_branch_commits", syncMode: "incremental" },
    ]);
    const noDestination = {
      streams: [
        {
          stream: stream("dc_default_branch_commits"),
          sync_mode: "incremental",
          destination_sync_mode: null,
        },
      ],
    };
    expect(selectStreams(noDestination, available)).toHaveLength(1);
  });

  it("still rejects a null where a value is required", () => {
    const raw = { streams: [{ stream: stream("dc_default_branch_commits"), sync_mode: null }] };
    expect(() => selectStreams(raw, available)).toThrow(ConnectorError);
    expect(() => selectStreams(raw, available)).toThrow(/streams\.0\.sync_mode/);
  });
});
