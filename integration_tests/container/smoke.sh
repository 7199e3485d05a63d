#!/usr/bin/env bash
# Container smoke test: checks the built connector image's metadata, then runs `check` and a
# small `read` in it against the Bitbucket simulator running on the host.
#
# Usage (root, from anywhere, after `npm ci` and after the image is built, e.g. by
# ../shared/tools/container-smoke.sh):
#   integration_tests/container/smoke.sh            # IMAGE=localhost/source-bitbucket:ci
#   IMAGE=localhost/other:tag integration_tests/container/smoke.sh
# Env: IMAGE, READ_TIMEOUT (seconds for the read, default 300), KEEP_TMP=1 keeps the temp dir.
# Exits non-zero on the first failed check, saying which.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
IMAGE="${IMAGE:-localhost/source-bitbucket:ci}"
READ_TIMEOUT="${READ_TIMEOUT:-300}"
CLOUD_REPO="api-gateway"

t() { echo "[container-smoke $(date +%T)] $*" >&2; }
fail() {
  echo "[container-smoke $(date +%T)] FAIL: $*" >&2
  exit 1
}
ok() { echo "[container-smoke $(date +%T)] ok: $*" >&2; }

command -v podman >/dev/null || fail "podman not found (run ../shared/tools/container-smoke.sh first)"
podman image exists "$IMAGE" || fail "image $IMAGE not found (build it first, e.g. bash ../shared/tools/container-smoke.sh .)"
[ -x node_modules/.bin/tsx ] || fail "node_modules/.bin/tsx missing: run npm ci first"

