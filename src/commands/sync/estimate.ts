import type { Stream } from "../../streams/stream.js";

/** How often a running stream logs how much is left. */
export const ESTIMATE_INTERVAL_MS = 5 * 60_000;

/**
 * How many requests a stream still needs, for a first sync that outlasts an hour of Bitbucket
 * Cloud's request budget: what its started partitions say they still need (the Cloud pull-request
 * stream knows the pull requests it listed), plus the partitions not started yet at the average
 * cost of those started. While the listing runs, the partition count is a lower bound.
 */
export class WorkEstimate {
  found = 0;
  started = 0;
  listed = false;

  constructor(
    private readonly stream: Stream,
    private readonly requests: () => number,
  ) {}

  remaining(): number {
    const made = this.requests();
    const perPartition = this.started > 0 ? made / this.started : 1;
    const inside = this.stream.pendingRequests?.() ?? 0;
    return Math.round(inside + (this.found - this.started) * Math.max(1, perPartition));
  }

  /** A sentence: `340 of 1,000 repositories started, about 12,400 requests to go; at ... about 13.8 h`. */
  describe(requestsPerHour: number | undefined): string {
    const left = this.remaining();
    const total = `${this.found.toLocaleString("en-US")}${this.listed ? "" : "+"}`;
    const at = requestsPerHour
      ? `; at requests_per_hour ${requestsPerHour.toLocaleString("en-US")}, about ${hours(left / requestsPerHour)}`
      : "";
    return `${this.started.toLocaleString("en-US")} of ${total} repositories started, about ${left.toLocaleString("en-US")} requests to go${this.listed ? "" : " (more as the listing goes on)"}${at}`;
  }
}

function hours(h: number): string {
  return h < 1 ? `${Math.max(1, Math.round(h * 60))} min` : `${h.toFixed(1)} h`;
}
