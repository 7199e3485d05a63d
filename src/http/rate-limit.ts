import { ConnectorError } from "../errors.js";
import type { Logger } from "../protocol/output.js";
import { formatMs, sleep } from "./backoff.js";
import type { RetrySettings } from "./settings.js";

const MAX_STEP_MS = 10 * 60_000;
/** The shortest pause after a 429, whatever Retry-After says. */
const MIN_WAIT_MS = 100;

/**
 * The deployment's shared pause after a 429: every request of the deployment waits, not just the
 * one that got it, since the budget is the token's. With Retry-After the pause lasts that long
 * (at least the first backoff, so that `Retry-After: 0` cannot make a tight loop); without it (on
 * Bitbucket Cloud: the hourly budget is spent) it lasts a step that doubles while 429s go on, up
 * to 10 minutes. The total wait of a sync is capped by retry.max_rate_limit_wait_seconds.
 */
export class RateLimitPause {
  waitedMs = 0;
  hits = 0;
  private resumeAt = 0;
  /** How many pauses have begun: a request in flight when one began is covered by it. */
  private pauses = 0;
  private stepMs: number;

  constructor(
    private readonly retry: RetrySettings,
    private readonly service: string,
    private readonly logger: Logger,
    private readonly onPause: (resumeAt: number) => void,
  ) {
    this.stepMs = retry.rateLimitStepMs;
  }

  /** Waits out a running pause. */
  async wait(signal: AbortSignal): Promise<void> {
    const wait = this.resumeAt - Date.now();
    if (wait > 0) await sleep(wait, signal);
  }

  /** Whether a pause is running now. */
  get running(): boolean {
    return this.resumeAt > Date.now();
  }

  /** What a request notes when it starts, to tell later whether a pause already covers it. */
  mark(): { startedAt: number; pauses: number } {
    return { startedAt: Date.now(), pauses: this.pauses };
  }

  /** A success: the next pause without Retry-After starts from the first step again. */
  succeeded(): void {
    this.stepMs = this.retry.rateLimitStepMs;
  }

  /** A 429 to `path`. Throws `rate_limited` once waiting more would pass the sync's allowance. */
  hit(retryAfterMs: number | undefined, mark: { startedAt: number; pauses: number }, path: string): void {
    this.hits++;
    const now = Date.now();
    // 429s of requests that were in flight when a pause began belong to that pause.
    if (now < this.resumeAt && mark.pauses < this.pauses) return;
    let wait: number;
    let why: string;
    if (retryAfterMs !== undefined) {
      wait = Math.max(retryAfterMs, this.retry.initialBackoffMs, MIN_WAIT_MS);
      why = `Retry-After ${formatMs(retryAfterMs)}`;
    } else {
      wait = this.stepMs;
      if (mark.startedAt >= this.resumeAt) this.stepMs = Math.min(this.stepMs * 2, MAX_STEP_MS);
      why = "no usable Retry-After, so the hourly request budget is probably spent";
    }
    const resumeAt = now + wait;
    if (resumeAt <= this.resumeAt) return; // a pause that covers this one is already running
    const added = resumeAt - Math.max(now, this.resumeAt);
    if (this.waitedMs + added > this.retry.maxRateLimitWaitMs) {
      throw new ConnectorError(
        "rate_limited",
        `${this.service} kept answering 429 Too Many Requests (last to GET ${path}) after ${formatMs(this.waitedMs)} of waiting in this sync; waiting ${formatMs(added)} more would pass retry.max_rate_limit_wait_seconds (${formatMs(this.retry.maxRateLimitWaitMs)}). Run the sync later, set requests_per_hour below your budget, or allow a longer wait.`,
        { failureType: "transient_error", scope: "stream" },
      );
    }
    this.waitedMs += added;
    this.resumeAt = resumeAt;
    this.pauses++;
    this.logger.warn(
      `${this.service} answered 429 Too Many Requests (${why}); pausing all requests for ${formatMs(wait)}, until ${new Date(resumeAt).toISOString()}`,
    );
    this.onPause(resumeAt);
  }
}
