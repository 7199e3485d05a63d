/**
 * `npm run demo`: the connector end to end against the bundled Bitbucket simulator.
 * Runs spec, check, discover, a first read and an incremental read after some changes, with the
 * built CLI exactly as Airbyte runs it, and prints what came out.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "../integration_tests/helpers/cli.js";
import { catalog as catalogOf, cloudConfig, dcConfig } from "../integration_tests/helpers/configs.js";
import { startSimulator } from "../integration_tests/simulator/index.js";
import { STREAMS } from "../src/streams/registry.js";

const bin = new URL("../dist/main.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "source-bitbucket-demo-"));
const say = (s = "") => process.stdout.write(`${s}\n`);

function run(args: string[]): Promise<{ code: number | null; messages: Message[]; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const text = Buffer.concat(chunks).toString("utf8").trim();
      resolve({
        code,
        messages: text ? text.split("\n").map((l) => JSON.parse(l) as Message) : [],
        ms: Date.now() - t0,
      });
    });
  });
}

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(content, null, 2));
  return p;
}

function summarize(
  label: string,
  r: { code: number | null; messages: Message[]; ms: number },
  requests: Record<string, number>,
): void {
  const counts = new Map<string, number>();
  const lastState = new Map<string, Message>();
  const statuses = new Map<string, string[]>();
  let warnings = 0;
  for (const m of r.messages) {
    if (m.type === "RECORD") counts.set(m.record.stream, (counts.get(m.record.stream) ?? 0) + 1);
    if (m.type === "STATE") lastState.set(m.state.stream.stream_descriptor.name, m.state);
    if (m.type === "TRACE" && m.trace.type === "STREAM_STATUS") {
      const s = m.trace.stream_status;
      statuses.set(s.stream_descriptor.name, [...(statuses.get(s.stream_descriptor.name) ?? []), s.status]);
    }
    if (m.type === "LOG" && m.log.level === "WARN") warnings++;
  }
  say(`\n== ${label}: exit ${r.code} in ${r.ms} ms, ${r.messages.length} messages, ${warnings} warnings`);
  for (const [stream, st] of statuses) {
    const state = lastState.get(stream);
    const partitions = Object.keys(state?.stream.stream_state.partitions ?? {}).length;
    say(
      `   ${stream.padEnd(28)} ${String(counts.get(stream) ?? 0).padStart(6)} records   statuses ${st.join(" > ")}   state: ${partitions} repositories`,
    );
  }
  say(
    `   requests to Bitbucket: ${Object.entries(requests)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
  );
}

const sim = await startSimulator();
try {
  const config = file("config.json", { cloud: cloudConfig(sim), data_center: dcConfig(sim) });
  say(`Bitbucket simulator on ${sim.url} (Cloud API ${sim.cloudApiUrl}, Data Center ${sim.dcUrl})`);
  say(`Files in ${dir}`);

  const spec = await run(["spec"]);
  const props = Object.keys(spec.messages[0]?.spec.connectionSpecification.properties ?? {});
  say(`\n== spec: exit ${spec.code}; config properties: ${props.join(", ")}`);

  const check = await run(["check", "--config", config]);
  say(
    `\n== check: ${JSON.stringify(check.messages.find((m) => m.type === "CONNECTION_STATUS")?.connectionStatus)}`,
  );

  const discover = await run(["discover", "--config", config]);
  say("\n== discover:");
  for (const s of discover.messages.find((m) => m.type === "CATALOG")?.catalog.streams ?? []) {
    say(
      `   ${s.name}: sync modes ${s.supported_sync_modes.join("/")}, primary key ${s.source_defined_primary_key.flat().join("+")}, cursor ${s.default_cursor_field.join(".")}`,
    );
  }

  // Every stream the connector has: the registry is the one list of them.
  const catalog = file("catalog.json", catalogOf(STREAMS.map((s) => s.info.name)));
  sim.resetStats();
  const first = await run(["read", "--config", config, "--catalog", catalog]);
  summarize("read (first sync)", first, sim.stats().byRoute);
  const truth = sim.truthCount();
  say(
    `   the simulator holds ${truth.cloud} Cloud pull-request commits and ${truth.cloudBranch} Cloud main-branch commits (all workspaces), ${truth.dc} Data Center default-branch commits and ${truth.dcPullRequests} Data Center pull-request commits`,
  );
  const states = new Map<string, Message>();
  for (const m of first.messages)
    if (m.type === "STATE") states.set(m.state.stream.stream_descriptor.name, m.state);
  const statePath = file("state.json", [...states.values()]);

  // Some work happens in Bitbucket between two syncs.
  const pr = sim.cloud
    .pullRequests("acme", "api-gateway")
    .find((p) => p.commitsStatus === 200 && p.state === "OPEN")!;
  sim.cloud.addCommitsToPullRequest("acme", "api-gateway", pr.id, 3);
  const repo = sim.dc.repositories().find((r) => r.commits > 0)!;
  sim.dc.push(repo.projectKey, repo.slug, 5);
  const dcPr = sim.dc
    .pullRequests("PLAT", "web-portal")
    .find((p) => p.commitsStatus === 200 && p.state === "OPEN")!;
  sim.dc.addCommitsToPullRequest("PLAT", "web-portal", dcPr.id, 2);
  sim.cloud.pushToMainBranch("acme", "docs-site", 4);
  say(
    `\n(meanwhile: 3 commits pushed to pull request acme/api-gateway#${pr.id}, 4 to the main branch of acme/docs-site, 5 commits pushed to ${repo.projectKey}/${repo.slug}, 2 to pull request PLAT/web-portal#${dcPr.id})`,
  );

  sim.resetStats();
  const second = await run(["read", "--config", config, "--catalog", catalog, "--state", statePath]);
  summarize("read (incremental sync from the state above)", second, sim.stats().byRoute);
  say(`\nThe last STATE of each stream is in ${statePath}; a record looks like:`);
  const sample = first.messages.find(
    (m) => m.type === "RECORD" && m.record.stream === "dc_default_branch_commits",
  );
  say(JSON.stringify(sample?.record.data, null, 2).split("\n").slice(0, 20).join("\n"));
  if ([spec, check, discover, first, second].some((r) => r.code !== 0)) process.exitCode = 1;
} finally {
  await sim.close();
}
