import { readFile } from "node:fs/promises";
import type { CloudSettings } from "../cloud/settings.js";
import type { ConnectorSettings } from "../commands/settings.js";
import type { DcSettings } from "../datacenter/settings.js";
import { configError } from "../errors.js";
import { authorizationHeader } from "../http/auth.js";
import { proxySecrets } from "../http/proxy.js";
import type { Auth } from "../http/settings.js";
import type { Redactor } from "../protocol/redact.js";
import { formatIssues } from "../zod-issues.js";
import { Config, type ParsedConfig, RetryConfig } from "./schema.js";
import { connectionSpecification } from "./spec.js";
import { unknownKeys } from "./unknown-keys.js";

/** Reads, parses and validates a JSON file given on the command line. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "it does not exist"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : String(code ?? err);
    throw configError(`cannot read the ${what} file ${path}: ${why}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw configError(`the ${what} file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Reads and validates the config file given on the command line. Its secrets (and those of the
 * proxy settings) are registered with the redactor before validation, so that even a rejected
 * config cannot leak them; once parsed, the credentials are registered again in the exact form
 * they are sent in, which is masked in records too (a server may echo it). Keys the spec does
 * not know are warned about (and otherwise ignored: Airbyte configs may carry extra keys).
 */
export async function loadConfig(
  path: string | undefined,
  redactor: Redactor,
  warn: (message: string) => void,
): Promise<ConnectorSettings> {
  if (!path) throw configError("no config given: pass --config FILE");
  const raw = await readJsonFile(path, "config");
  for (const s of secretsOf(raw)) redactor.add(s);
  for (const s of proxySecrets()) redactor.add(s);
  const settings = parseConfig(raw);
  for (const d of [settings.deployments.cloud, settings.deployments.data_center]) {
    if (d) redactor.addSent(authorizationHeader(d.auth).replace(/^(Basic|Bearer) /, ""));
  }
  for (const w of unknownKeys(raw, connectionSpecification())) warn(w);
  return settings;
}

export function parseConfig(raw: unknown): ConnectorSettings {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw configError(`the config must be a JSON object, got ${describe(raw)}`);
  }
  const parsed = Config.safeParse(raw);
  if (!parsed.success) throw configError(`invalid config: ${formatIssues(parsed.error.issues)}`);
  const c: ParsedConfig = parsed.data;
  if (!c.cloud && !c.data_center) {
    throw configError(
      "invalid config: set `cloud` (Bitbucket Cloud), `data_center` (Bitbucket Data Center), or both",
    );
  }
  const r = c.retry ?? RetryConfig.parse({});
  return {
    deployments: {
      ...(c.cloud ? { cloud: cloudSettings(c.cloud) } : {}),
      ...(c.data_center ? { data_center: dcSettings(c.data_center) } : {}),
    },
    startDate: c.start_date,
    http: {
      maxConcurrency: c.max_concurrency,
      timeoutMs: c.request_timeout_seconds * 1000,
      requestsPerHour: c.requests_per_hour,
      maxResponseBytes: c.max_response_mb * 1_048_576,
      outageMs: r.outage_seconds * 1000,
      retry: {
        maxRetries: r.max_retries,
        initialBackoffMs: r.initial_backoff_seconds * 1000,
        maxBackoffMs: r.max_backoff_seconds * 1000,
        rateLimitStepMs: r.rate_limit_step_seconds * 1000,
        maxRateLimitWaitMs: r.max_rate_limit_wait_seconds * 1000,
      },
    },
    shard: c.shard,
  };
}

function cloudSettings(c: NonNullable<ParsedConfig["cloud"]>): CloudSettings {
  const cr = c.credentials;
  const auth: Auth =
    cr.auth_type === "access_token"
      ? { kind: "bearer", token: cr.access_token }
      : { kind: "basic", username: cr.email, password: cr.api_token };
  return {
    workspace: c.workspace,
    auth,
    pullRequestStates: dedupe(c.pull_request_states ?? ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]),
    apiUrl: trimSlash(c.api_url),
    repositories: c.repositories ? dedupe(c.repositories) : undefined,
    changeDetection: c.change_detection,
    fullSweepSyncs: c.full_sweep_syncs,
  };
}

function dcSettings(d: NonNullable<ParsedConfig["data_center"]>): DcSettings {
  const cr = d.credentials;
  return {
    url: trimSlash(d.url),
    auth:
      cr.auth_type === "basic"
        ? { kind: "basic", username: cr.username, password: cr.password }
        : { kind: "bearer", token: cr.access_token },
    projects: d.projects ? dedupe(d.projects) : undefined,
    repositories: d.repositories
      ? dedupe(d.repositories).map((s) => {
          const [project = "", slug = ""] = s.split("/");
          return { project, slug };
        })
      : undefined,
    pullRequestStates: dedupe(d.pull_request_states ?? ["OPEN", "MERGED", "DECLINED"]),
    caCertificate: d.ca_certificate,
  };
}

/**
 * Every secret of a raw config, so they can be masked even when the config fails validation:
 * each secret field as written and trimmed, and the Basic credential built from the user name
 * (as written and trimmed) and the secret.
 */
export function secretsOf(raw: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown, key: string, parent: Record<string, unknown>) => {
    if (typeof v === "string") {
      if (!SECRET_KEYS.has(key)) return;
      out.push(v, v.trim());
      const user = parent.email ?? parent.username;
      if (typeof user === "string") {
        for (const u of new Set([user, user.trim()])) out.push(Buffer.from(`${u}:${v}`).toString("base64"));
      }
      return;
    }
    if (typeof v === "object" && v !== null) {
      const obj = v as Record<string, unknown>;
      for (const [k, child] of Object.entries(obj)) visit(child, k, obj);
    }
  };
  visit(raw, "", {});
  return out;
}

const SECRET_KEYS = new Set(["access_token", "api_token", "password"]);

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function dedupe<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}
