import { z } from "zod";

/**
 * What both default-branch streams (Data Center and Cloud) need to read a git history exactly,
 * whatever order the server lists commits in, and to recover from rewritten history without
 * losing a commit.
 */

/**
 * The one assumption of the early stop: no commit is committed more than this long after any of
 * its descendants (a clock skew of up to a week between a commit and the commits built on it).
 */
export const CLOCK_SLOP_MS = 7 * 24 * 3600 * 1000;

/** The most frontier commits looked up after a page; with more blocking the stop, reading on is cheaper. */
export const MAX_LOOKUPS = 8;

/**
 * Decides when a walk through a history listed in any order (newest first, date order,
 * topological: a block of old commits of a merged branch may come before newer ones) can stop
 * because nothing still to come can be committed at or after a floor (`start_date`).
 *
 * Every commit reachable from the head that is not listed yet is a parent of a listed commit not
 * listed yet (the frontier), or an ancestor of one: the listed commits are the head plus commits
 * reached from it. Under the assumption above, every such commit is committed no later than
 * (a listed child's commit time + CLOCK_SLOP_MS). So once every frontier commit's bound is
 * before the floor, the rest of the listing is older. The position in the listing is never used.
 *
 * A bad clock can break the assumption. A commit listed later than its bound shows it; from then
 * on this walk never stops early. And the walk stops only after one more page confirms what the
 * frontier says: the commit that breaks the assumption is the parent of one just listed, and in
 * every order a server uses it is listed right after it, so an isolated bad clock is caught.
 */
export class Frontier {
  private readonly listed = new Set<string>();
  private readonly bounds: Map<string, number>;
  private readonly looked = new Set<string>();
  /** False once a listed commit broke the assumption: the walk then reads to its end. */
  trusted = true;
  private armed = false;

  constructor(restored?: Record<string, number>) {
    this.bounds = new Map(Object.entries(restored ?? {}));
  }

  /** A commit as listed: it leaves the frontier, its parents not yet listed join it. */
  see(id: string, committedMs: number, parents: readonly string[]): void {
    const expected = this.bounds.get(id);
    if (expected !== undefined && committedMs > expected) this.trusted = false;
    this.listed.add(id);
    this.bounds.delete(id);
    const bound = committedMs + CLOCK_SLOP_MS;
    for (const p of parents) {
      if (this.listed.has(p)) continue;
      const known = this.bounds.get(p);
      if (known === undefined || bound < known) this.bounds.set(p, bound);
    }
  }

  /**
   * Frontier commits that keep the walk from stopping (bound at or after `floor`) and whose date
   * has not been looked up yet. A late merge of an old branch puts that branch's tip here with
   * the merge's date; listing down to it can mean most of the history, looking it up one request.
   */
  blockers(floor: number): string[] {
    const out: string[] = [];
    for (const [id, b] of this.bounds) if (b >= floor && !this.looked.has(id)) out.push(id);
    return out;
  }

  /** A frontier commit's own commit time, looked up: its ancestors are bounded by it. */
  learn(id: string, committedMs: number): void {
    this.looked.add(id);
    const known = this.bounds.get(id);
    const bound = committedMs + CLOCK_SLOP_MS;
    if (known !== undefined && bound < known) this.bounds.set(id, bound);
  }

  /**
   * Asked after each page: whether the walk may stop now. True when every commit not yet listed
   * is committed before `floor`, and was already so after the previous page.
   */
  mayStop(floor: number): boolean {
    let before = this.trusted;
    for (const b of this.bounds.values()) if (b >= floor) before = false;
    const stop = before && this.armed;
    this.armed = before;
    return stop;
  }

  /** The frontier for a checkpoint, when small enough to carry in a state; else undefined (a resumed walk then reads to the end). */
  save(max = 100): Record<string, number> | undefined {
    return this.trusted && this.bounds.size <= max ? Object.fromEntries(this.bounds) : undefined;
  }
}

/**
 * Older commits known to have their whole history emitted, kept in the partition state beside the
 * head so that a rewrite can be recovered at the cost of what changed. After a force-push the old
 * head may be gone (git prunes unreachable commits about two weeks later, at once on a re-import);
 * then the newest anchor that still exists serves as the lower bound (`since` / `exclude`) instead.
 * Anchors sit at depths of about 4^k below the head, so a rewrite of the last N commits re-reads
 * at most about 4N commits. Any anchor that exists is safe to use, even one on another lineage:
 * what it reaches was emitted, and everything else is read.
 */
export const Anchor = z.object({
  id: z.string().regex(/^[0-9a-fA-F]{7,64}$/),
  depth: z.number().int().min(0),
});
export type Anchor = z.infer<typeof Anchor>;

const DEPTHS = [4, 16, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576];

/** Picks commits to remember during a walk: those at the depths anchors are kept at. */
export class AnchorPicker {
  private readonly chosen: Anchor[];
  private next = 0;
  /** How many commits the walk has listed (the highest position seen, plus one). */
  listed = 0;

  /** `resumed`: what an interrupted walk had picked. */
  constructor(resumed?: readonly Anchor[]) {
    this.chosen = [...(resumed ?? [])];
  }

  /** A commit listed at `position` (0 = the head) of the walk. */
  see(id: string, position: number): void {
    this.listed = Math.max(this.listed, position + 1);
    while (this.next < DEPTHS.length && position > DEPTHS[this.next]!) this.next++;
    if (this.next < DEPTHS.length && position === DEPTHS[this.next]) {
      this.chosen.push({ id, depth: position });
      this.next++;
    }
  }

  /** What this walk picked so far (for a checkpoint). */
  picked(): Anchor[] {
    return [...this.chosen];
  }

  /**
   * The anchors after a walk that listed `listed` commits above the previous head: what this walk
   * picked, then the previous anchors moved down by as much, thinned to one per depth band.
   */
  merge(previous: readonly Anchor[] | undefined, listed: number): Anchor[] {
    const all = [...this.chosen, ...(previous ?? []).map((a) => ({ id: a.id, depth: a.depth + listed }))];
    const out: Anchor[] = [];
    for (const d of DEPTHS) {
      const best = all
        .filter((a) => a.depth >= d && !out.some((o) => o.id === a.id))
        .sort((x, y) => x.depth - y.depth)[0];
      if (best && (out.length === 0 || best.depth > out[out.length - 1]!.depth)) out.push(best);
    }
    return out;
  }
}
