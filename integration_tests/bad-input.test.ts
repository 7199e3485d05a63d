import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STREAMS } from "../src/streams/registry.js";
import { type CliResult, errors, runCli, writeFiles } from "./helpers/cli.js";
import { CLOUD_BRANCH_STREAM, CLOUD_STREAM, catalog, cloudConfig } from "./helpers/configs.js";
import { readInProcess } from "./helpers/in-process.js";
import { startSimulator } from "./simulator/index.js";

const cloud = {
  workspace: "acme",
  api_url: "http://127.0.0.1:9/2.0",
  credentials: { auth_type: "access_token", access_token: "tok-secret-1234" },
};
const good = { cloud };
/** Both deployments, so that every stream of the registry can be selected. */
const everyDeployment = {
  cloud,
  data_center: {
    url: "http://127.0.0.1:9/bitbucket",
    credentials: { auth_type: "access_token", access_token: "dc-secret-1234" },
  },
};

/** Asserts the clear-message contract: check → FAILED with exit 0; discover/read → a config_error TRACE and exit 2. */
async function rejected(
  command: "check" | "discover" | "read",
  files: { config?: string; catalog?: string; state?: string },
  expected: string | RegExp,
): Promise<CliResult> {
  const args: string[] = [command];
  if (files.config !== undefined) args.push("--config", files.config);
  if (files.catalog !== undefined) args.push("--catalog", files.catalog);
  if (files.state !== undefined) args.push("--state", files.state);
  const r = await runCli(args);
  expect(r.stderr).toBe("");
  if (command === "check") {
    expect(r.code).toBe(0);
    expect(r.messages).toHaveLength(1);
    const status = r.messages[0]!.connectionStatus;
    expect(status.status).toBe("FAILED");
    expect(status.message).toMatch(/^config_error: /);
    expect(status.message).toMatch(expected);
  } else {
    expect(r.code).toBe(2);
    const errs = errors(r.messages);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ failure_type: "config_error" });
    expect(errs[0]!.message).toMatch(/^config_error: /);
    expect(errs[0]!.message).toMatch(expected);
    expect(errs[0]!.stack_trace).toBeUndefined();
  }
  return r;
}

const configCases: [string, unknown, RegExp][] = [
  ["not JSON", "{ cloud: ", /config file .* is not valid JSON/],
  ["not an object", "[1, 2]", /the config must be a JSON object, got an array/],
  [
    "neither deployment",
    {},
    /set `cloud` \(Bitbucket Cloud\), `data_center` \(Bitbucket Data Center\), or both/,
  ],
  ["a missing field", { cloud: { credentials: cloud.credentials } }, /cloud\.workspace: is required/],
  [
    "a wrong-typed field",
    { cloud: { ...cloud, repositories: "api" } },
    /cloud\.repositories: expected array, received string/,
  ],
  [
    "an unknown auth_type",
    { cloud: { ...cloud, credentials: { auth_type: "app_password", username: "x", app_password: "y" } } },
    /cloud\.credentials\.auth_type: unknown or missing auth_type; expected "access_token" or "api_token"/,
  ],
  [
    "a URL that is not one",
    {
      data_center: {
        url: "bitbucket.example.com",
        credentials: { auth_type: "basic", username: "u", password: "p-secret-99" },
      },
    },
    /data_center\.url: must be an http:\/\/ or https:\/\/ URL/,
  ],
  [
    "a start_date that is not a date",
    { ...good, start_date: "last tuesday" },
    /start_date: must be a date such as 2026-05-01 or an RFC 3339 date-time/,
  ],
  [
    "an out-of-range number",
    { ...good, max_concurrency: 1000, request_timeout_seconds: 0 },
    /max_concurrency: must be at most 64; request_timeout_seconds: must be at least 1/,
  ],
];

describe.concurrent("bad config", () => {
  for (const command of ["check", "discover", "read"] as const) {
    it.each(configCases)(`${command}: %s`, async (_, content, expected) => {
      const files = writeFiles({ "config.json": content, "catalog.json": catalog([CLOUD_STREAM]) });
      await rejected(command, { config: files["config.json"]!, catalog: files["catalog.json"]! }, expected);
    });
  }

  it.each(["check", "discover", "read"] as const)(
    "%s: a missing or unreadable config file",
    async (command) => {
      const files = writeFiles({ "catalog.json": catalog([CLOUD_STREAM]), "locked.json": good });
      await rejected(
        command,
        { config: join(files.dir!, "nope.json"), catalog: files["catalog.json"]! },
        /cannot read the config file .*nope\.json: it does not exist/,
      );
      await rejected(
        command,
        { config: files.dir!, catalog: files["catalog.json"]! },
        /cannot read the config file .*: it is a directory/,
      );
      if (process.getuid?.() !== 0) {
        chmodSync(files["locked.json"]!, 0o000);
        await rejected(
          command,
          { config: files["locked.json"]!, catalog: files["catalog.json"]! },
          /permission denied/,
        );
      }
      await rejected(command, { catalog: files["catalog.json"]! }, /no config given: pass --config FILE/);
    },
  );
});

