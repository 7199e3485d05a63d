// The simulated clock. Data must not depend on the wall clock (same seed => byte-identical data),
// so the simulator's "now" starts at a fixed instant and only moves when a mutation happens.

/** 2026-06-01T00:00:00Z: every seeded timestamp lies before it. */
export const SIM_EPOCH_MS = Date.UTC(2026, 5, 1, 0, 0, 0);

export class SimClock {
  private current = SIM_EPOCH_MS;

  /** Current simulated time in epoch milliseconds (always a whole second). */
  nowMs(): number {
    return this.current;
  }

  /**
   * Moves the clock forward by `seconds` (at least 1) and returns the instant the mutation started
   * from, so a mutation creating n things can stamp them start+1s ... start+n s, all strictly later
   * than anything before.
   */
  advance(seconds: number): number {
    const start = this.current;
    this.current += Math.max(1, Math.floor(seconds)) * 1000;
    return start;
  }
}
