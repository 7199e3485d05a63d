import { describe, expect, it } from "vitest";
import { availableStreams } from "../../src/commands/catalog.js";
import { catalogStreams } from "../../src/commands/discover.js";
import { parseConfig } from "../../src/config/load.js";
import { automaticFields, selectSingerStreams, singerCatalog } from "../../src/singer/catalog.js";
import { deselectedPaths, type FieldMetadata } from "../../src/singer/selection.js";
import { applySelect } from "../helpers/meltano.js";

const field = (path: string[], metadata: FieldMetadata["metadata"]): FieldMetadata => ({
  breadcrumb: path.flatMap((p) => ["properties", p]),
  metadata,
});
const none = new Set<string>();

describe("deselectedPaths (the Singer SDK's selection rules)", () => {
  it("applies the rules in the SDK's order: unsupported, automatic, selected, selected-by-default, parent", () => {
    const md = [
      field(["unsupported"], { inclusion: "unsupported", selected: true }),
      field(["automatic"], { inclusion: "automatic", selected: false }),
      field(["off"], { inclusion: "available", selected: false }),
      field(["on"], { inclusion: "available", selected: true, "selected-by-default": false }),
      field(["default_off"], { inclusion: "available", "selected-by-default": false }),
      field(["default_on"], { "selected-by-default": true }),
      field(["silent"], { inclusion: "available" }),
      field(["nulls"], { inclusion: null, selected: null, "selected-by-default": null }),
    ];
    expect(deselectedPaths(md, none)).toEqual([["unsupported"], ["off"], ["default_off"]]);
  });

  it("never deselects the stream's key and cursor fields, whatever the catalog says", () => {
    const md = [
      field(["hash"], { inclusion: "available", selected: false }),
      field(["updated"], { inclusion: "unsupported" }),
      field(["message"], { selected: false }),
    ];
    expect(deselectedPaths(md, new Set(["hash", "updated"]))).toEqual([["message"]]);
  });

  it("deselects nested fields, and lists only the outermost deselected one", () => {
    const md = [
      field(["author"], { selected: true }),
      field(["author", "raw"], { selected: false }),
      field(["author", "user"], { selected: true }),
      field(["committer"], { selected: false }),
      field(["committer", "name"], { selected: true }), // under a deselected parent: out too
      field(["links", "self", "href"], { selected: false }), // parents without metadata inherit
    ];
    expect(deselectedPaths(md, none)).toEqual([["author", "raw"], ["committer"], ["links", "self", "href"]]);
  });

  it("ignores breadcrumbs that are not property paths", () => {
    const md: FieldMetadata[] = [
      { breadcrumb: [], metadata: { selected: true } },
      { breadcrumb: ["properties", "parents", "items", "properties", "hash"], metadata: { selected: false } },
      { breadcrumb: ["properties"], metadata: { selected: false } },
      { breadcrumb: ["properties", 3], metadata: { selected: false } },
    ];
    expect(deselectedPaths(md, none)).toEqual([]);
  });
});

describe("field selection as Meltano writes it (select rules on the discovered catalog)", () => {
  const config = parseConfig({
    cloud: { workspace: "acme", credentials: { auth_type: "access_token", access_token: "tok-12345" } },
    data_center: {
      url: "https://git.example.com",
      credentials: { auth_type: "basic", username: "u", password: "pw-12345" },
    },
  });
  const streams = catalogStreams(config);
  const discovered = JSON.parse(JSON.stringify(singerCatalog(streams)));
  const select = (...patterns: string[]) =>
    selectSingerStreams(
      applySelect(discovered, patterns),
      availableStreams(config),
      automaticFields(streams),
    );

  it("selects whole streams with stream.* and deselects fields with !stream.field, nested ones included", () => {
    expect(select("cloud_pullrequest_commits.*")).toEqual([
      { name: "cloud_pullrequest_commits", syncMode: "incremental", deselected: [] },
    ]);
    expect(
      select(
        "cloud_pullrequest_commits.*",
        "!cloud_pullrequest_commits.author.raw",
        "!cloud_pullrequest_commits.message",
        "dc_default_branch_commits",
        "!dc_default_branch_commits.branch",
      ),
    ).toEqual([
      {
        name: "cloud_pullrequest_commits",
        syncMode: "incremental",
        deselected: [["message"], ["author", "raw"]],
      },
      { name: "dc_default_branch_commits", syncMode: "incremental", deselected: [["branch"]] },
    ]);
  });

  it("keeps key and cursor fields when the rules name only other fields, or exclude them", () => {
    const [s] = select("dc_default_branch_commits.message", "!dc_default_branch_commits.id");
    const kept = new Set(["project_key", "repo_slug", "id", "committerTimestamp", "message"]);
    const dropped = s!.deselected.map((p) => p.join("."));
    expect(dropped.length).toBeGreaterThan(0);
    for (const d of dropped) expect(kept.has(d.split(".")[0]!), d).toBe(false);
    expect(dropped).toEqual(
      expect.arrayContaining(["author", "committer", "displayId", "parents", "branch"]),
    );
  });

  it("says in Meltano's terms when the select rules match no stream", () => {
    expect(() => select("cloud_pull_request_commits.*")).toThrow(
      /the catalog selects no stream of this tap .* `meltano select <extractor> --list --all`/,
    );
  });
});
