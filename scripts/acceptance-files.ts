/**
 * Writes the acceptance-test files that depend on the simulator's seeded data (seed 42, "small"):
 * - integration_tests/sample_config.json: a config for the simulator on 127.0.0.1:7990, both deployments;
 * - integration_tests/expected_records.jsonl: a deterministic subset of what `read` emits;
 * - integration_tests/abnormal_state.json: every partition's cursor at the server's clock, the
 *   latest a cursor can be (pull requests), or at the head of the default branch (Data Center).
 * Run after the simulator's data changes: `npm run build && npx tsx scripts/acceptance-files.ts`.
 * integration_tests/acceptance/ fails when these files and the connector disagree.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../integration_tests/simulator/index.js";

const root = new URL("..", import.meta.url).pathname;
const out = (name: string) => join(root, "integration_tests", name);
/** The origin sample_config.json names; tests substitute the live simulator's. */
export const SAMPLE_ORIGIN = "http://127.0.0.1:7990";

const sim = await startSimulator({ port: 7990 });
try {
  const c = sim.credentials;
  const sample = {
    cloud: {
      workspace: "acme",
      api_url: `${SAMPLE_ORIGIN}/2.0`,
      credentials: { auth_type: "access_token", access_token: c.cloud.accessToken },
    },
    data_center: {
      url: `${SAMPLE_ORIGIN}/bitbucket`,
      credentials: { auth_type: "basic", username: c.dc.username, password: c.dc.password },
    },
  };
  writeFileSync(out("sample_config.json"), `${JSON.stringify(sample, null, 2)}\n`);

  const dir = mkdtempSync(join(tmpdir(), "acceptance-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(sample));
  // Asynchronous: the simulator runs in this process and must keep answering.
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [
      join(root, "dist/main.js"),
      "read",
      "--config",
      join(dir, "config.json"),
      "--catalog",
      out("configured_catalog.json"),
    ]);
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (code === 0) resolve(text);
      else reject(new Error(`read failed (${code}): ${text.slice(-2000)}`));
    });
  });
  const lines = stdout
    .trim()
    .split("\n")
    .map(
      (l) => JSON.parse(l) as { type: string; record?: { stream: string; data: Record<string, unknown> } },
    );

  // A small, stable subset: the commits of one Cloud repository's pull requests and of another's
  // main branch (the shortest), one Data Center repository and the pull requests of another.
  const pick = (stream: string, keep: (d: Record<string, unknown>) => boolean) =>
    lines
      .filter((m) => m.type === "RECORD" && m.record?.stream === stream && keep(m.record.data))
      .map((m) => m.record!)
      .sort((a, b) => JSON.stringify(a.data).localeCompare(JSON.stringify(b.data)));
  const cloud = pick("cloud_pullrequest_commits", (d) => d.repo_slug === "checkout-web");
  const firstDc = sim.dc.repositories().find((r) => r.commits > 0 && r.commits <= 200)!;
  const dc = pick(
    "dc_default_branch_commits",
    (d) => d.project_key === firstDc.projectKey && d.repo_slug === firstDc.slug,
  );
  const dcPr = pick("dc_pullrequest_commits", (d) => d.project_key === "DATA" && d.repo_slug === "warehouse");
  const shortest = sim.cloud
    .repositories("acme")
    .map((slug) => ({ slug, n: sim.cloud.mainBranch("acme", slug).hashes.length }))
    .sort((a, b) => a.n - b.n)[0]!.slug;
  const cloudMain = pick("cloud_default_branch_commits", (d) => d.repo_slug === shortest);
  const expected = [...cloud, ...cloudMain, ...dc, ...dcPr].map((r) =>
    JSON.stringify({ stream: r.stream, data: r.data, emitted_at: 1700000000000 }),
  );
  writeFileSync(out("expected_records.jsonl"), `${expected.join("\n")}\n`);

  // As far ahead as a cursor can validly be: the server's own clock (a later one is rejected as a
  // lie and the repository read again, see the README's State section).
  const future = `${sim.now().toISOString().slice(0, 19)}.000000+00:00`;
  const cloudPartitions = Object.fromEntries(
    sim.cloud.repositories("acme").map((slug) => [`acme/${slug}`, { updated_on: future }]),
  );
  const heads = new Map<string, string>();
  for (const t of sim.truth().dc)
    if (!heads.has(`${t.project_key}/${t.repo_slug}`)) heads.set(`${t.project_key}/${t.repo_slug}`, t.id);
  const dcPartitions = Object.fromEntries(
    sim.dc.repositories().map((r) => {
      const key = `${r.projectKey}/${r.slug}`;
      const head = heads.get(key);
      return [
        key,
        head && r.defaultBranch
          ? { branch: `refs/heads/${r.defaultBranch}`, commit_id: head, committer_timestamp: 32503680000000 }
          : {},
      ];
    }),
  );
  // Main branches: the head itself, so nothing is new (a commit time far ahead, as for Data Center).
  const cloudMainPartitions = Object.fromEntries(
    sim.cloud.repositories("acme").map((slug) => {
      const { name, hashes } = sim.cloud.mainBranch("acme", slug);
      const head = hashes[0];
      return [
        `acme/${slug}`,
        head && name ? { branch: name, commit_id: head, committer_timestamp: 32503680000000 } : {},
      ];
    }),
  );
  const dcPrPartitions = Object.fromEntries(
    sim.dc.repositories().map((r) => [`${r.projectKey}/${r.slug}`, { updated_date: sim.now().getTime() }]),
  );
  const state = [
    {
      type: "STREAM",
      stream: {
        stream_descriptor: { name: "cloud_pullrequest_commits" },
        stream_state: { partitions: cloudPartitions },
      },
    },
    {
      type: "STREAM",
      stream: {
        stream_descriptor: { name: "cloud_default_branch_commits" },
        stream_state: { partitions: cloudMainPartitions },
      },
    },
    {
      type: "STREAM",
      stream: {
        stream_descriptor: { name: "dc_default_branch_commits" },
        stream_state: { partitions: dcPartitions },
      },
    },
    {
      type: "STREAM",
      stream: {
        stream_descriptor: { name: "dc_pullrequest_commits" },
        stream_state: { partitions: dcPrPartitions },
      },
    },
  ];
  writeFileSync(out("abnormal_state.json"), `${JSON.stringify(state, null, 2)}\n`);
  process.stderr.write(
    `wrote sample_config.json, expected_records.jsonl (${expected.length} records), abnormal_state.json\n`,
  );
} finally {
  await sim.close();
}
