import { CLOUD_PULLREQUEST_COMMITS, CloudPullRequestCommits } from "../cloud/pullrequest-commits.js";
import type { ResolvedConfig } from "../config/load.js";
import { DC_DEFAULT_BRANCH_COMMITS, DcDefaultBranchCommits } from "../datacenter/default-branch-commits.js";
import { HttpClient } from "../http/client.js";
import type { Logger, StreamInfo } from "../protocol/output.js";
import type { Stream } from "../streams/stream.js";

export type DeploymentKind = "cloud" | "data_center";

/** One configured Bitbucket deployment: its HTTP client (one pool) and its stream. */
export interface Deployment {
  kind: DeploymentKind;
  client: HttpClient;
  stream: Stream;
}

/** The stream each deployment offers. */
export const STREAM_OF: Record<DeploymentKind, StreamInfo> = {
  cloud: CLOUD_PULLREQUEST_COMMITS,
  data_center: DC_DEFAULT_BRANCH_COMMITS,
};

/** The deployments a config sets up. */
export function configuredKinds(config: ResolvedConfig): DeploymentKind[] {
  return (Object.keys(STREAM_OF) as DeploymentKind[]).filter(
    (k) => (k === "cloud" ? config.cloud : config.dataCenter) !== undefined,
  );
}

/** Builds a client and a stream per configured deployment. No request is made. */
export function deployments(
  config: ResolvedConfig,
  logger: Logger,
  overrides: { maxRetries?: number } = {},
): Deployment[] {
  const out: Deployment[] = [];
  const common = {
    timeoutMs: config.requestTimeoutMs,
    maxConcurrency: config.maxConcurrency,
    retry: {
      ...config.retry,
      ...(overrides.maxRetries !== undefined
        ? { maxRetries: Math.min(overrides.maxRetries, config.retry.maxRetries) }
        : {}),
    },
    logger,
    ...(config.requestsPerHour ? { requestsPerHour: config.requestsPerHour } : {}),
  };
  if (config.cloud) {
    const client = new HttpClient({
      ...common,
      service: "Bitbucket Cloud",
      baseUrl: config.cloud.apiUrl,
      auth: config.cloud.auth,
    });
    out.push({
      kind: "cloud",
      client,
      stream: new CloudPullRequestCommits(client, config.cloud, config.startDate) as Stream,
    });
  }
  if (config.dataCenter) {
    const dc = config.dataCenter;
    const client = new HttpClient({
      ...common,
      service: "Bitbucket Data Center",
      baseUrl: `${dc.url}/rest/api/1.0`,
      auth: dc.auth,
      ...(dc.caCertificate ? { ca: dc.caCertificate } : {}),
    });
    out.push({
      kind: "data_center",
      client,
      stream: new DcDefaultBranchCommits(client, dc, config.startDate) as Stream,
    });
  }
  return out;
}

export async function closeAll(ds: Deployment[]): Promise<void> {
  await Promise.allSettled(ds.map((d) => d.client.close()));
}
