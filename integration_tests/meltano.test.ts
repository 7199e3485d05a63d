/**
 * integration_tests/meltano/meltano.yml, the README's Meltano example, read as Meltano reads it
 * (test/helpers/meltano.ts restates the rules from Meltano's source): its settings are valid
 * plugin settings with the secrets `sensitive`, the config Meltano writes from it is the
 * connector's config, and the tap reads with it and with the catalog its `select` rules make.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../src/config/load.js";
import {
  applySelect,
  envVar,
  type MeltanoExtractor,
  meltanoConfig,
  readMeltanoYml,
} from "../test/helpers/meltano.js";
import { parseSinger, singerRecords } from "../test/singer/messages.js";
import { runCli, writeFiles } from "./helpers/cli.js";
import { CLOUD_BRANCH_STREAM, CLOUD_STREAM, DC_PR_STREAM, DC_STREAM } from "./helpers/configs.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

const TAP = new URL("../dist/singer/main.js", import.meta.url).pathname;
const text = readFileSync(new URL("meltano/meltano.yml", import.meta.url), "utf8");
const project = readMeltanoYml(text) as { plugins: { extractors: MeltanoExtractor[] } };
const extractor = project.plugins.extractors[0]!;

/** meltano.schema.json `base_setting`: its properties (additionalProperties: false) and kinds. */
const SETTING_KEYS = [
  "annotations",
  "name",
  "aliases",
  "label",
  "value",
  "placeholder",
  "kind",
  "description",
  "tooltip",
  "documentation",
  "hidden",
  "sensitive",
  "env",
  "value_processor",
  "value_post_processor",
  "oauth",
  "options",
];
const KINDS = [
  "oauth",
  "date_iso8601",
  "file",
  "email",
  "integer",
  "options",
  "object",
  "array",
  "boolean",
  "string",
];
const SECRET = /(^|\.)(access_token|api_token|password)$/;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe("integration_tests/meltano/meltano.yml", () => {
  it("declares valid plugin settings, one per config field, secrets sensitive and never object-kind", () => {
    expect(extractor.name).toBe("tap-bitbucket-commits");
    for (const s of extractor.settings) {
      expect(
        Object.keys(s).filter((k) => !SETTING_KEYS.includes(k)),
        s.name,
      ).toEqual([]);
      if (s.kind) expect(KINDS, s.name).toContain(s.kind);
      // An object-kind setting holding the credentials is printed whole by `meltano config list`.
      expect(s.kind, s.name).not.toBe("object");
      expect(Boolean(s.sensitive), s.name).toBe(SECRET.test(s.name));
    }
    const secrets = extractor.settings.filter((s) => s.sensitive).map((s) => s.name);
    expect(secrets.sort()).toEqual([
      "cloud.credentials.access_token",
      "cloud.credentials.api_token",
      "data_center.credentials.access_token",
      "data_center.credentials.password",
    ]);
    expect(extractor.settings.find((s) => s.name === "start_date")?.kind).toBe("date_iso8601");
    // No secret in the file itself.
    const keys = (o: unknown): string[] =>
      typeof o === "object" && o !== null ? Object.entries(o).flatMap(([k, v]) => [k, ...keys(v)]) : [];
    expect(keys(extractor.config).filter((k) => SECRET.test(k))).toEqual([]);
  });

  it("is the example the README shows", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!));
    const shown = blocks.find((b) => b?.plugins?.extractors?.[0]?.name === extractor.name);
    expect(shown?.plugins.extractors[0]).toEqual(parse(text).plugins.extractors[0]);
  });

  it("makes the config Meltano writes: nested objects, secrets from the environment, the start date as written", () => {
    const config = meltanoConfig(extractor, {
      [envVar(extractor.name, "cloud.credentials.access_token")]: "tok-from-env-1",
      [envVar(extractor.namespace!, "data_center.credentials.password")]: "pw-from-env-1",
      [envVar(extractor.name, "cloud.repositories")]: '["api-gateway"]',
    });
    expect(config).toEqual({
      cloud: {
        workspace: "acme",
        credentials: { auth_type: "access_token", access_token: "tok-from-env-1" },
        repositories: ["api-gateway"],
      },
      data_center: {
        url: "https://bitbucket.example.com",
        credentials: { auth_type: "basic", username: "svc-meltano", password: "pw-from-env-1" },
      },
      start_date: "2026-05-01",
      requests_per_hour: 900,
    });
    expect(parseConfig(config).startDate?.toISOString()).toBe("2026-05-01T00:00:00.000Z");
  });

  it("takes an unquoted timestamp start_date as Meltano passes it (ruamel.yaml: naive UTC)", () => {
    const yml = text.replace("start_date: 2026-05-01", "start_date: 2026-05-01T10:00:00+02:00");
    const e = (readMeltanoYml(yml) as typeof project).plugins.extractors[0]!;
    const config = meltanoConfig(e, {});
    expect(config.start_date).toBe("2026-05-01T08:00:00");
    const cloud = { workspace: "acme", credentials: { auth_type: "access_token", access_token: "t-12345" } };
    expect(parseConfig({ cloud, start_date: config.start_date }).startDate?.toISOString()).toBe(
      "2026-05-01T08:00:00.000Z",
    );
  });

  it("runs the tap as `meltano run` would: discover, the select rules applied, a read without the deselected e-mails", async () => {
    const c = sim.credentials;
    const env = {
      // What a user puts in .env: the secrets, and here the simulator's URLs.
      [envVar(extractor.name, "cloud.credentials.access_token")]: c.cloud.accessToken,
      [envVar(extractor.name, "cloud.api_url")]: sim.cloudApiUrl,
      [envVar(extractor.name, "data_center.url")]: sim.dcUrl,
      [envVar(extractor.name, "data_center.credentials.username")]: c.dc.username,
      [envVar(extractor.name, "data_center.credentials.password")]: c.dc.password,
      // The example's 900 requests an hour would space the simulator's requests 4 s apart.
      [envVar(extractor.name, "requests_per_hour")]: "1000000",
    };
    const files = writeFiles({ "config.json": meltanoConfig(extractor, env) });
    const discover = await runCli(["--config", files["config.json"]!, "--discover"], { bin: TAP, raw: true });
    expect(discover.code, discover.stderr).toBe(0);
    const catalog = applySelect(JSON.parse(discover.stdout), extractor.select ?? []);
    const paths = writeFiles({ "catalog.json": catalog });
    const r = await runCli(["--config", files["config.json"]!, "--catalog", paths["catalog.json"]!], {
      bin: TAP,
      raw: true,
    });
    expect(r.code, r.stderr).toBe(0);
    const ms = parseSinger(r.stdout);
    const since = Date.parse("2026-05-01T00:00:00Z");
    // Each stream the example selects: its records since start_date, without the e-mails it deselects.
    const field = (rec: Record<string, unknown>, who: string, name: string) =>
      (rec[who] as Record<string, unknown> | null | undefined)?.[name];
    const expectations: [string, (rec: Record<string, unknown>) => number, [string, string][]][] = [
      [CLOUD_STREAM, (rec) => Date.parse(String(rec.pull_request_updated_on)), [["author", "raw"]]],
      [CLOUD_BRANCH_STREAM, (rec) => Date.parse(String(rec.date)), [["author", "raw"]]],
      [
        DC_STREAM,
        (rec) => Number(rec.committerTimestamp),
        [
          ["author", "emailAddress"],
          ["committer", "emailAddress"],
        ],
      ],
      [
        DC_PR_STREAM,
        (rec) => Number(rec.pull_request_updated_date),
        [
          ["author", "emailAddress"],
          ["committer", "emailAddress"],
        ],
      ],
    ];
    for (const [stream, time, dropped] of expectations) {
      const records = singerRecords(ms, stream);
      expect(records.length, stream).toBeGreaterThan(0);
      for (const rec of records) {
        expect(time(rec), stream).toBeGreaterThanOrEqual(since);
        for (const [who, name] of dropped)
          expect(field(rec, who, name), `${stream} ${who}.${name}`).toBeUndefined();
      }
    }
  });
});
