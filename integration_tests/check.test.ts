import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byType, type Message, runCli, writeFiles } from "./helpers/cli.js";
import { cloudConfig, dcConfig, simSecrets } from "./helpers/configs.js";
import { type Simulator, startSimulator } from "./simulator/index.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});

/** Runs check; asserts exactly one CONNECTION_STATUS, exit 0 and no secret in the output. */
async function check(
  config: Record<string, unknown>,
): Promise<{ status: string; message: string; all: Message[] }> {
  const files = writeFiles({ "config.json": config });
  const r = await runCli(["check", "--config", files["config.json"]!]);
  expect(r.code).toBe(0);
  const statuses = byType(r.messages, "CONNECTION_STATUS");
  expect(statuses).toHaveLength(1);
  for (const s of simSecrets(sim)) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
  const cs = statuses[0]!.connectionStatus;
  return { status: cs.status, message: cs.message ?? "", all: r.messages };
}

describe.concurrent("check", () => {
  it.each([
    ["cloud access token", () => ({ cloud: cloudConfig(sim, "access_token") })],
    ["cloud API token", () => ({ cloud: cloudConfig(sim, "api_token") })],
    ["data center basic", () => ({ data_center: dcConfig(sim, "basic") })],
    ["data center personal access token", () => ({ data_center: dcConfig(sim, "personal_token") })],
    ["data center project HTTP access token", () => ({ data_center: dcConfig(sim, "http_token") })],
    ["both deployments", () => ({ cloud: cloudConfig(sim), data_center: dcConfig(sim) })],
  ])("succeeds with %s", async (_, config) => {
    const r = await check(config());
    expect(r.message).toBe("");
    expect(r.status).toBe("SUCCEEDED");
  });

  it("reports bad Cloud credentials as invalid_credentials, saying what to do", async () => {
    const r = await check({
      cloud: cloudConfig(sim, "access_token", {
        credentials: { auth_type: "access_token", access_token: "revoked-token-123" },
      }),
    });
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(/^invalid_credentials: Bitbucket Cloud rejected the credentials \(401\)/);
    expect(r.message).not.toContain("revoked-token-123");
    const api = await check({
      cloud: cloudConfig(sim, "api_token", {
        credentials: {
          auth_type: "api_token",
          email: "someone@else.example",
          api_token: sim.credentials.cloud.apiToken.token,
        },
      }),
    });
    expect(api.message).toMatch(/^invalid_credentials: .*Atlassian account e-mail/);
  });

  it("reports a token without the pull request scope as invalid_permissions", async () => {
    const r = await check({
      cloud: cloudConfig(sim, "access_token", {
        credentials: {
          auth_type: "access_token",
          access_token: sim.credentials.cloud.noPullRequestScopeToken,
        },
      }),
    });
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(/^invalid_permissions: Bitbucket Cloud: .*pullrequest:read/);
  });

  it("reports a workspace token used on another workspace as invalid_permissions", async () => {
    const r = await check({
      cloud: cloudConfig(sim, "access_token", {
        credentials: { auth_type: "access_token", access_token: sim.credentials.cloud.otherWorkspaceToken },
      }),
    });
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(
      /^invalid_permissions: Bitbucket Cloud: the credentials may not list the repositories of workspace "acme"/,
    );
  });

  it("says plainly that a workspace does not exist, or has nothing to read", async () => {
    const missing = await check({
      cloud: cloudConfig(sim, "access_token", { workspace: "no-such-workspace" }),
    });
    expect(missing.status).toBe("FAILED");
    expect(missing.message).toMatch(/^not_found: Bitbucket Cloud: .*workspace ID/);
    const empty = await check({ cloud: cloudConfig(sim, "access_token", { workspace: "empty-ws" }) });
    expect(empty.message).toMatch(/^no_resources: Bitbucket Cloud: workspace "empty-ws" has no repository/);
  });

  it("succeeds for repositories with commits but no pull requests: the main-branch stream has something to read", async () => {
    expect(sim.cloud.pullRequests("acme", "legacy-monolith")).toEqual([]);
    const r = await check({ cloud: cloudConfig(sim, "access_token", { repositories: ["legacy-monolith"] }) });
    expect(r.message).toBe("");
    expect(r.status).toBe("SUCCEEDED");
  });

  it("says no_resources for an empty repository without pull requests, with each stream's reason", async () => {
    const r = await check({
      cloud: cloudConfig(sim, "access_token", { workspace: "other-ws", repositories: ["scratch"] }),
    });
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(
      /^no_resources: .*cloud_pullrequest_commits: .*cloud_default_branch_commits: .*empty/,
    );
  });

  it("reports bad Data Center credentials and a user who may not read", async () => {
    const bad = await check({
      data_center: dcConfig(sim, "basic", {
        credentials: { auth_type: "basic", username: "sim.admin", password: "wrong-password" },
      }),
    });
    expect(bad.status).toBe("FAILED");
    expect(bad.message).toMatch(
      /^invalid_credentials: Bitbucket Data Center at .* rejected the credentials \(401\)/,
    );

    const nobody = sim.credentials.dc.noAccessUser;
    const noAccess = await check({
      data_center: dcConfig(sim, "basic", { credentials: { auth_type: "basic", ...nobody } }),
    });
    expect(noAccess.status).toBe("FAILED");
    expect(noAccess.message).toMatch(/^no_resources: Bitbucket Data Center: no repository is visible/);

    const repo = sim.dc.repositories().find((r) => r.commits > 0)!;
    const denied = await check({
      data_center: dcConfig(sim, "basic", {
        credentials: { auth_type: "basic", ...nobody },
        repositories: [`${repo.projectKey}/${repo.slug}`],
      }),
    });
    expect(denied.message).toMatch(
      /^invalid_permissions: Bitbucket Data Center: the credentials authenticate but may not .*AuthorisationException/,
    );
  });

  it("says plainly that a URL is unreachable or is not Bitbucket", async () => {
    const closed = await check({
      data_center: dcConfig(sim, "basic", { url: "http://127.0.0.1:9" }),
      request_timeout_seconds: 2,
    });
    expect(closed.status).toBe("FAILED");
    expect(closed.message).toMatch(
      /^unreachable: could not reach Bitbucket Data Center at http:\/\/127\.0\.0\.1:9 .*ECONNREFUSED.*Check the URL/,
    );
    const wrongPath = await check({
      data_center: dcConfig(sim, "basic", { url: `${sim.url}/not-bitbucket` }),
    });
    expect(wrongPath.status).toBe("FAILED");
    expect(wrongPath.message).toMatch(/^not_found: .*context path included/);
  });

  it("reports every failing deployment in one status", async () => {
    const r = await check({
      cloud: cloudConfig(sim, "access_token", {
        credentials: { auth_type: "access_token", access_token: "nope-nope" },
      }),
      data_center: dcConfig(sim, "basic", {
        credentials: { auth_type: "basic", username: "x", password: "y" },
      }),
    });
    expect(r.message.split("\n").map((l) => l.split(":")[0])).toEqual([
      "invalid_credentials",
      "invalid_credentials",
    ]);
  });
});
