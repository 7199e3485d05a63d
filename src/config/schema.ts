import { X509Certificate } from "node:crypto";
import { z } from "zod";
import { CHANGE_DETECTION, PULL_REQUEST_STATES } from "../cloud/settings.js";
import { DC_PULL_REQUEST_STATES } from "../datacenter/settings.js";
import type { DeploymentKey } from "../streams/definition.js";
import { STREAMS } from "../streams/registry.js";
import { parseStartDate, START_DATE_FORM, START_DATE_PATTERN } from "./start-date.js";

/** The streams a config section enables, as the spec's descriptions name them. */
const streamNames = (d: DeploymentKey) =>
  STREAMS.filter((s) => s.deployment === d)
    .map((s) => `\`${s.info.name}\``)
    .join(", ");

/**
 * The connector's configuration: parsed with zod at the edge, and turned into the Airbyte spec
 * (spec.ts) from this same definition, so the two cannot drift. `.meta()` carries the Airbyte
 * UI hints (title, description, examples, order, airbyte_secret) straight into the JSON Schema.
 */

const secret = (title: string, description: string, order: number) =>
  z.string().min(1).meta({ title, description, airbyte_secret: true, order });

const httpUrl = (
  title: string,
  description: string,
  examples: string[],
  order: number,
  extra: Record<string, unknown> = {},
) =>
  z
    .string()
    .trim()
    .refine(isHttpUrl, { message: "must be an http:// or https:// URL", abort: true })
    .refine(hasNoUserInfo, {
      message:
        "must not contain a user name or password (put credentials in `credentials`, where they are kept secret)",
    })
    .meta({ title, description, examples, order, format: "uri", ...extra });

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "https:" || u.protocol === "http:") && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Credentials belong in `credentials`, where they are masked; a URL's user info would be printed. */
function hasNoUserInfo(value: string): boolean {
  try {
    const u = new URL(value);
    return u.username === "" && u.password === "";
  } catch {
    return true;
  }
}

const CloudAccessToken = z
  .object({
    auth_type: z.literal("access_token").meta({ order: 0 }),
    access_token: secret(
      "Access token",
      "A workspace, project or repository access token, or an OAuth access token. Sent as `Authorization: Bearer`. Needs the `repository` and `pullrequest` scopes.",
      1,
    ),
  })
  .meta({ title: "Access token (Bearer)" });

const CloudApiToken = z
  .object({
    auth_type: z.literal("api_token").meta({ order: 0 }),
    email: z
      .string()
      .trim()
      .regex(/^[^@\s]+@[^@\s]+$/, "must be an e-mail address")
      .meta({
        format: "email",
        title: "Atlassian account e-mail",
        description: "The e-mail of the Atlassian account that owns the API token.",
        examples: ["jane@example.com"],
        order: 1,
      }),
    api_token: secret(
      "API token",
      "An Atlassian API token with the scopes `read:repository:bitbucket` and `read:pullrequest:bitbucket`. Sent as HTTP Basic with the e-mail. (App passwords are retired.)",
      2,
    ),
  })
  .meta({ title: "Atlassian API token (Basic)" });

const SLUG = /^[A-Za-z0-9._-]+$/;

export const CloudConfig = z
  .object({
    workspace: z
      .string()
      .trim()
      .min(1)
      .regex(SLUG, "must be a workspace ID (slug) such as `acme`")
      .meta({
        title: "Workspace",
        description: "The workspace ID (slug) as it appears in bitbucket.org/<workspace>.",
        examples: ["acme"],
        order: 0,
      }),
    credentials: z
      .discriminatedUnion("auth_type", [CloudAccessToken, CloudApiToken])
      // `type: object` on a oneOf's parent: Airbyte's acceptance tests (test_oneof_usage) require it.
      .meta({
        title: "Authentication",
        description: "How to authenticate to Bitbucket Cloud.",
        order: 1,
        type: "object",
      }),
    repositories: z
      .array(z.string().trim().regex(SLUG, "must be a repository slug such as `backend`"))
      .optional()
      .meta({
        title: "Repositories",
        description:
          "Repository slugs to read. Default: every repository of the workspace the credentials can see.",
        examples: [["backend", "web-app"]],
        order: 2,
      }),
    pull_request_states: z
      .array(z.enum(PULL_REQUEST_STATES))
      .min(1)
      .optional()
      .meta({
        title: "Pull request states",
        description:
          "Which pull requests to read commits of (stream `cloud_pullrequest_commits`). Default: all four states.",
        examples: [["MERGED", "OPEN"]],
        order: 3,
      }),
    api_url: httpUrl(
      "API URL",
      "Base URL of the Bitbucket Cloud API. Change only for a proxy or a test server.",
      ["https://api.bitbucket.org/2.0"],
      4,
    ).default("https://api.bitbucket.org/2.0"),
    change_detection: z.enum(CHANGE_DETECTION).default("every_repository").meta({
      title: "Change detection",
      description:
        "`every_repository` (exact): every sync lists the pull requests of every repository and looks up every main branch's head, one request each per stream. `recently_pushed` (for large workspaces under Cloud's ~1,000 requests per hour): the repository listing tells which repositories were pushed to since they were last read (their `updated_on`), and only those, plus a rotating share of 1 in `full_sweep_syncs` of the others, are read, by both Cloud streams. A change that moves no `updated_on` (a pull request opened on a branch pushed earlier, declined, or updated from a fork; perhaps a main branch switched in the settings) is then read within `full_sweep_syncs` syncs.",
      order: 5,
    }),
    full_sweep_syncs: z.number().int().min(1).max(1000).default(24).meta({
      title: "Syncs per full sweep",
      description:
        "With `change_detection: recently_pushed`, every repository is read at least once in this many syncs: the staleness bound for changes the repository's `updated_on` does not show (24 at hourly syncs: a day).",
      order: 6,
    }),
  })
  .meta({
    title: "Bitbucket Cloud",
    description: `Read a Bitbucket Cloud workspace (streams ${streamNames("cloud")}).`,
  });

