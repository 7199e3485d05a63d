/**
 * What the HTTP layer needs to know, defined here so that it depends on no layer above it; the
 * config layer fills these in from the user's config.
 */
export type Auth = { kind: "bearer"; token: string } | { kind: "basic"; username: string; password: string };

export interface RetrySettings {
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  rateLimitStepMs: number;
  maxRateLimitWaitMs: number;
}

/** Settings shared by every client of a deployment's server. */
export interface ClientSettings {
  timeoutMs: number;
  maxConcurrency: number;
  requestsPerHour?: number | undefined;
  retry: RetrySettings;
  /** Largest response body accepted; a bigger one fails its request without being read. */
  maxResponseBytes: number;
  /** How long every request may fail (no healthy answer in between) before the deployment counts as down. */
  outageMs: number;
}

/** One deployment's server: where it is, how to authenticate, and its settings. */
export interface ServerSettings extends ClientSettings {
  /** "Bitbucket Cloud" or "Bitbucket Data Center": names the server in messages. */
  service: string;
  baseUrl: string;
  auth: Auth;
  /** Extra trusted CA certificates (PEM), added to the system's and NODE_EXTRA_CA_CERTS'. */
  ca?: string | undefined;
}
