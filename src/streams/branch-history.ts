import { z } from "zod";
import type { Page } from "../http/page.js";
import { PageProgress } from "../http/paginate.js";
import type { JsonObject } from "../protocol/messages.js";
import { batchSize, keepRecords } from "../protocol/records.js";
import { Anchor, AnchorPicker, Frontier, MAX_LOOKUPS } from "./history.js";
import type { PartitionEvent, ReadContext } from "./stream.js";

/**
 * Reading a repository's default branch exactly, shared by the default-branch streams of both
 * deployments (datacenter/default-branch-commits.ts, cloud/default-branch-commits.ts); a stream
 * only says how its server lists commits (BranchServer). What it guarantees:
 * - a full read lists the whole branch; with `start_date`, it stops only when nothing still to
 *   come can be committed since then, whatever order the server lists in (history.ts: Frontier);
 * - an incremental read lists what the last head does not reach (`since` / `exclude`): new
 *   commits only, merged-in old ones included; a switched default branch is followed;
 * - after a rewrite removed the last head, the newest anchor that still exists bounds the re-read
 *   (history.ts: anchors), and only without any is the branch read again in full;
 * - checkpoints between pages, pinned to the head the first page showed, resume a cut read.
 */

/** One commit as the walk needs it, whatever the server's shape. */
export interface HistoryCommit {
  id: string;
  /** Committer time, epoch ms. */
  committedMs: number;
  parents: string[];
}

export type DefaultBranch =
  | { kind: "branch"; id: string; displayId: string; head?: string | undefined }
  | { kind: "empty" }
  | { kind: "missing" };

/** Where a page starts: an offset (Data Center) or a next link (Cloud). */
export type PageStart = number | string;

/** What a server offers a walk. */
export interface BranchServer<T> {
  /** The repository, as messages name it. */
  key: string;
  defaultBranch(): Promise<DefaultBranch>;
  /**
   * The page of `git log <until> ^<since>` at `start` (undefined: the first). Without `until`, the
   * server's default branch as it is now. Throws what `isUnknownCommit` recognises when `since`
   * or `until` does not exist in the repository.
   */
  page(o: {
    since?: string | undefined;
    until?: string | undefined;
    start?: PageStart | undefined;
  }): Promise<{ page: Page<T>; next: PageStart | undefined }>;
  commit(item: T): HistoryCommit;
  /** One commit's committer time (ms), looked up by id: one request. */
  commitTime(id: string): Promise<number>;
  isUnknownCommit(err: unknown): boolean;
  /** The context fields of every record, for a branch's display name. */
  context(displayId: string): JsonObject;
}

const sha = z.string().regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit id");

/**
 * State of one repository.
 * - `branch`, `commit_id`, `committer_timestamp`: the default branch (ref id) and the newest commit
 *   on it whose whole history has been emitted.
 * - `anchors`: older commits whose whole history has been emitted, at depths of about 4^k below
 *   `commit_id`: after a rewrite removed `commit_id`, the newest that still exists bounds the re-read.
 * - `pending`: a read cut short. Commits reachable from `until` (a commit id, so pages are stable)
 *   and not from `since` are being read; those before `start` (an offset or a next link) are
 *   emitted, `listed` of them. `frontier` and `picked` carry the early stop's and the anchors' progress.
 */
export const BranchState = z
  .object({
    branch: z.string().min(1).optional(),
    commit_id: sha.optional(),
    committer_timestamp: z.number().int().optional(),
    anchors: z.array(Anchor).max(32).optional(),
    pending: z
      .object({
        until: sha,
        since: sha.optional(),
        start: z.union([z.number().int().min(0), z.string().min(1)]),
        listed: z.number().int().min(0).optional(),
        branch: z.string().min(1),
        display_id: z.string().min(1),
        head_timestamp: z.number().int(),
        floor: z.number().int().optional(),
        frontier: z.record(z.string(), z.number()).optional(),
        picked: z.array(Anchor).max(32).optional(),
      })
      .refine((p) => p.since !== p.until, { message: "pending.since and pending.until are the same commit" })
      .optional(),
  })
  .refine((s) => (s.commit_id === undefined) === (s.committer_timestamp === undefined), {
    message: "commit_id and committer_timestamp go together",
  });