const DcBasic = z
  .object({
    auth_type: z.literal("basic").meta({ order: 0 }),
    username: z
      .string()
      .min(1)
      .meta({ title: "Username", examples: ["jane"], order: 1 }),
    password: secret(
      "Password or personal access token",
      "The user's password, or better a personal access token with read permission. Sent as HTTP Basic.",
      2,
    ),
  })
  .meta({ title: "Username and password / personal access token (Basic)" });

const DcToken = z
  .object({
    auth_type: z.literal("access_token").meta({ order: 0 }),
    access_token: secret(
      "HTTP access token",
      "A personal, project or repository HTTP access token with the Read permission (PROJECT_READ / REPO_READ). Sent as `Authorization: Bearer`.",
      1,
    ),
  })
  .meta({ title: "HTTP access token (Bearer)" });

export const DataCenterConfig = z
  .object({
    url: httpUrl(
      "Server URL",
      "Base URL of the Bitbucket Data Center instance, context path included.",
      ["https://bitbucket.example.com", "https://example.com/bitbucket"],
      0,
    ),
    credentials: z.discriminatedUnion("auth_type", [DcBasic, DcToken]).meta({
      title: "Authentication",
      description: "How to authenticate to Bitbucket Data Center.",
      order: 1,
      type: "object",
    }),
    projects: z
      .array(z.string().trim().min(1))
      .optional()
      .meta({
        title: "Projects",
        description: "Project keys to read. Default: every project the credentials can see.",
        examples: [["PLAT", "WEB"]],
        order: 2,
      }),
    repositories: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[^/\s]+\/[^/\s]+$/, "must be PROJECT/slug, e.g. PLAT/api"),
      )
      .optional()
      .meta({
        title: "Repositories",
        description: "Repositories to read, as PROJECT/slug. When set, only these are read.",
        examples: [["PLAT/api", "WEB/site"]],
        order: 3,
      }),
    pull_request_states: z
      .array(z.enum(DC_PULL_REQUEST_STATES))
      .min(1)
      .optional()
      .meta({
        title: "Pull request states",
        description:
          "Which pull requests to read commits of (stream `dc_pullrequest_commits`). Default: all three states.",
        examples: [["MERGED", "OPEN"]],
        order: 4,
      }),
    ca_certificate: z
      .string()
      .superRefine((pem, ctx) => {
        const problem = pemProblem(pem);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional()
      .meta({
        title: "CA certificate",
        description:
          "PEM certificate(s) of a private certificate authority that signed the server's certificate. Trusted in addition to the system's CAs, for this connector only. TLS verification is always on.",
        multiline: true,
        order: 5,
      }),
  })
  .meta({
    title: "Bitbucket Data Center",
    description: `Read a Bitbucket Data Center (Server) instance (streams ${streamNames("data_center")}).`,
  });

