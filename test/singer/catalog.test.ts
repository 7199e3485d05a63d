import { describe, expect, it } from "vitest";
import { availableStreams } from "../../src/commands/catalog.js";
import { catalogStreams } from "../../src/commands/discover.js";
import { parseConfig } from "../../src/config/load.js";
import { ConnectorError } from "../../src/errors.js";
import { selectSingerStreams, singerCatalog } from "../../src/singer/catalog.js";
import { decodeSingerState } from "../../src/singer/state.js";
import { expectCatalogEntry } from "./messages.js";

const CLOUD = "cloud_pullrequest_commits";
const CLOUD_MAIN = "cloud_default_branch_commits";
const DC = "dc_default_branch_commits";
const DC_PR = "dc_pullrequest_commits";
const cloud = {
  workspace: "acme",
  api_url: "http://127.0.0.1:9/2.0",
  credentials: { auth_type: "access_token", access_token: "tok-secret-1234" },
};
const dataCenter = {
  url: "http://127.0.0.1:9/bitbucket",
  credentials: { auth_type: "basic", username: "u", password: "pw-secret-1234" },
};
const both = parseConfig({ cloud, data_center: dataCenter });
const cloudOnly = parseConfig({ cloud });

/** Throws unless `fn` fails with a config_error whose message matches. */
function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe("config_error");
    return (err as ConnectorError).message;
  }
  throw new Error("expected a config error");
}

const entry = (id: string, selected?: boolean, extra: Record<string, unknown> = {}) => ({
  tap_stream_id: id,
  stream: id,
  schema: { type: "object", properties: {} },
  metadata: [
    { breadcrumb: [], metadata: selected === undefined ? {} : { selected } },
    { breadcrumb: ["properties", "x"], metadata: { selected: true } },
  ],
  ...extra,
});

describe("singerCatalog (discover)", () => {
  it("describes each configured stream with keys, replication key and metadata, selected", () => {
    const catalog = singerCatalog(catalogStreams(both));
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual([CLOUD, CLOUD_MAIN, DC, DC_PR]);
    for (const s of catalog.streams) expectCatalogEntry(s);
    expect(catalog.streams[0]).toMatchObject({
      key_properties: ["workspace", "repo_slug", "pull_request_id", "hash"],
      replication_key: "pull_request_updated_on",
    });
    expect(catalog.streams[1]).toMatchObject({
      key_properties: ["workspace", "repo_slug", "hash"],
      replication_key: "date",
    });
    expect(catalog.streams[2]).toMatchObject({
      key_properties: ["project_key", "repo_slug", "id"],
      replication_key: "committerTimestamp",
    });
    expect(catalog.streams[3]).toMatchObject({
      key_properties: ["project_key", "repo_slug", "pull_request_id", "id"],
      replication_key: "pull_request_updated_date",
    });
  });

  it("lists only the streams of configured deployments, and selects them all when passed back", () => {
    const catalog = singerCatalog(catalogStreams(cloudOnly));
    expect(catalog.streams.map((s) => s.stream)).toEqual([CLOUD, CLOUD_MAIN]);
    const all = singerCatalog(catalogStreams(both));
    expect(selectSingerStreams(JSON.parse(JSON.stringify(all)), availableStreams(both))).toEqual([
      { name: CLOUD, syncMode: "incremental", deselected: [] },
      { name: CLOUD_MAIN, syncMode: "incremental", deselected: [] },
      { name: DC, syncMode: "incremental", deselected: [] },
      { name: DC_PR, syncMode: "incremental", deselected: [] },
    ]);
  });
});

