import { createHash } from "node:crypto";
import type { Logger } from "../protocol/output.js";
import { compareInstants } from "../streams/timestamps.js";
import type { CloudRepository, CloudSettings } from "./settings.js";

/**
 * `cloud.change_detection: recently_pushed`: which repositories a sync reads when a workspace is
 * too large to read every one each sync (Cloud allows about 1,000 requests an hour). Both Cloud
 * streams use it: the pull-request lists (pullrequest-commits.ts) and the main branches
 * (default-branch-commits.ts). A repository's `updated_on` moves when anything is pushed to it;
 * the repository listing (needed anyway, 100 a page) shows it. A repository is read when:
 * - it was pushed to since it was last read (`updated_on` at or after the server's clock at that
 *   read, `checked_at`, minus a margin; never the largest `updated_on` seen), or
 * - its turn in the rotation has come (`due_in` counts down; a share of about 1 in
 *   `full_sweep_syncs` comes due each sync, spread by a stable hash), or
 * - it has no such record yet (first sync in this mode, a new repository).
 * What moves no `updated_on` (a pull request opened on a branch pushed earlier, declined, or
 * updated from a fork; whatever else Bitbucket does not count as a push) is read at the latest
 * when the repository's turn comes: within `full_sweep_syncs` syncs. Everything is per
 * repository, so an interrupted sync leaves each repository's turn where it was; and a stream
 * keeps the record as it was until a read ends, so the decision that started a read cut short
 * (pushed, due, new) holds again next sync, which resumes it.
 */

/** Pushes this close before the last check count as after it (clocks, and a list not yet showing a push). */
export const PUSH_MARGIN_MS = 15 * 60_000;

export type GateDecision =
  | { read: true; why: "every" | "new" | "pushed" | "due" }
  | { read: false; dueIn: number };

export interface GateState {
  checked_at?: string | undefined;
  due_in?: number | undefined;
}

export function decide(
  s: CloudSettings,
  key: string,
  repo: CloudRepository,
  state: GateState | undefined,
): GateDecision {
  if (s.changeDetection === "every_repository") return { read: true, why: "every" };
  if (state?.checked_at === undefined || repo.updatedOn === undefined) return { read: true, why: "new" };
  const since = new Date(Date.parse(state.checked_at) - PUSH_MARGIN_MS).toISOString();
  if (compareInstants(repo.updatedOn, since) >= 0) return { read: true, why: "pushed" };
  // A turn counted under a larger full_sweep_syncs (lowered since) comes no later than the new K.
  const dueIn = Math.min(state.due_in ?? firstTurn(key, s.fullSweepSyncs), s.fullSweepSyncs);
  return dueIn <= 1 ? { read: true, why: "due" } : { read: false, dueIn: dueIn - 1 };
}

/** The gate's record after a repository was read at `checkedAt` (the server's clock). */
export function afterRead(
  s: CloudSettings,
  key: string,
  state: GateState | undefined,
  checkedAt: number,
): GateState {
  if (s.changeDetection === "every_repository") return {};
  // The first read spreads the turns; later ones keep each repository's place in the rotation.
  const dueIn = state?.checked_at === undefined ? firstTurn(key, s.fullSweepSyncs) : s.fullSweepSyncs;
  return { checked_at: new Date(checkedAt).toISOString(), due_in: dueIn };
}

/** 1..k, the same for a repository every time. */
function firstTurn(key: string, k: number): number {
  return 1 + (createHash("sha1").update(key).digest().readUInt32BE(0) % k);
}

/** What the gate decided in one sync, for its LOG line. */
export class GateTally {
  private readonly counts = { every: 0, new: 0, pushed: 0, due: 0, skipped: 0 };

  /**
   * `what` the stream reads of a repository, `misses` the changes of it that move no `updated_on`
   * (read when the repository's turn comes).
   */
  constructor(
    private readonly stream: string,
    private readonly what: string,
    private readonly misses: string,
  ) {}

  count(d: GateDecision): void {
    if (d.read) this.counts[d.why]++;
    else this.counts.skipped++;
  }

  /** After every repository: the LOG line, with the staleness bound (recently_pushed only). */
  log(logger: Logger, s: CloudSettings): void {
    if (s.changeDetection === "every_repository") return;
    const c = this.counts;
    const read = c.new + c.pushed + c.due;
    logger.info(
      `${this.stream}: change detection recently_pushed: read ${this.what} of ${read} of ${read + c.skipped} repositories (${c.pushed} pushed to since their last read, ${c.due} whose turn in the rotation came, ${c.new} read for the first time); ${this.misses} is read within ${s.fullSweepSyncs} syncs`,
    );
  }
}
