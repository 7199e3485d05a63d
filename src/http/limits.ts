import { sleep } from "./backoff.js";

/** Bounds how many requests are in flight at once (FIFO, so no request starves). */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.capacity) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
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
