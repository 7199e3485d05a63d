import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySelect } from "../test/helpers/meltano.js";
import { compileSchema, schemaErrors } from "../test/helpers/protocol.js";
import {
  assertSchemaFirst,
  expectCatalogEntry,
  parseSinger,
  type SingerMessage,
  singerRecords,
  singerStates,
} from "../test/singer/messages.js";
import { type CliResult, runCli, transcript, writeFiles } from "./helpers/cli.js";
import {
  CLOUD_BRANCH_STREAM,
  CLOUD_STREAM,
  cloudBranchKey,
  cloudConfig,
  cloudKey,
  DC_PR_STREAM,
  DC_STREAM,
  dcConfig,
  dcKey,
  dcPrKey,
  simSecrets,
} from "./helpers/configs.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

/** The built Singer tap, as Meltano or a shell pipeline runs it. */
const TAP = new URL("../dist/singer/main.js", import.meta.url).pathname;

type Json = Record<string, unknown>;
type Singer = CliResult & { singer: SingerMessage[] };

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  // No run, failed or not, printed a secret the simulator hands out (the helper also checks
  // each run against the secrets of its own config).
  const all = transcript.join("\n");
  for (const s of simSecrets(sim)) expect(all).not.toContain(s);
  await sim.close();
});

/** Runs the tap with the given files (config, catalog, state) and extra arguments. */
async function tap(
  files: { config?: unknown; catalog?: unknown; state?: unknown; catalogFlag?: string },
  extra: string[] = [],
): Promise<Singer> {
  const paths = writeFiles({
    ...(files.config !== undefined ? { "config.json": files.config } : {}),
    ...(files.catalog !== undefined ? { "catalog.json": files.catalog } : {}),
    ...(files.state !== undefined ? { "state.json": files.state } : {}),
  });
  const args: string[] = [];
  if (paths["config.json"]) args.push("--config", paths["config.json"]);
  if (paths["catalog.json"]) args.push(files.catalogFlag ?? "--catalog", paths["catalog.json"]);
  if (paths["state.json"]) args.push("--state", paths["state.json"]);
  const r = await runCli([...args, ...extra], { bin: TAP, raw: true });
  return { ...r, singer: extra.includes("--discover") ? [] : parseSinger(r.stdout) };
}

const both = (s: Simulator = sim): Json => ({ cloud: cloudConfig(s), data_center: dcConfig(s) });