TMP="$(mktemp -d /tmp/source-bitbucket-smoke.XXXXXX)"
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill -TERM "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then t "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# 1. Image metadata: ENTRYPOINT, AIRBYTE_ENTRYPOINT, labels, user.
t "inspecting $IMAGE"
podman image inspect "$IMAGE" >"$TMP/inspect.json" || fail "podman image inspect $IMAGE"
PKG_VERSION="$(node -p 'require("./package.json").version')"
node - "$TMP/inspect.json" "$PKG_VERSION" <<'EOF' || fail "image metadata (see above)"
const fs = require("node:fs");
const [file, pkgVersion] = process.argv.slice(2);
const img = JSON.parse(fs.readFileSync(file, "utf8"))[0];
const cfg = img.Config ?? {};
const problems = [];
const entrypoint = cfg.Entrypoint ?? [];
const env = Object.fromEntries((cfg.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
const labels = cfg.Labels ?? {};
console.error(`  Entrypoint:         ${JSON.stringify(entrypoint)}`);
console.error(`  AIRBYTE_ENTRYPOINT: ${JSON.stringify(env.AIRBYTE_ENTRYPOINT)}`);
console.error(`  User:               ${JSON.stringify(cfg.User)}  WorkingDir: ${JSON.stringify(cfg.WorkingDir)}`);
console.error(`  io.airbyte.name:    ${JSON.stringify(labels["io.airbyte.name"])}`);
console.error(`  io.airbyte.version: ${JSON.stringify(labels["io.airbyte.version"])} (package.json: ${pkgVersion})`);
if (entrypoint.length === 0) problems.push("no ENTRYPOINT");
if (env.AIRBYTE_ENTRYPOINT !== entrypoint.join(" "))
  problems.push(`AIRBYTE_ENTRYPOINT ${JSON.stringify(env.AIRBYTE_ENTRYPOINT)} != ENTRYPOINT joined by spaces ${JSON.stringify(entrypoint.join(" "))}`);
if (labels["io.airbyte.name"] !== "airbyte/source-bitbucket")
  problems.push(`label io.airbyte.name is ${JSON.stringify(labels["io.airbyte.name"])}, want "airbyte/source-bitbucket"`);
if (labels["io.airbyte.version"] !== pkgVersion)
  problems.push(`label io.airbyte.version is ${JSON.stringify(labels["io.airbyte.version"])}, package.json says ${JSON.stringify(pkgVersion)}`);
if (!cfg.User || cfg.User === "root" || cfg.User === "0") problems.push(`runs as ${JSON.stringify(cfg.User ?? "root")}, want a non-root user`);
for (const p of problems) console.error(`  problem: ${p}`);
process.exit(problems.length ? 1 : 0);
EOF
ok "ENTRYPOINT, AIRBYTE_ENTRYPOINT, labels and user"

# ---------------------------------------------------------------------------------------------
# 2. The simulator on the host's loopback (one process: node with the tsx loader).
t "starting the simulator"
node --import tsx integration_tests/simulator/cli.ts --port 0 --scale small >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
for _ in $(seq 1 300); do
  [ -s "$TMP/sim.out" ] && head -1 "$TMP/sim.out" | grep -q '}$' && break
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$TMP/sim.err" >&2; fail "simulator exited before printing its address"; }
  sleep 0.2
done
[ -s "$TMP/sim.out" ] || { cat "$TMP/sim.err" >&2; fail "simulator printed nothing within 60 s"; }

# Config and catalog, in a directory the container's user (node, uid 1000) can read.
DATA="$TMP/data"
mkdir -p "$DATA"
node - "$TMP/sim.out" "$DATA" "$CLOUD_REPO" <<'EOF' || fail "could not write config/catalog for the simulator"
const fs = require("node:fs");
const [simOut, dir, cloudRepo] = process.argv.slice(2);
const sim = JSON.parse(fs.readFileSync(simOut, "utf8").split("\n")[0]);
const dc = sim.credentials.dc;
const auth = "Basic " + Buffer.from(`${dc.username}:${dc.password}`).toString("base64");
const get = async (path) => {
  const res = await fetch(`${sim.dcUrl}${path}`, { headers: { authorization: auth, accept: "application/json" } });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return res.json();
};
(async () => {
  // The smallest Data Center project that has repositories keeps the read short.
  const projects = (await get("/rest/api/1.0/projects?limit=1000")).values;
  let best;
  for (const p of projects) {
    const repos = (await get(`/rest/api/1.0/projects/${encodeURIComponent(p.key)}/repos?limit=1000`)).values;
    if (repos.length > 0 && (!best || repos.length < best.n)) best = { key: p.key, n: repos.length };
  }
  if (!best) throw new Error(`no Data Center project with repositories among ${projects.map((p) => p.key)}`);
  console.error(`  simulator: ${sim.url}; cloud repository ${cloudRepo}; DC project ${best.key} (${best.n} repositories)`);
  const config = {
    cloud: {
      workspace: "acme",
      api_url: sim.cloudApiUrl,
      credentials: { auth_type: "access_token", access_token: sim.credentials.cloud.accessToken },
      repositories: [cloudRepo],
    },
    data_center: {
      url: sim.dcUrl,
      credentials: { auth_type: "basic", username: dc.username, password: dc.password },
      projects: [best.key],
    },
  };
  const stream = (name) => ({
    stream: { name, json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
    sync_mode: "full_refresh",
    destination_sync_mode: "overwrite",
  });
  const catalog = {
    streams: [
      stream("cloud_pullrequest_commits"),
      stream("cloud_default_branch_commits"),
      stream("dc_default_branch_commits"),
      stream("dc_pullrequest_commits"),
    ],
  };
  fs.writeFileSync(`${dir}/config.json`, JSON.stringify(config, null, 2));
  fs.writeFileSync(`${dir}/catalog.json`, JSON.stringify(catalog, null, 2));
})().catch((e) => {
  console.error(`  ${e.message}`);
  process.exit(1);
});
EOF
chmod 755 "$TMP" "$DATA"
chmod 644 "$DATA/config.json" "$DATA/catalog.json"
ok "simulator up, config and catalog written"

run_image() { podman run --rm --network host -v "$DATA:/data:ro" "$IMAGE" "$@"; }

# ---------------------------------------------------------------------------------------------
# 3. check: exit 0 and exactly one CONNECTION_STATUS, SUCCEEDED.
t "podman run $IMAGE check --config /data/config.json"
set +e
run_image check --config /data/config.json >"$TMP/check.out" 2>"$TMP/check.err"
rc=$?
set -e
cat "$TMP/check.out" >&2
[ -s "$TMP/check.err" ] && sed 's/^/  stderr: /' "$TMP/check.err" >&2
[ "$rc" -eq 0 ] || fail "check exited $rc"
node - "$TMP/check.out" <<'EOF' || fail "check did not print exactly one CONNECTION_STATUS SUCCEEDED"
const lines = require("node:fs").readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.trim());
const msgs = lines.map((l) => { try { return JSON.parse(l); } catch { console.error(`  not JSON: ${l}`); process.exit(1); } });
const statuses = msgs.filter((m) => m.type === "CONNECTION_STATUS");
if (statuses.length !== 1) { console.error(`  ${statuses.length} CONNECTION_STATUS messages`); process.exit(1); }
if (statuses[0].connectionStatus?.status !== "SUCCEEDED") {
  console.error(`  status ${JSON.stringify(statuses[0].connectionStatus)}`);
  process.exit(1);
}
EOF
ok "check: one CONNECTION_STATUS SUCCEEDED"

# ---------------------------------------------------------------------------------------------
# 4. read: exit 0, RECORDs for every stream, each stream's last status COMPLETE.
t "podman run $IMAGE read --config /data/config.json --catalog /data/catalog.json"
start=$(date +%s)
set +e
timeout --kill-after=10 "$READ_TIMEOUT" podman run --rm --network host -v "$DATA:/data:ro" "$IMAGE" \
  read --config /data/config.json --catalog /data/catalog.json >"$TMP/read.out" 2>"$TMP/read.err"
rc=$?
set -e
t "read exited $rc after $(($(date +%s) - start)) s; $(wc -l <"$TMP/read.out") lines on stdout"
[ -s "$TMP/read.err" ] && sed 's/^/  stderr: /' "$TMP/read.err" | tail -20 >&2
node - "$TMP/read.out" "$rc" <<'EOF' || fail "read (see above)"
const [file, rc] = process.argv.slice(2);
const lines = require("node:fs").readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
const problems = [];
const streams = [
  "cloud_pullrequest_commits",
  "cloud_default_branch_commits",
  "dc_default_branch_commits",
  "dc_pullrequest_commits",
];
const records = Object.fromEntries(streams.map((s) => [s, 0]));
const statuses = Object.fromEntries(streams.map((s) => [s, []]));
let states = 0;
const counts = {};
for (const l of lines) {
  let m;
  try { m = JSON.parse(l); } catch { problems.push(`not JSON: ${l.slice(0, 200)}`); continue; }
  counts[m.type] = (counts[m.type] ?? 0) + 1;
  if (m.type === "RECORD") {
    if (m.record.stream in records) records[m.record.stream]++;
    else problems.push(`RECORD of unexpected stream ${m.record.stream}`);
  } else if (m.type === "STATE") states++;
  else if (m.type === "TRACE" && m.trace.type === "STREAM_STATUS") {
    const s = m.trace.stream_status;
    (statuses[s.stream_descriptor.name] ??= []).push(s.status);
  } else if (m.type === "TRACE" && m.trace.type === "ERROR") {
    console.error(`  ERROR trace: ${m.trace.error.message}`);
  } else if (m.type === "LOG" && ["ERROR", "FATAL", "WARN"].includes(m.log.level)) {
    console.error(`  ${m.log.level}: ${m.log.message}`);
  }
}
console.error(`  messages: ${JSON.stringify(counts)}`);
for (const s of streams) {
  console.error(`  ${s}: ${records[s]} records, statuses ${statuses[s].join(" -> ") || "(none)"}`);
  if (records[s] === 0) problems.push(`no RECORD for ${s}`);
  if (statuses[s].at(-1) !== "COMPLETE") problems.push(`${s} does not end with a COMPLETE status`);
}
if (rc !== "0") problems.push(`read exited ${rc}${rc === "124" ? " (timed out)" : ""}`);
for (const p of problems) console.error(`  problem: ${p}`);
process.exit(problems.length ? 1 : 0);
EOF
ok "read: records for every stream, each COMPLETE"
t "PASS"