export type BranchState = z.infer<typeof BranchState>;
type Pending = NonNullable<BranchState["pending"]>;
type Event = PartitionEvent<BranchState>;

/** What one walk over the commit list reads. */
interface Walk {
  /** Lower bound (exclusive): commits it reaches were emitted. */
  since: string | undefined;
  /** A ref or commit for the first page (undefined: the default branch now); every later page is pinned to the head the first page showed. */
  until: string | undefined;
  start: PageStart | undefined;
  listed: number;
  branch: string;
  displayId: string;
  /** Keep only commits committed at or after this (ms): start_date. */
  floor: number | undefined;
  /** Decides when the rest of the listing is all older than `floor` (a full walk with a floor only). */
  frontier: Frontier | undefined;
  head?: { id: string; timestamp: number };
  picked?: Anchor[] | undefined;
  /** Commits known to have their history emitted, to keep as anchors beside the new head. */
  known: Anchor[];
}

/** Reads a repository's default branch from its state (see the top of this file). */
export async function* readBranch<T>(
  server: BranchServer<T>,
  state: BranchState | undefined,
  floor: number | undefined,
  ctx: ReadContext,
): AsyncGenerator<Event> {
  const reader = new BranchReader(server, floor, ctx);
  if (state?.pending) {
    try {
      yield* reader.walk(fromPending(state), state);
      return;
    } catch (err) {
      if (!server.isUnknownCommit(err)) throw err;
      ctx.logger.warn(
        `${server.key}: the interrupted read cannot resume (its commit is gone); reading again`,
      );
      state = withoutPending(state);
      // Said at once: if nothing is new from here, no later checkpoint would drop the stale
      // pending, and every sync would try to resume it again.
      yield { kind: "checkpoint", state };
    }
  }
  if (state === undefined) yield* reader.readAll();
  else yield* reader.readNew(state);
}

class BranchReader<T> {
  constructor(
    private readonly server: BranchServer<T>,
    private readonly floor: number | undefined,
    private readonly ctx: ReadContext,
  ) {}

  /**
   * Incremental: commits on the current default branch that the stored commit does not reach (all
   * of them for a repository that had none last time). One request when nothing changed.
   */
  async *readNew(state: BranchState): AsyncGenerator<Event> {
    const since = state.commit_id;
    let first: Awaited<ReturnType<BranchServer<T>["page"]>>;
    try {
      first = await this.server.page({ since });
    } catch (err) {
      if (!this.server.isUnknownCommit(err)) throw err;
      if (since === undefined) return; // still no default branch
      yield* this.recover(state);
      return;
    }
    if (first.page.count === 0) return; // nothing new
    const found = await this.server.defaultBranch();
    if (found.kind !== "branch") {
      this.ctx.logger.warn(
        `${this.server.key}: new commits appeared but the default branch is ${found.kind}; they are read next sync`,
      );
      return;
    }
    if (state.branch !== undefined && found.id !== state.branch) {
      this.ctx.logger.info(
        `${this.server.key}: the default branch changed from ${state.branch} to ${found.id}; reading its commits that ${since?.slice(0, 11) ?? "the previous read"} did not reach`,
      );
    }
    const walk = this.plan(found, since, undefined, knownAnchors(state));
    yield* this.walk(walk, state, first);
  }