async function discover(config: Json): Promise<{ streams: SingerMessage[] }> {
  const r = await tap({ config }, ["--discover"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { streams: SingerMessage[] };
}

/** The discovered catalog with `selected` set as given for each stream's root metadata. */
function select(catalog: { streams: SingerMessage[] }, selected: Record<string, boolean>) {
  const copy = structuredClone(catalog);
  for (const s of copy.streams) s.metadata[0].metadata.selected = selected[s.tap_stream_id] ?? false;
  return copy;
}

const lastBookmarks = (ms: SingerMessage[]) => singerStates(ms).at(-1)!.value;

describe("tap-bitbucket-commits --discover", () => {
  it("prints a Singer catalog of the configured streams: keys and replication key in the schema, metadata per field", async () => {
    const catalog = await discover(both());
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual([
      CLOUD_STREAM,
      CLOUD_BRANCH_STREAM,
      DC_STREAM,
      DC_PR_STREAM,
    ]);
    for (const s of catalog.streams) expectCatalogEntry(s);
    expect(catalog.streams[1]).toMatchObject({
      key_properties: ["workspace", "repo_slug", "hash"],
      replication_key: "date",
    });
    expect(catalog.streams[3]).toMatchObject({
      key_properties: ["project_key", "repo_slug", "pull_request_id", "id"],
      replication_key: "pull_request_updated_date",
    });
    const cloudOnly = await discover({ cloud: cloudConfig(sim) });
    expect(cloudOnly.streams.map((s) => s.stream)).toEqual([CLOUD_STREAM, CLOUD_BRANCH_STREAM]);
  });
});

describe("tap-bitbucket-commits sync", () => {
  it("reads every commit of both streams as valid Singer messages, records valid against their schema", async () => {
    const catalog = await discover(both());
    const r = await tap({ config: both(), catalog });
    expect(r.code, r.stderr).toBe(0);
    const ms = r.singer;
    assertSchemaFirst(ms);
    expect(ms.at(-1)?.type).toBe("STATE"); // the last message is a complete resume point
    for (const s of catalog.streams) {
      const schema = ms.find((m) => m.type === "SCHEMA" && m.stream === s.stream)!;
      expect(schema).toEqual({
        type: "SCHEMA",
        stream: s.stream,
        schema: s.schema,
        key_properties: s.key_properties,
        bookmark_properties: [s.replication_key],
      });
      const validate = compileSchema(schema.schema);
      for (const rec of singerRecords(ms, s.stream))
        if (!validate(rec)) throw new Error(`${s.stream} record invalid: ${schemaErrors(validate)}`);
    }
    for (const m of ms.filter((x) => x.type === "RECORD"))
      expect(Date.parse(m.time_extracted)).toBeGreaterThan(Date.now() - 120_000);

    // The records are what the simulator holds (Cloud: the configured workspace), each once.
    const truth = sim.truth();
    const cloud = singerRecords(ms, CLOUD_STREAM).map(cloudKey);
    expect(cloud.length).toBe(new Set(cloud).size);
    expect(new Set(cloud)).toEqual(new Set(truth.cloud.filter((c) => c.workspace === "acme").map(cloudKey)));
    const dc = singerRecords(ms, DC_STREAM).map(dcKey);
    expect(dc.length).toBe(new Set(dc).size);
    expect(new Set(dc)).toEqual(new Set(truth.dc.map(dcKey)));
    const dcPr = singerRecords(ms, DC_PR_STREAM).map(dcPrKey);
    expect(dcPr.length).toBe(new Set(dcPr).size);
    expect(new Set(dcPr)).toEqual(new Set(truth.dcPullRequests.map(dcPrKey)));
    const branch = singerRecords(ms, CLOUD_BRANCH_STREAM).map(cloudBranchKey);
    expect(branch.length).toBe(new Set(branch).size);
    expect(new Set(branch)).toEqual(
      new Set(truth.cloudBranch.filter((c) => c.workspace === "acme").map(cloudBranchKey)),
    );

    const bookmarks = lastBookmarks(ms).bookmarks;
    expect(Object.keys(bookmarks).sort()).toEqual(
      [CLOUD_STREAM, CLOUD_BRANCH_STREAM, DC_STREAM, DC_PR_STREAM].sort(),
    );
    expect(Object.keys(bookmarks[DC_STREAM].partitions).length).toBe(sim.dc.repositories().length);
    // Every STATE carries every stream read so far.
    for (const st of singerStates(ms))
      for (const b of Object.values(st.value.bookmarks)) expect(b).toHaveProperty("partitions");
    // Logs are on stderr, each line with its level.
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.every((l) => /^(INFO|WARN|ERROR) /.test(l))).toBe(true);
    expect(lines).toContain(`INFO ${CLOUD_STREAM}: complete, ${cloud.length} records`);
    expect(lines).toContain(`INFO ${DC_STREAM}: complete, ${dc.length} records`);
    expect(lines).toContain(`INFO ${DC_PR_STREAM}: complete, ${dcPr.length} records`);
    expect(lines).toContain(`INFO ${CLOUD_BRANCH_STREAM}: complete, ${branch.length} records`);
  });

  it("leaves out the fields Meltano's select rules deselect, top-level and nested, from SCHEMA and RECORDs; keys and cursor stay", async () => {
    const config = {
      cloud: cloudConfig(sim, "access_token", { repositories: ["api-gateway", "billing-service"] }),
      data_center: dcConfig(sim, "basic", { projects: ["PLAT"] }),
    };
    const catalog = await discover(config);
    const whole = await tap({ config, catalog });
    const catalogWithout = applySelect(catalog, [
      `${CLOUD_STREAM}.*`,
      `!${CLOUD_STREAM}.author.raw`, // e-mail addresses
      `!${CLOUD_STREAM}.message`,
      `!${CLOUD_STREAM}.hash`, // a key field: kept anyway
      DC_STREAM,
      `!${DC_STREAM}.branch`, // a context field spliced into the raw bytes
      `!${DC_STREAM}.committerTimestamp`, // the cursor: kept anyway
    ]);
    const r = await tap({ config, catalog: catalogWithout });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`INFO ${CLOUD_STREAM}: leaving out the deselected fields message, author.raw`);
    expect(r.stderr).toContain(`INFO ${DC_STREAM}: leaving out the deselected fields branch`);
    const drop = (rec: Json, stream: string): Json => {
      const out = structuredClone(rec);
      if (stream === DC_STREAM) delete out.branch;
      else {
        delete out.message;
        if (out.author) delete (out.author as Json).raw;
      }
      return out;
    };
    for (const [stream, key] of [
      [CLOUD_STREAM, cloudKey],
      [DC_STREAM, dcKey],
    ] as const) {
      const schema = r.singer.find((m) => m.type === "SCHEMA" && m.stream === stream)!;
      const props = schema.schema.properties as Record<string, Json>;
      if (stream === CLOUD_STREAM) {
        expect(props.message).toBeUndefined();
        expect(Object.keys(props.author!.properties as Json)).not.toContain("raw");
      } else expect(props.branch).toBeUndefined();
      for (const k of [...schema.key_properties, ...schema.bookmark_properties])
        expect(props[k], k).toBeDefined();
      expect(schema.schema.required).toEqual(
        (catalog.streams.find((s) => s.stream === stream)!.schema.required as string[]).filter(
          (f) => f !== "branch" && f !== "message",
        ),
      );
      const got = singerRecords(r.singer, stream);
      const want = new Map(singerRecords(whole.singer, stream).map((rec) => [key(rec), drop(rec, stream)]));
      expect(got.length).toBe(want.size);
      expect(got.length).toBeGreaterThan(0);
      const validate = compileSchema(schema.schema);
      for (const rec of got) {
        expect(rec).toEqual(want.get(key(rec)));
        if (!validate(rec)) throw new Error(`${stream} record invalid: ${schemaErrors(validate)}`);
      }
    }
    const withEmail = singerRecords(r.singer, CLOUD_STREAM).filter((c) => (c.author as Json | null)?.raw);
    expect(withEmail.length).toBe(0);
    expect(singerRecords(whole.singer, CLOUD_STREAM).some((c) => (c.author as Json | null)?.raw)).toBe(true);
  });

  it("reads only the selected stream: in root metadata, or the legacy schema flag with --properties", async () => {
    const config = {
      cloud: cloudConfig(sim, "access_token", { repositories: ["api-gateway"] }),
      data_center: dcConfig(sim),
    };
    const catalog = await discover(config);
    const dcOnly = await tap({ config, catalog: select(catalog, { [DC_STREAM]: true }) });
    expect(dcOnly.code, dcOnly.stderr).toBe(0);
    expect(new Set(dcOnly.singer.filter((m) => m.type !== "STATE").map((m) => m.stream))).toEqual(
      new Set([DC_STREAM]),
    );
    expect(singerRecords(dcOnly.singer, DC_STREAM).length).toBe(sim.truth().dc.length);
    expect(Object.keys(lastBookmarks(dcOnly.singer).bookmarks)).toEqual([DC_STREAM]);

    const legacy = {
      streams: catalog.streams.map((s) => ({
        tap_stream_id: s.tap_stream_id,
        stream: s.stream,
        schema: { ...s.schema, selected: s.stream === CLOUD_STREAM },
      })),
    };
    const cloudOnly = await tap({ config, catalog: legacy, catalogFlag: "--properties" });
    expect(cloudOnly.code, cloudOnly.stderr).toBe(0);
    expect(new Set(singerRecords(cloudOnly.singer).map((r) => r.repo_slug))).toEqual(
      new Set(["api-gateway"]),
    );
    expect(cloudOnly.singer.some((m) => m.stream === DC_STREAM)).toBe(false);
  });

  it("isolates a failing stream: the other is read, the failure is an ERROR line, exit 1", async () => {
    const config = {
      cloud: cloudConfig(sim, "access_token", {
        credentials: { auth_type: "access_token", access_token: "revoked-token" },
      }),
      data_center: dcConfig(sim),
    };
    const r = await tap({ config });
    expect(r.code).toBe(1);
    expect(singerRecords(r.singer, DC_STREAM).length).toBe(sim.truth().dc.length);
    expect(singerRecords(r.singer, CLOUD_STREAM)).toEqual([]);
    expect(r.stderr).toMatch(
      new RegExp(`^ERROR ${CLOUD_STREAM}: incomplete after 0 records: invalid_credentials: `, "m"),
    );
    expect(Object.keys(lastBookmarks(r.singer).bookmarks).sort()).toEqual(
      [CLOUD_STREAM, CLOUD_BRANCH_STREAM, DC_STREAM, DC_PR_STREAM].sort(),
    );
  });
});