describe.concurrent("bad catalog", () => {
  it.each([
    ["not JSON", "nope", /catalog file .* is not valid JSON/],
    ["of the wrong shape", { streams: "all" }, /invalid catalog: streams: expected array/],
    [
      "naming an unknown stream",
      catalog(["cloud_pull_requests"]),
      /names stream "cloud_pull_requests", which this connector does not have \(it has cloud_pullrequest_commits, cloud_default_branch_commits, dc_default_branch_commits, dc_pullrequest_commits\)/,
    ],
    [
      "selecting a stream whose deployment is not configured",
      catalog(["dc_default_branch_commits"]),
      /selects "dc_default_branch_commits", but the config has no `data_center` section/,
    ],
    [
      "with an unsupported sync mode",
      {
        streams: [
          {
            stream: { name: CLOUD_STREAM, json_schema: {} },
            sync_mode: "cdc",
            destination_sync_mode: "append",
          },
        ],
      },
      /streams\.0\.sync_mode: Invalid option: expected one of "full_refresh"\|"incremental"/,
    ],
    ["selecting nothing", { streams: [] }, /the catalog selects no stream/],
  ])("read: %s", async (_, content, expected) => {
    const files = writeFiles({ "config.json": good, "catalog.json": content });
    await rejected("read", { config: files["config.json"]!, catalog: files["catalog.json"]! }, expected);
  });

  it("read: a missing catalog", async () => {
    const files = writeFiles({ "config.json": good });
    await rejected("read", { config: files["config.json"]! }, /read needs --catalog FILE/);
    await rejected(
      "read",
      { config: files["config.json"]!, catalog: join(files.dir!, "none.json") },
      /cannot read the catalog file .*none\.json: it does not exist/,
    );
  });
});

describe.concurrent("bad state", () => {
  it.each([
    ["not JSON", "{", /state file .* is not valid JSON/],
    ["a number", "42", /the state must be a JSON array of state messages or an object, got a number/],
    [
      "a message of the wrong shape",
      [{ type: "STREAM", stream: {} }],
      /state message 0 is not an Airbyte state message/,
    ],
    ...STREAMS.map(({ info: { name } }): [string, unknown, RegExp] => [
      `a state of the wrong shape for ${name}`,
      [{ type: "STREAM", stream: { stream_descriptor: { name }, stream_state: { cursor: 1 } } }],
      new RegExp(`the state of stream ${name} is not of this connector's shape`),
    ]),
  ])("read: %s", async (what, content, expected) => {
    const stream = STREAMS.find(({ info }) => what.endsWith(info.name))?.info.name ?? CLOUD_STREAM;
    const files = writeFiles({
      "config.json": everyDeployment,
      "catalog.json": catalog([stream]),
      "state.json": content,
    });
    const r = await runCli([
      "read",
      "--config",
      files["config.json"]!,
      "--catalog",
      files["catalog.json"]!,
      "--state",
      files["state.json"]!,
    ]);
    expect(r.code).not.toBe(0);
    const [error] = errors(r.messages);
    expect(error).toMatchObject({ failure_type: "config_error" });
    expect(error!.message).toMatch(expected);
  });

  it("read: a malformed main-branch state entry reads that repository in full, with a warning", async () => {
    const sim = await startSimulator();
    try {
      const config = { cloud: cloudConfig(sim, "access_token", { repositories: ["api-gateway"] }) };
      const want = sim.cloud.mainBranch("acme", "api-gateway").hashes.sort();
      for (const entry of [
        { commit_id: "HEAD~1", committer_timestamp: 1 },
        { commit_id: "a".repeat(40) },
        { pending: { start: "https://x/next", branch: "main" } },
      ]) {
        const state = { partitions: { "acme/api-gateway": entry } };
        const r = await readInProcess(config, [CLOUD_BRANCH_STREAM], new Map([[CLOUD_BRANCH_STREAM, state]]));
        expect(r.code).toBe(0);
        expect(r.logs.some((l) => l.message.includes("the state of acme/api-gateway is malformed"))).toBe(
          true,
        );
        const got = (r.records.get(CLOUD_BRANCH_STREAM) ?? []).map((c) => String(c.hash));
        expect(got.sort()).toEqual(want);
      }
    } finally {
      await sim.close();
    }
  });

  it("read: a missing state file", async () => {
    const files = writeFiles({ "config.json": good, "catalog.json": catalog([CLOUD_STREAM]) });
    await rejected(
      "read",
      {
        config: files["config.json"]!,
        catalog: files["catalog.json"]!,
        state: join(mkdtempSync(join(tmpdir(), "x")), "s.json"),
      },
      /cannot read the state file .*: it does not exist/,
    );
  });
});

describe.concurrent("command line", () => {
  it("prints usage on stderr, never on stdout, for an unknown command or option", async () => {
    for (const args of [["frobnicate"], ["read", "--cofnig", "x"], []]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("Usage:");
    }
  });

  it("answers --help per command and --version", async () => {
    const help = await runCli(["read", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stderr).toContain("source-bitbucket read --config FILE --catalog FILE [--state FILE]");
    const v = await runCli(["--version"], { raw: true });
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