  /**
   * The stored commit is gone: history was rewritten (a force-push, then git's garbage collection
   * or a re-import). The newest anchor that still exists bounds the re-read; every commit of the
   * new history it does not reach is read, so nothing is lost, and what it reaches was emitted.
   * Without any, the whole branch is read again.
   */
  private async *recover(state: BranchState): AsyncGenerator<Event> {
    const found = await this.server.defaultBranch();
    if (found.kind !== "branch") {
      // No branch to compare with now (being renamed, say): what was read stays the cursor.
      this.ctx.logger.warn(
        `${this.server.key}: the default branch is ${found.kind === "empty" ? "empty" : "missing"} now; the state is kept and the branch is read again next sync`,
      );
      return;
    }
    const until = found.head ?? found.id;
    const anchors = state.anchors ?? [];
    const gone = new Set([state.commit_id]);
    for (const anchor of anchors) {
      let first: Awaited<ReturnType<BranchServer<T>["page"]>>;
      try {
        first = await this.server.page({ since: anchor.id, until });
      } catch (err) {
        if (!this.server.isUnknownCommit(err)) throw err;
        gone.add(anchor.id);
        continue;
      }
      this.ctx.logger.warn(
        `${this.server.key}: commit ${state.commit_id} is no longer in the repository (history rewritten, e.g. a force-push); reading what the older commit ${anchor.id.slice(0, 11)} (about ${anchor.depth} commits below it) does not reach; commits between the two may be emitted again`,
      );
      const known = knownAnchors(state).filter((a) => !gone.has(a.id));
      if (first.page.count === 0) {
        yield* this.resetTo(found, until, known);
        return;
      }
      yield* this.walk(this.plan(found, anchor.id, until, known), withoutPending(state), first);
      return;
    }
    this.ctx.logger.warn(
      `${this.server.key}: commit ${state.commit_id} is no longer in the repository (history rewritten, e.g. a force-push), and none of the ${anchors.length} older commits kept in the state exists either; reading the whole default branch again (its commits already emitted are emitted again)`,
    );
    yield* this.readAll(found);
  }

  /** The anchor reaches the new head (a reset to an older commit): nothing is new; the head moves. */
  private async *resetTo(
    found: Extract<DefaultBranch, { kind: "branch" }>,
    until: string,
    known: Anchor[],
  ): AsyncGenerator<Event> {
    const { page } = await this.server.page({ until });
    const top = page.items(0, Math.min(1, page.count))[0];
    if (!top) return;
    const head = this.server.commit(top);
    yield {
      kind: "checkpoint",
      state: { branch: found.id, commit_id: head.id, committer_timestamp: head.committedMs, anchors: known },
    };
  }

  /** Full read of the default branch, from start_date when set. */
  async *readAll(resolved?: DefaultBranch): AsyncGenerator<Event> {
    const key = this.server.key;
    const found = resolved ?? (await this.server.defaultBranch());
    if (found.kind === "empty") {
      this.ctx.logger.info(`${key}: empty repository, skipped (its commits are read once it has some)`);
      yield { kind: "checkpoint", state: {} };
      return;
    }
    if (found.kind === "missing") {
      this.ctx.logger.warn(
        `${key}: skipped: its default branch does not exist (set one in the repository settings)`,
      );
      yield { kind: "checkpoint", state: {} };
      return;
    }
    // Listed by name (the server gave no head commit), an unknown commit before anything came
    // means the branch has none. Otherwise it is a failure of this read (a page token refused,
    // history collected mid-read): the partition fails and keeps its last checkpoint, rather than
    // end as if the branch had been read whole.
    let isFailure = found.head !== undefined;
    try {
      for await (const event of this.walk(
        this.plan(found, undefined, found.head ?? found.id, []),
        undefined,
      )) {
        isFailure = true;
        yield event;
      }
    } catch (err) {
      if (isFailure || !this.server.isUnknownCommit(err)) throw err;
      this.ctx.logger.warn(`${key}: skipped: the default branch ${found.displayId} has no commits`);
      yield { kind: "checkpoint", state: {} };
    }
  }

  private lookUp(frontier: Frontier, floor: number): Promise<void> {
    return lookUpBlockers(this.server as BranchServer<unknown>, frontier, floor);
  }

  private plan(
    found: Extract<DefaultBranch, { kind: "branch" }>,
    since: string | undefined,
    until: string | undefined,
    known: Anchor[],
  ): Walk {
    const floor = this.floor;
    return {
      since,
      until,
      start: undefined,
      listed: 0,
      branch: found.id,
      displayId: found.displayId,
      floor,
      frontier: since === undefined && floor !== undefined ? new Frontier() : undefined,
      known,
    };
  }

