import { ConnectorError, type ErrorCode } from "../errors.js";
import { formatMs } from "./backoff.js";

/** Fewest failed attempts, and distinct paths among them, before an outage is declared. */
const MIN_FAILURES = 5;
const MIN_PATHS = 2;

/**
 * Tells a server that is down from one request that keeps failing. Every attempt that fails
 * transiently (5xx, timeout, reset, a malformed body) counts; any answer that shows the server
 * working (a 2xx, or a 4xx that it means) clears the count. When failures have come for
 * `outageMs` without a healthy answer, at least MIN_FAILURES of them on MIN_PATHS different
 * paths, the deployment is declared down: its streams stop starting new work and end with a
 * transient error, in bounded time whatever the number of repositories, instead of every
 * repository spending its own retries.
 */
export class OutageBreaker {
  private lastHealthyAt: number;
  private failures = 0;
  private readonly paths = new Set<string>();

  constructor(
    private readonly outageMs: number,
    private readonly where: string,
    now: number = Date.now(),
  ) {
    this.lastHealthyAt = now;
  }

  healthy(now: number = Date.now()): void {
    this.lastHealthyAt = now;
    this.failures = 0;
    this.paths.clear();
  }

  /** Counts a failed attempt; returns the error that ends the deployment when this one trips it. */
  failed(
    path: string,
    code: ErrorCode,
    reason: string,
    now: number = Date.now(),
  ): ConnectorError | undefined {
    this.failures++;
    if (this.paths.size < 64) this.paths.add(path);
    const down = now - this.lastHealthyAt;
    if (down < this.outageMs || this.failures < MIN_FAILURES || this.paths.size < MIN_PATHS) return undefined;
    return new ConnectorError(
      code,
      `${this.where} looks down: every request for ${formatMs(down)} failed (${this.failures} failed attempts on ${this.paths.size}${this.paths.size >= 64 ? "+" : ""} different paths, the last with ${reason}); its last healthy answer was at ${new Date(this.lastHealthyAt).toISOString()}. No new work was started after that; the next sync resumes from the last STATE. retry.outage_seconds sets how long an outage is waited out.`,
      { failureType: "transient_error", scope: "stream" },
    );
  }
}
