import type { Simulator } from "../simulator/index.js";

export const CLOUD_STREAM = "cloud_pullrequest_commits";
export const CLOUD_BRANCH_STREAM = "cloud_default_branch_commits";
export const DC_STREAM = "dc_default_branch_commits";
export const DC_PR_STREAM = "dc_pullrequest_commits";
export const BOTH = [CLOUD_STREAM, DC_STREAM];

type Json = Record<string, unknown>;

/** Configs for the simulator, one per auth method. Overrides merge one level deep. */
export function cloudConfig(
  sim: Simulator,
  auth: "access_token" | "api_token" = "access_token",
  extra: Json = {},
): Json {
  const c = sim.credentials.cloud;
  const credentials =
    auth === "access_token"
      ? { auth_type: "access_token", access_token: c.accessToken }
      : { auth_type: "api_token", email: c.apiToken.email, api_token: c.apiToken.token };
  return { workspace: "acme", api_url: sim.cloudApiUrl, credentials, ...extra };
}

export function dcConfig(
  sim: Simulator,
  auth: "basic" | "personal_token" | "http_token" = "basic",
  extra: Json = {},
): Json {
  const d = sim.credentials.dc;
  const credentials =
    auth === "basic"
      ? { auth_type: "basic", username: d.username, password: d.password }
      : auth === "personal_token"
        ? { auth_type: "access_token", access_token: d.personalAccessToken }
        : { auth_type: "access_token", access_token: d.httpAccessToken };
  return { url: sim.dcUrl, credentials, ...extra };
}

/** Fast retries so fault tests take milliseconds, not minutes. */
export const FAST_RETRY = {
  max_retries: 4,
  initial_backoff_seconds: 0.01,
  max_backoff_seconds: 0.05,
  rate_limit_step_seconds: 0.05,
  max_rate_limit_wait_seconds: 5,
};

export function catalog(streams: string[], syncMode: "full_refresh" | "incremental" = "incremental"): Json {
  return {
    streams: streams.map((name) => ({
      stream: { name, json_schema: {}, supported_sync_modes: ["full_refresh", "incremental"] },
      sync_mode: syncMode,
      destination_sync_mode: syncMode === "incremental" ? "append_dedup" : "overwrite",
    })),
  };
}

/** Every secret the simulator hands out: must never appear in any output. */
export function simSecrets(sim: Simulator): string[] {
  const c = sim.credentials;
  return [
    c.cloud.accessToken,
    c.cloud.apiToken.token,
    c.cloud.noPullRequestScopeToken,
    c.cloud.otherWorkspaceToken,
    c.dc.password,
    c.dc.personalAccessToken,
    c.dc.httpAccessToken,
    c.dc.noAccessUser.password,
    Buffer.from(`${c.cloud.apiToken.email}:${c.cloud.apiToken.token}`).toString("base64"),
    Buffer.from(`${c.dc.username}:${c.dc.password}`).toString("base64"),
  ];
}

/** Primary keys as strings, to compare emitted records with the simulator's truth. */
type Row = object;
const f = (r: Row, k: string) => String((r as Record<string, unknown>)[k]);
export const cloudKey = (r: Row) =>
  `${f(r, "workspace")}/${f(r, "repo_slug")}#${f(r, "pull_request_id")}@${f(r, "hash")}`;
export const cloudBranchKey = (r: Row) => `${f(r, "workspace")}/${f(r, "repo_slug")}@${f(r, "hash")}`;
export const dcKey = (r: Row) => `${f(r, "project_key")}/${f(r, "repo_slug")}@${f(r, "id")}`;
export const dcPrKey = (r: Row) =>
  `${f(r, "project_key")}/${f(r, "repo_slug")}#${f(r, "pull_request_id")}@${f(r, "id")}`;