  /**
   * Pages through the commits, pinned to the head commit of the first page, checkpointing between
   * pages; ends with the head as the repository's cursor and fresh anchors. With a floor and no
   * lower bound, it stops once the frontier says the rest is older.
   */
  async *walk(
    plan: Walk,
    prior: BranchState | undefined,
    firstPage?: Awaited<ReturnType<BranchServer<T>["page"]>>,
  ): AsyncGenerator<Event> {
    const base: BranchState = prior ? withoutPending(prior) : {};
    const context = this.server.context(plan.displayId);
    const progress = new PageProgress(`commits of ${this.server.key}`);
    const picker = new AnchorPicker(plan.picked);
    const { floor, frontier } = plan;
    let head = plan.head;
    let start = plan.start;
    let position = plan.listed;
    let first = firstPage;
    for (let more = true; more; ) {
      const at =
        first ?? (await this.server.page({ since: plan.since, until: head?.id ?? plan.until, start }));
      first = undefined;
      progress.check(at.page);
      let keptOnPage = 0;
      for (const { items, records } of at.page.batches(context)) {
        const commits = items.map((it) => this.server.commit(it));
        if (!head && commits[0]) head = { id: commits[0].id, timestamp: commits[0].committedMs };
        for (const c of commits) {
          picker.see(c.id, position++);
          frontier?.see(c.id, c.committedMs, c.parents);
        }
        const kept =
          floor === undefined ? records : keepRecords(records, (i) => commits[i]!.committedMs >= floor);
        keptOnPage += batchSize(kept);
        if (batchSize(kept) > 0) yield { kind: "records", batch: kept };
      }
      if (!head) return; // nothing reachable: leave the state as it was
      // Past the floor, a few frontier commits (old branches merged late) may be all that keeps
      // the walk going: learning their dates costs a request each, listing down to them pages.
      if (frontier && floor !== undefined && keptOnPage === 0) await this.lookUp(frontier, floor);
      start = at.next;
      more = start !== undefined && !(frontier && floor !== undefined && frontier.mayStop(floor));
      if (more && at.page.count > 0)
        yield {
          kind: "checkpoint",
          state: { ...base, pending: pendingOf(plan, head, start!, position, frontier, picker) },
        };
    }
    if (head) {
      yield {
        kind: "checkpoint",
        state: {
          branch: plan.branch,
          commit_id: head.id,
          committer_timestamp: head.timestamp,
          anchors: picker.merge(plan.known, picker.listed),
        },
      };
    }
  }
}

/** Looks up the dates of the frontier commits that block the stop, when they are few. */
async function lookUpBlockers(
  server: BranchServer<unknown>,
  frontier: Frontier,
  floor: number,
): Promise<void> {
  const blockers = frontier.blockers(floor);
  if (blockers.length > MAX_LOOKUPS) return;
  for (const id of blockers) {
    try {
      frontier.learn(id, await server.commitTime(id));
    } catch (err) {
      if (!server.isUnknownCommit(err)) throw err; // gone since it was listed: the walk reads on
    }
  }
}

function pendingOf(
  plan: Walk,
  head: { id: string; timestamp: number },
  start: PageStart,
  listed: number,
  frontier: Frontier | undefined,
  picker: AnchorPicker,
): Pending {
  const saved = frontier?.save();
  return {
    until: head.id,
    start,
    listed,
    branch: plan.branch,
    display_id: plan.displayId,
    head_timestamp: head.timestamp,
    ...(plan.since ? { since: plan.since } : {}),
    ...(plan.floor !== undefined ? { floor: plan.floor } : {}),
    ...(saved ? { frontier: saved } : {}),
    picked: picker.picked(),
  };
}

/** The stored head and anchors: commits whose whole history was emitted. */
function knownAnchors(state: BranchState): Anchor[] {
  const head = state.commit_id ? [{ id: state.commit_id, depth: 0 }] : [];
  return [...head, ...(state.anchors ?? [])];
}

function fromPending(state: BranchState): Walk {
  const p = state.pending!;
  // A walk with a floor and no lower bound stops early only with its saved frontier; a frontier
  // too large to save means reading to the end.
  const frontier =
    p.since === undefined && p.floor !== undefined && p.frontier ? new Frontier(p.frontier) : undefined;
  return {
    since: p.since,
    until: p.until,
    start: p.start,
    listed: p.listed ?? (typeof p.start === "number" ? p.start : 0),
    branch: p.branch,
    displayId: p.display_id,
    floor: p.floor,
    frontier,
    head: { id: p.until, timestamp: p.head_timestamp },
    picked: p.picked,
    known: knownAnchors(withoutPending(state)),
  };
}

function withoutPending(s: BranchState): BranchState {
  const { pending: _pending, ...rest } = s;
  return rest;
}
