import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { configError } from "../errors.js";
import { Config, type ParsedConfig, PULL_REQUEST_STATES, type PullRequestState } from "./schema.js";

/** The config with every default applied: what the rest of the connector reads. */
export interface ResolvedConfig {
  cloud?: {
    workspace: string;
    auth: Auth;
    repositories?: string[];
    pullRequestStates: PullRequestState[];
    apiUrl: string;
  };
  dataCenter?: {
    url: string;
    auth: Auth;
    projects?: string[];
    repositories?: { project: string; slug: string }[];
    caCertificate?: string;
  };
  startDate?: Date;
  maxConcurrency: number;
  requestTimeoutMs: number;
  requestsPerHour?: number;
  retry: RetrySettings;
  shard?: { index: number; count: number };
}

export type Auth = { kind: "bearer"; token: string } | { kind: "basic"; username: string; password: string };

export interface RetrySettings {
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  rateLimitStepMs: number;
  maxRateLimitWaitMs: number;
}

export const DEFAULT_CLOUD_API_URL = "https://api.bitbucket.org/2.0";

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

export async function loadConfig(path: string): Promise<ResolvedConfig> {
  return parseConfig(await readJsonFile(path, "config"));
}

export function parseConfig(raw: unknown): ResolvedConfig {
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
  const r = c.retry ?? {};
  const resolved: ResolvedConfig = {
    maxConcurrency: c.max_concurrency ?? 8,
    requestTimeoutMs: (c.request_timeout_seconds ?? 60) * 1000,
    retry: {
      maxRetries: r.max_retries ?? 8,
      initialBackoffMs: (r.initial_backoff_seconds ?? 1) * 1000,
      maxBackoffMs: (r.max_backoff_seconds ?? 60) * 1000,
      rateLimitStepMs: (r.rate_limit_step_seconds ?? 60) * 1000,
      maxRateLimitWaitMs: (r.max_rate_limit_wait_seconds ?? 3600) * 1000,
    },
  };
  if (c.start_date) resolved.startDate = c.start_date;
  if (c.requests_per_hour !== undefined) resolved.requestsPerHour = c.requests_per_hour;
  if (c.shard) resolved.shard = c.shard;
  if (c.cloud) {
    const cr = c.cloud.credentials;
    resolved.cloud = {
      workspace: c.cloud.workspace,
      auth:
        cr.auth_type === "access_token"
          ? { kind: "bearer", token: cr.access_token }
          : { kind: "basic", username: cr.email, password: cr.api_token },
      pullRequestStates: dedupe(c.cloud.pull_request_states ?? [...PULL_REQUEST_STATES]),
      apiUrl: trimSlash(c.cloud.api_url ?? DEFAULT_CLOUD_API_URL),
    };
    if (c.cloud.repositories) resolved.cloud.repositories = dedupe(c.cloud.repositories);
  }
  if (c.data_center) {
    const d = c.data_center;
    const cr = d.credentials;
    resolved.dataCenter = {
      url: trimSlash(d.url),
      auth:
        cr.auth_type === "basic"
          ? { kind: "basic", username: cr.username, password: cr.password }
          : { kind: "bearer", token: cr.access_token },
    };
    if (d.projects) resolved.dataCenter.projects = dedupe(d.projects);
    if (d.repositories) {
      resolved.dataCenter.repositories = dedupe(d.repositories).map((s) => {
        const [project = "", slug = ""] = s.split("/");
        return { project, slug };
      });
    }
    if (d.ca_certificate) resolved.dataCenter.caCertificate = d.ca_certificate;
  }
  return resolved;
}

/** Every secret of a raw config, so they can be masked even when the config fails validation. */
export function secretsOf(raw: unknown): { plain: string[]; basic: [string, string][] } {
  const plain: string[] = [];
  const basic: [string, string][] = [];
  const visit = (v: unknown, key: string, parent: Record<string, unknown>) => {
    if (typeof v === "string") {
      if (SECRET_KEYS.has(key)) {
        plain.push(v);
        const user = parent.email ?? parent.username;
        if (typeof user === "string") basic.push([user, v]);
      }
      return;
    }
    if (typeof v === "object" && v !== null) {
      const obj = v as Record<string, unknown>;
      for (const [k, child] of Object.entries(obj)) visit(child, k, obj);
    }
  };
  visit(raw, "", {});
  return { plain, basic };
}

const SECRET_KEYS = new Set(["access_token", "api_token", "password"]);

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function dedupe<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

/** `cloud.credentials.auth_type: ...; start_date: ...` — every problem, each with its field. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const field = i.path.length ? i.path.map(String).join(".") : "(root)";
      return `${field}: ${issueText(i)}`;
    })
    .join("; ");
}

function issueText(i: z.core.$ZodIssue): string {
  if (i.code === "invalid_union" && "discriminator" in i && i.discriminator) {
    const options =
      "options" in i && Array.isArray(i.options) ? i.options.map((o) => JSON.stringify(o)).join(" or ") : "";
    return `unknown or missing ${String(i.discriminator)}; expected ${options}`;
  }
  if (i.code === "too_big" && "maximum" in i)
    return `must be at most ${String(i.maximum)}${i.origin === "array" ? " items" : ""}`;
  if (i.code === "too_small" && "minimum" in i) {
    if (i.origin === "string" && Number(i.minimum) === 1) return "must not be empty";
    return `must be at least ${String(i.minimum)}${i.origin === "array" ? " items" : ""}`;
  }
  if (i.code === "invalid_type") {
    return i.message.includes("received undefined")
      ? "is required"
      : i.message.replace(/^Invalid input: /, "");
  }
  return i.message;
}