describe("selectSingerStreams", () => {
  const available = availableStreams(both);

  it("reads the streams selected in their root metadata, or by the legacy schema flag", () => {
    expect(selectSingerStreams({ streams: [entry(CLOUD, false), entry(DC, true)] }, available)).toEqual([
      { name: DC, syncMode: "incremental", deselected: [] },
    ]);
    // Property metadata says nothing about the stream.
    expect(selectSingerStreams({ streams: [entry(CLOUD), entry(DC, true)] }, available)).toEqual([
      { name: DC, syncMode: "incremental", deselected: [] },
    ]);
    const legacy = {
      streams: [
        { tap_stream_id: CLOUD, schema: { selected: true, type: "object" } },
        { tap_stream_id: DC, schema: { type: "object" } },
      ],
    };
    expect(selectSingerStreams(legacy, available)).toEqual([
      { name: CLOUD, syncMode: "incremental", deselected: [] },
    ]);
  });

  it("takes null for optional catalog fields as absent", () => {
    const raw = {
      streams: [
        {
          tap_stream_id: CLOUD,
          stream: null,
          schema: null,
          metadata: [{ breadcrumb: [], metadata: { selected: true, inclusion: null } }],
        },
        { tap_stream_id: null, stream: DC, schema: { selected: null }, metadata: null },
      ],
    };
    expect(selectSingerStreams(raw, available)).toEqual([
      { name: CLOUD, syncMode: "incremental", deselected: [] },
    ]);
  });

  it("allows an unconfigured stream in the catalog when it is not selected", () => {
    expect(
      selectSingerStreams({ streams: [entry(CLOUD, true), entry(DC, false)] }, availableStreams(cloudOnly)),
    ).toEqual([{ name: CLOUD, syncMode: "incremental", deselected: [] }]);
  });

  it.each([
    [
      "an unknown stream",
      { streams: [entry(CLOUD, true), entry("commits", false)] },
      both,
      /the catalog names stream "commits", which this tap does not have \(it has cloud_pullrequest_commits, cloud_default_branch_commits, dc_default_branch_commits, dc_pullrequest_commits\)/,
    ],
    [
      "a selected stream whose deployment is not configured",
      { streams: [entry(CLOUD, true), entry(DC, true)] },
      cloudOnly,
      /the catalog selects "dc_default_branch_commits", but the config has no `data_center` section/,
    ],
    [
      "a stream listed twice",
      { streams: [entry(CLOUD, true), entry(CLOUD, false)] },
      both,
      /lists stream "cloud_pullrequest_commits" twice/,
    ],
    [
      "no selected stream",
      { streams: [entry(CLOUD, false), entry(DC)] },
      both,
      /the catalog selects no stream of this tap \(it has cloud_pullrequest_commits, cloud_default_branch_commits, dc_default_branch_commits, dc_pullrequest_commits\)\. Under Meltano, the extractor's `select` rules match none of them: see what they match with `meltano select <extractor> --list --all`, and add one such as `cloud_pullrequest_commits\.\*`.* set "selected": true in the metadata entry with "breadcrumb": \[\]/,
    ],
    ["no streams", { streams: [] }, both, /selects no stream/],
    ["not a catalog", [1], both, /invalid catalog: \(root\): expected object/],
    ["streams not an array", { streams: {} }, both, /invalid catalog: streams: expected array/],
    [
      "an entry without an id",
      { streams: [{ schema: {} }] },
      both,
      /invalid catalog: streams\.0: has no tap_stream_id/,
    ],
    [
      "a non-boolean selected",
      { streams: [{ tap_stream_id: CLOUD, metadata: [{ breadcrumb: [], metadata: { selected: "yes" } }] }] },
      both,
      /invalid catalog: streams\.0\.metadata\.0\.metadata\.selected: expected boolean/,
    ],
  ])("rejects %s as a config error", (_, raw, config, message) => {
    expect(configErrorOf(() => selectSingerStreams(raw, availableStreams(config)))).toMatch(message);
  });
});

describe("decodeSingerState", () => {
  const names = [CLOUD, DC];
  const bookmarks = {
    [CLOUD]: { partitions: { "acme/api": { updated_on: "2026-01-01T00:00:00Z" } } },
    [DC]: {},
  };

  it("reads the bookmarks, the whole STATE message, and an empty object", () => {
    const expected = new Map(Object.entries(bookmarks));
    expect(decodeSingerState({ bookmarks }, names)).toEqual(expected);
    expect(decodeSingerState({ type: "STATE", value: { bookmarks } }, names)).toEqual(expected);
    expect(decodeSingerState({ bookmarks, currently_syncing: null }, names)).toEqual(expected);
    expect(decodeSingerState({}, names)).toEqual(new Map());
    expect(decodeSingerState({ type: "STATE", value: {} }, names)).toEqual(new Map());
    expect(decodeSingerState({ bookmarks: {} }, names)).toEqual(new Map());
    // null means absent, as in the Airbyte state.
    expect(decodeSingerState({ bookmarks: null }, names)).toEqual(new Map());
    expect(decodeSingerState({ bookmarks: { ...bookmarks, [DC]: null } }, names)).toEqual(
      new Map([[CLOUD, bookmarks[CLOUD]]]),
    );
  });

  it("keeps the bookmark of a stream it does not know, whatever its shape", () => {
    expect(decodeSingerState({ bookmarks: { other: { cursor: 1 } } }, names)).toEqual(
      new Map([["other", { cursor: 1 }]]),
    );
  });

  it.each([
    ["an array", [], /the state must be a JSON object .* got an array \(an array of Airbyte state messages/],
    ["null", null, /got null/],
    ["a string", "x", /got a string/],
    ["another message", { type: "RECORD", value: {} }, /a message of type "RECORD", not a STATE message/],
    ["a STATE message without a value", { type: "STATE" }, /not a STATE message with a "value" object/],
    [
      "an object without bookmarks",
      { [CLOUD]: {} },
      /the state has no "bookmarks" \(it has cloud_pullrequest_commits\)/,
    ],
    [
      "bookmarks that are not an object",
      { bookmarks: [] },
      /"bookmarks" must be an object keyed by stream name, got an array/,
    ],
    [
      "a bookmark of the wrong shape",
      { bookmarks: { [CLOUD]: { cursor: "x" } } },
      /the bookmark of stream cloud_pullrequest_commits is not of this tap's shape/,
    ],
    [
      "a bookmark that is not an object",
      { bookmarks: { [DC]: 5 } },
      /the bookmark of stream dc_default_branch_commits is not of this tap's shape/,
    ],
    [
      "partitions that are not an object",
      { bookmarks: { [DC]: { partitions: [] } } },
      /not of this tap's shape/,
    ],
  ])("rejects %s as a config error", (_, raw, message) => {
    expect(configErrorOf(() => decodeSingerState(raw, names))).toMatch(message);
  });
});