describe("tap-bitbucket-commits resume", () => {
  it("resumes from its last STATE: nothing new, nothing emitted; after changes, exactly the new commits", async () => {
    const own = await startSimulator();
    try {
      const config = both(own);
      // No catalog: every configured stream.
      const first = await tap({ config });
      expect(first.code, first.stderr).toBe(0);
      const read = first.singer.filter((m) => m.type === "RECORD").map((m) => m.stream);
      expect(new Set(read)).toEqual(new Set([CLOUD_STREAM, CLOUD_BRANCH_STREAM, DC_STREAM, DC_PR_STREAM]));

      const second = await tap({ config, state: lastBookmarks(first.singer) });
      expect(second.code, second.stderr).toBe(0);
      expect(singerRecords(second.singer)).toEqual([]);
      assertSchemaFirst(second.singer);
      expect(second.singer.filter((m) => m.type === "SCHEMA").length).toBe(4);

      const pr = own.cloud
        .pullRequests("acme", "billing-service")
        .find((p) => p.commitsStatus === 200 && p.commits > 0)!;
      const added = own.cloud.addCommitsToPullRequest("acme", "billing-service", pr.id, 3);
      const repo = own.dc.repositories().find((r) => r.commits > 10)!;
      const pushed = own.dc.push(repo.projectKey, repo.slug, 5);
      const dcPr = own.dc
        .pullRequests("OPS", "runbooks")
        .find((p) => p.commitsStatus === 200 && p.commits > 0)!;
      const dcPrAdded = own.dc.addCommitsToPullRequest("OPS", "runbooks", dcPr.id, 2);
      const mainPushed = own.cloud.pushToMainBranch("acme", "search-indexer", 4);
      // Time passes before the next sync (a change made in the very second a listing starts is
      // read again by the sync after, by design: the cursor never passes the listing's start).
      own.advanceClock(60);

      // The whole STATE message is accepted as the state too.
      const third = await tap({ config, state: singerStates(second.singer).at(-1) });
      expect(third.code, third.stderr).toBe(0);
      const dc = singerRecords(third.singer, DC_STREAM);
      expect(dc.map((d) => d.id).sort()).toEqual([...pushed].sort());
      expect(dc.every((d) => d.project_key === repo.projectKey && d.repo_slug === repo.slug)).toBe(true);
      const cloud = singerRecords(third.singer, CLOUD_STREAM);
      expect(new Set(cloud.map((c) => `${c.repo_slug}#${c.pull_request_id}`))).toEqual(
        new Set([`billing-service#${pr.id}`]),
      );
      const prTruth = own
        .truth()
        .cloud.filter(
          (c) => c.workspace === "acme" && c.repo_slug === "billing-service" && c.pull_request_id === pr.id,
        );
      expect(new Set(cloud.map(cloudKey))).toEqual(new Set(prTruth.map(cloudKey)));
      expect(cloud.length).toBe(pr.commits + 3);
      for (const h of added) expect(cloud.some((c) => c.hash === h)).toBe(true);
      // The Data Center pull request is read again whole, its new commits included.
      const prs = singerRecords(third.singer, DC_PR_STREAM);
      expect(new Set(prs.map((c) => `${c.repo_slug}#${c.pull_request_id}`))).toEqual(
        new Set([`runbooks#${dcPr.id}`]),
      );
      expect(prs.length).toBe(dcPr.commits + 2);
      for (const id of dcPrAdded) expect(prs.some((c) => c.id === id)).toBe(true);
      const main = singerRecords(third.singer, CLOUD_BRANCH_STREAM);
      expect(main.map((c) => `${c.repo_slug}@${c.hash}`).sort()).toEqual(
        mainPushed.map((h) => `search-indexer@${h}`).sort(),
      );

      const fourth = await tap({ config, state: lastBookmarks(third.singer) });
      expect(singerRecords(fourth.singer)).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe("tap-bitbucket-commits bad input", () => {
  const config = () => ({ cloud: cloudConfig(sim) });

  /** Exit 2, nothing on stdout, and one clear ERROR line on stderr. */
  async function rejected(r: Singer, message: RegExp): Promise<void> {
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const first = r.stderr.split("\n")[0]!;
    expect(first).toMatch(/^ERROR /);
    expect(first).toMatch(message);
  }

  it.concurrent.each([
    [
      "a config that is not JSON",
      () => ({ config: "{ cloud: " }),
      [],
      /^ERROR config_error: the config file .* is not valid JSON/,
    ],
    [
      "an invalid config",
      () => ({ config: { cloud: { ...(config().cloud as Json), workspace: undefined } } }),
      [],
      /^ERROR config_error: invalid config: cloud\.workspace: is required/,
    ],
    ["no config", () => ({}), [], /^ERROR no config given: pass --config FILE/],
    [
      "an unknown option",
      () => ({ config: config() }),
      ["--frobnicate"],
      /^ERROR Unknown option '--frobnicate'/,
    ],
    [
      "an unknown stream in the catalog",
      () => ({
        config: config(),
        catalog: {
          streams: [
            { tap_stream_id: "commits", metadata: [{ breadcrumb: [], metadata: { selected: true } }] },
          ],
        },
      }),
      [],
      /^ERROR config_error: the catalog names stream "commits", which this tap does not have/,
    ],
    [
      "a selected stream whose deployment is not configured",
      () => ({
        config: config(),
        catalog: {
          streams: [
            { tap_stream_id: DC_STREAM, metadata: [{ breadcrumb: [], metadata: { selected: true } }] },
          ],
        },
      }),
      [],
      /^ERROR config_error: the catalog selects "dc_default_branch_commits", but the config has no `data_center` section/,
    ],
    [
      "a malformed state",
      () => ({ config: config(), state: [{ type: "STREAM" }] }),
      [],
      /^ERROR config_error: the state must be a JSON object/,
    ],
    [
      "a bookmark of the wrong shape",
      () => ({ config: config(), state: { bookmarks: { [CLOUD_STREAM]: { cursor: "x" } } } }),
      [],
      /^ERROR config_error: the bookmark of stream cloud_pullrequest_commits is not of this tap's shape/,
    ],
  ] as [string, () => Parameters<typeof tap>[0], string[], RegExp][])(
    "rejects %s with exit 2",
    async (_, files, extra, message) => {
      await rejected(await tap(files(), extra), message);
    },
  );

  it("never prints a secret of the config, not even of one it rejects", async () => {
    const secret = "tok-very-secret-1234";
    const bad = {
      cloud: {
        workspace: "acme",
        api_url: "ftp://x",
        credentials: { auth_type: "access_token", access_token: secret },
      },
    };
    const r = await tap({ config: bad });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("prints help and version on stdout with exit 0", async () => {
    const help = await runCli(["--help"], { bin: TAP, raw: true });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Without a catalog, every configured stream is read whole.");
    expect(help.stdout).toContain("leaving out the fields it deselects (key and cursor fields stay)");
    const version = await runCli(["--version"], { bin: TAP, raw: true });
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
