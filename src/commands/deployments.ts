import { HttpClient, type RequestScope } from "../http/client.js";
import type { Logger } from "../protocol/output.js";
import type { DeploymentKey, StreamEnv } from "../streams/definition.js";
import { DEPLOYMENT_KEYS, deploymentGroup } from "../streams/registry.js";
import { SharedListing } from "../streams/shared-listing.js";
import type { Stream } from "../streams/stream.js";
import type { ConnectorSettings } from "./settings.js";

/**
 * One configured deployment, opened for a command: one HTTP client (its connection pool,
 * concurrency bound, request budget, 429 pause and outage breaker, shared by all its streams), the
 * repository listing its streams share, and those of its streams the command wants.
 */
export interface OpenDeployment {
  key: DeploymentKey;
  title: string;
  client: HttpClient;
  /** The streams of this deployment the command wants, created. */
  streams: Stream[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Which streams to create (by name); default none (check probes through the definitions). */
  wanted?: (name: string) => boolean;
  /** Fewer retries (check: a user waits for the answer). */
  maxRetries?: number;
}

/** The deployments the settings configure, in registry order. No request is made. */
export function openDeployments(
  settings: ConnectorSettings,
  logger: Logger,
  opts: OpenOptions = {},
): OpenDeployment[] {
  return DEPLOYMENT_KEYS.flatMap((key) => {
    const d = open(key, settings, logger, opts);
    return d ? [d] : [];
  });
}

function open<K extends DeploymentKey>(
  key: K,
  settings: ConnectorSettings,
  logger: Logger,
  opts: OpenOptions,
): OpenDeployment | undefined {
  const s = settings.deployments[key];
  if (s === undefined) return undefined;
  const { deployment, streams } = deploymentGroup(key);
  const retry = { ...settings.http.retry };
  if (opts.maxRetries !== undefined) retry.maxRetries = Math.min(opts.maxRetries, retry.maxRetries);
  const client = new HttpClient(
    { ...settings.http, retry, service: deployment.title, ...deployment.server(s) },
    logger,
  );
  let listingScope: RequestScope | undefined;
  const listing = new SharedListing(() => {
    listingScope = client.scope();
    return deployment.repositories(listingScope, s);
  });
  const env: StreamEnv<K> = {
    settings: s,
    startDate: settings.startDate,
    repositories: () => listing.consume(),
    repositoryKey: (r) => deployment.repositoryKey(r),
    repositoryGone: deployment.repositoryGone(s),
  };
  const wanted = opts.wanted ?? (() => false);
  return {
    key,
    title: deployment.title,
    client,
    streams: streams.filter((d) => wanted(d.info.name)).map((d) => d.create(env)),
    async close() {
      listingScope?.release();
      await listing.close().catch(() => undefined);
      await client.close();
    },
  };
}

export async function closeAll(ds: OpenDeployment[]): Promise<void> {
  await Promise.allSettled(ds.map((d) => d.close()));
}