export const RetryConfig = z
  .object({
    max_retries: z.number().int().min(0).max(100).default(8).meta({
      title: "Retries per request",
      description:
        "How often a request that failed transiently (5xx, timeout, connection reset, truncated body) is retried.",
      order: 0,
    }),
    initial_backoff_seconds: z.number().min(0).max(300).default(1).meta({
      title: "First backoff (s)",
      description: "Base of the exponential backoff with full jitter.",
      order: 1,
    }),
    max_backoff_seconds: z.number().min(0).max(3600).default(60).meta({
      title: "Longest backoff (s)",
      description: "Cap of one backoff between retries, also of a Retry-After sent with a 5xx.",
      order: 2,
    }),
    rate_limit_step_seconds: z.number().min(0).max(3600).default(60).meta({
      title: "Rate-limit wait step (s)",
      description:
        "How long to wait after a 429 that says nothing of when to retry (Bitbucket Cloud's hourly budget). Doubles up to 10 minutes.",
      order: 3,
    }),
    max_rate_limit_wait_seconds: z.number().min(0).max(86_400).default(3600).meta({
      title: "Longest total rate-limit wait (s)",
      description: "Give up (transient error) once a stream has waited this long on rate limits in one sync.",
      order: 4,
    }),
    outage_seconds: z.number().min(1).max(86_400).default(180).meta({
      title: "Outage window (s)",
      description:
        "When every request to a deployment has failed for this long (5xx, timeouts, resets; across several repositories, no healthy answer in between), the deployment counts as down: its streams stop starting new work and end with a transient error. Bounds how long an outage is waited out, whatever the number of repositories.",
      order: 5,
    }),
  })
  .meta({
    title: "Retries and rate limits",
    description: "Advanced: how transient failures and 429s are retried.",
  });

export const ShardConfig = z
  .object({
    index: z
      .number()
      .int()
      .min(0)
      .max(1023)
      .meta({ title: "Shard index", description: "This connection's shard, from 0 to count - 1.", order: 0 }),
    count: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .meta({ title: "Shard count", description: "How many connections share the repositories.", order: 1 }),
  })
  .refine((s) => s.index < s.count, { message: "index must be less than count", path: ["index"] })
  .meta({
    title: "Shard",
    description:
      "Advanced: split the repositories by a stable hash across several connections with the same config; each reads and keeps state for its own part only.",
  });

export const Config = z
  .object({
    cloud: CloudConfig.optional().meta({ order: 0 }),
    data_center: DataCenterConfig.optional().meta({ order: 1 }),
    start_date: z
      .string()
      .trim()
      .regex(START_DATE_FORM, {
        message:
          "must be a date such as 2026-05-01 or an RFC 3339 date-time such as 2026-05-01T00:00:00Z or 2026-05-01T02:00:00+02:00",
        abort: true,
      })
      // On the string, not the result: the spec describes what users write.
      .meta({
        title: "Start date",
        description:
          "Only pull requests updated (Cloud) and commits committed (Data Center) at or after this instant are read: a date (midnight UTC) or an RFC 3339 date-time with its offset (without one, UTC). Default: everything.",
        examples: ["2026-05-01", "2026-05-01T00:00:00Z"],
        // No `format`: "date-time" would reject the bare date, and the pattern says it all.
        pattern: START_DATE_PATTERN,
        order: 2,
      })
      .transform((text, ctx) => {
        const instant = parseStartDate(text);
        if (instant === undefined) ctx.addIssue({ code: "custom", message: "is not a valid date" });
        return instant ?? z.NEVER;
      })
      .optional(),
    max_concurrency: z.number().int().min(1).max(64).default(8).meta({
      title: "Concurrent requests",
      description: "Most requests in flight per deployment.",
      order: 3,
    }),
    request_timeout_seconds: z.number().int().min(1).max(900).default(60).meta({
      title: "Request timeout (s)",
      description: "Time allowed for one request, connection and body included.",
      order: 4,
    }),
    requests_per_hour: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .meta({
        title: "Requests per hour",
        description:
          "Keep under this many requests per hour per deployment, all its streams together (Bitbucket Cloud allows about 1,000 per token). Default: no limit beyond the server's own.",
        examples: [900],
        order: 5,
      }),
    max_response_mb: z.number().int().min(1).max(1024).default(32).meta({
      title: "Largest response (MB)",
      description:
        "A response body larger than this fails its request (that repository or pull request) without being read, so a misbehaving server or proxy cannot exhaust memory. Bitbucket's pages are well under 10 MB.",
      order: 6,
    }),
    retry: RetryConfig.optional().meta({ order: 7 }),
    shard: ShardConfig.optional().meta({ order: 8 }),
  })
  .meta({ title: "Bitbucket Source Spec" });

export type ParsedConfig = z.output<typeof Config>;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * What is wrong with a CA certificate given as PEM, if anything. Parsed here so that a damaged
 * certificate is a config error naming the field, not a TLS failure that says to set it.
 */
function pemProblem(pem: string): string | undefined {
  const blocks = pem.match(PEM_BLOCK);
  if (!blocks) return "must be PEM text: -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----";
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      const which = blocks.length > 1 ? `certificate ${i + 1} of ${blocks.length}` : "the certificate";
      return `${which} is not a valid X.509 certificate (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return undefined;
}
