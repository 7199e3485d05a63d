// Rolling-window request budget per credential (Bitbucket Cloud counts per user/token per hour).
// Uses the real clock: it limits real requests, unlike the seeded data.

export class RollingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 3_600_000,
  ) {}

  /** Records a request and says whether it is within the budget (rejected requests are not counted). */
  tryTake(key: string, nowMs = Date.now()): boolean {
    let list = this.hits.get(key);
    if (!list) {
      list = [];
      this.hits.set(key, list);
    }
    let drop = 0;
    while (drop < list.length && (list[drop] ?? 0) <= nowMs - this.windowMs) drop++;
    if (drop > 0) list.splice(0, drop);
    if (list.length >= this.limit) return false;
    list.push(nowMs);
    return true;
  }
}
