/**
 * A process-wide bound on large response bodies being read at once. Each request may buffer up
 * to max_response_mb, and two deployments keep up to 2 x max_concurrency requests in flight: a
 * server answering every one of them with a page just under the limit would hold gigabytes. So
 * a body may grow to `freeBytes` on its own (Bitbucket's pages are well under it), and past that
 * needs one of a few permits, waited for with its socket paused. Permit holders wait on nothing
 * but their own server (and their timeout), so waiting cannot deadlock.
 */
export class BodyBudget {
  private free: number;
  private readonly waiting: { grant: () => void; onAbort: () => void }[] = [];

  constructor(
    readonly freeBytes: number,
    permits: number,
  ) {
    this.free = permits;
  }

  /** Resolves with the permit's release once one is free; rejects when `signal` aborts first. */
  enter(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal.removeEventListener("abort", entry.onAbort);
          resolve(this.releaser());
        },
        onAbort: () => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", entry.onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next)
        next.grant(); // the permit passes straight on
      else this.free++;
    };
  }
}

/** The budget every transport of the process shares: 8 MB free per body, two bodies past it. */
export const LARGE_BODIES = new BodyBudget(8 * 1_048_576, 2);
