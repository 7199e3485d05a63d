import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertNoSecrets, BIN, parseMessages, records, runRead, writeFiles } from "./helpers/cli.js";
import { CLOUD_STREAM, catalog, cloudConfig, DC_STREAM, dcConfig } from "./helpers/configs.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

const hasScript = spawnSync("script", ["--version"]).status === 0;

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 20 });
});
afterAll(async () => {
  await sim.close();
});

describe("read in a terminal", () => {
  // util-linux `script` runs the connector with a pseudo-terminal as stderr, like a person would.
  it.skipIf(!hasScript)(
    "shows progress on stderr when it is a terminal, and keeps stdout protocol-only",
    async () => {
      const files = writeFiles({
        "config.json": {
          cloud: cloudConfig(sim, "access_token", { repositories: ["api-gateway", "billing-service"] }),
          data_center: dcConfig(sim),
        },
        "catalog.json": catalog([CLOUD_STREAM, DC_STREAM]),
      });
      const out = `${files.dir}/out.jsonl`;
      const command = `${process.execPath} ${BIN} read --config ${files["config.json"]} --catalog ${files["catalog.json"]} > ${out}`;
      // The simulator runs in this process: run script asynchronously so that it can answer.
      const terminal = await new Promise<string>((resolve, reject) => {
        const child = spawn("script", ["-qefc", command, "/dev/null"], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let text = "";
        child.stdout.on("data", (c: Buffer) => {
          text += c.toString();
        });
        child.on("error", reject);
        child.on("close", (code) =>
          code === 0 ? resolve(text) : reject(new Error(`exit ${code}: ${text}`)),
        );
      });
      expect(terminal).toMatch(/cloud_pullrequest_commits: \d+\/2 repositories, [\d,]+ records/);
      expect(terminal).toMatch(/dc_default_branch_commits: \d+\/\d+ repositories, [\d,]+ records done/);
      expect(terminal).toMatch(/[\d,]+ requests/);
      const stdout = readFileSync(out, "utf8");
      assertNoSecrets(["read", "--config", files["config.json"]!], stdout, terminal);
      const messages = parseMessages(stdout);
      expect(records(messages).length).toBeGreaterThan(0);
    },
  );

  it("shows nothing on stderr when it is not a terminal", async () => {
    const r = await runRead(
      { cloud: cloudConfig(sim, "access_token", { repositories: ["api-gateway"] }) },
      catalog([CLOUD_STREAM]),
    );
    expect(r.code).toBe(0);
    expect(records(r.messages).length).toBeGreaterThan(0);
    expect(r.stderr).toBe("");
  });
});
