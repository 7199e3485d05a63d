import { sleep } from "./backoff.js";

/** Bounds how many requests are in flight at once (FIFO, so no request starves). */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  /** A slot; waiting for one ends with the signal's reason when it aborts (a stream that stopped). */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.capacity) {
      this.active++;
      return;
    }
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const granted = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(granted);
        if (i < 0) return; // granted already: the caller releases it
        this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      this.waiting.push(granted);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}

/**
 * Spaces request starts evenly so that no more than `perHour` start in any hour: the user's
 * own budget (e.g. under Bitbucket Cloud's ~1,000 per hour) or a small server's protection.
 */
export class RequestPacer {
  private nextAt = 0;
  private readonly intervalMs: number;

  constructor(perHour: number) {
    this.intervalMs = 3_600_000 / perHour;
  }

  /** Resolves when the next request may start; returns how long it waited. */
  async take(now: () => number = Date.now, signal?: AbortSignal): Promise<number> {
    const t = now();
    const at = Math.max(t, this.nextAt);
    this.nextAt = at + this.intervalMs;
    const wait = at - t;
    if (wait > 0) await sleep(wait, signal);
    return wait;
  }
}
