import { z } from "zod";
import { schema } from "../generated/dc_default_branch_commits.js";
import { HttpError } from "../http/errors.js";
import { type DcPageAt, itemBytes, PageProgress } from "../http/paginate.js";
import type { JsonObject } from "../protocol/messages.js";
import { batchSize, keepRecords } from "../protocol/records.js";
import type { StreamDefinition, StreamEnv } from "../streams/definition.js";
import { Anchor, AnchorPicker, Frontier } from "../streams/history.js";
import type { ErrorCase, PartitionEvent, ReadContext, Stream } from "../streams/stream.js";
import {
  commitPage,
  type DefaultBranch,
  DefaultBranchResolver,
  isNoSuchCommit,
  isRepositoryGone,
} from "./api.js";
import { DATA_CENTER } from "./deployment.js";
import type { Commit } from "./payloads.js";
import type { DcRepository, DcSettings } from "./settings.js";

const sha = z.string().regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit id");

/**
 * State of one repository.
 * - `branch`, `commit_id`, `committer_timestamp`: the default branch (ref id) and the newest commit
 *   on it whose whole history has been emitted.
 * - `anchors`: older commits whose whole history has been emitted, at depths of about 4^k below
 *   `commit_id`: after a rewrite removed `commit_id`, the newest that still exists bounds the re-read.
 * - `pending`: a read cut short. Commits reachable from `until` (a commit id, so offsets are stable)
 *   and not from `since` are being read; those before offset `start` are emitted. `frontier` and
 *   `picked` carry the early stop's and the anchors' progress.
 */
export const DcBranchState = z
  .object({
    branch: z.string().min(1).optional(),
    commit_id: sha.optional(),
    committer_timestamp: z.number().int().optional(),
    anchors: z.array(Anchor).max(32).optional(),
    pending: z
      .object({
        until: sha,
        since: sha.optional(),
        start: z.number().int().min(0),
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
export type DcBranchState = z.infer<typeof DcBranchState>;
type Pending = NonNullable<DcBranchState["pending"]>;

/** What one walk over the commit list reads. */
interface Walk {
  /** Lower bound (exclusive): commits it reaches were emitted. */
  since: string | undefined;
  /** A ref or commit for the first page; every later page is pinned to the head commit it showed. */
  until: string | undefined;
  start: number;
  branch: string;
  displayId: string;
  /** Keep only commits committed at or after this (ms): start_date. */
  floor: number | undefined;
  /** Decides when the rest of the listing is all older than `floor` (a full walk with a floor only). */
  frontier: Frontier | undefined;
  head?: { id: string; timestamp: number };
  picked?: Anchor[];
  /** Commits known to have their history emitted, to keep as anchors beside the new head. */
  known: Anchor[];
}

const NAME = "dc_default_branch_commits";

/** A listed repository deleted or renamed since the listing (one named in the config stays an error). */
export const listedDcRepositoryGone = (s: DcSettings): ErrorCase => ({
  when: "a listed repository answers 404 NoSuchRepositoryException (deleted or renamed since the listing)",
  test: (err) => s.repositories === undefined && isRepositoryGone(err),
  means: "gone",
});

/**
 * `dc_default_branch_commits`: every commit on the default branch of every repository of a Data
 * Center instance. Partition: a repository. Incremental: `since=<last commit>` lists only what it
 * does not reach, on the server's current default branch (so a switched default branch is
 * followed), in whatever order the server lists commits.
 */
class DcDefaultBranchCommits implements Stream<DcRepository, DcBranchState> {
  readonly info = DC_DEFAULT_BRANCH_COMMITS.info;
  readonly partitionState = DcBranchState;
  readonly errorCases: ErrorCase[];
  private readonly branches = new DefaultBranchResolver();

  constructor(private readonly env: StreamEnv<"data_center">) {
    this.errorCases = [listedDcRepositoryGone(env.settings)];
  }

  partitions(): AsyncIterable<DcRepository> {
    return this.env.repositories();
  }

  partitionKey(r: DcRepository): string {
    return this.env.repositoryKey(r);
  }

  async *read(
    repo: DcRepository,
    state: DcBranchState | undefined,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<DcBranchState>> {
    if (state?.pending) {
      try {
        yield* this.walk(repo, fromPending(state), state, ctx);
        return;
      } catch (err) {
        if (!isNoSuchCommit(err)) throw err;
        ctx.logger.warn(
          `${this.partitionKey(repo)}: the interrupted read cannot resume (${err.detail.message ?? "commit gone"}); reading again`,
        );
        state = withoutPending(state);
      }
    }
    if (state === undefined) yield* this.readAll(repo, ctx);
    else yield* this.readNew(repo, state, ctx);
  }

  /**
   * Incremental: commits on the current default branch that the stored commit does not reach (all
   * of them for a repository that had none last time). One request when nothing changed.
   */
  private async *readNew(
    repo: DcRepository,
    state: DcBranchState,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<DcBranchState>> {
    const since = state.commit_id;
    let first: DcPageAt<Commit>;
    try {
      // No `until`: the server's default branch as it is now, so a switched default branch is read too.
      first = await commitPage(ctx.client, repo, { since, start: 0 });
    } catch (err) {
      if (!isNoSuchCommit(err)) throw err;
      if (since === undefined) return; // still no default branch
      yield* this.recover(repo, state, ctx);
      return;
    }
    if (first.page.count === 0) return; // nothing new
    const found = await this.branches.resolve(ctx.client, repo);
    if (found.kind !== "branch") {
      ctx.logger.warn(
        `${this.partitionKey(repo)}: new commits appeared but the default branch is ${found.kind}; they are read next sync`,
      );
      return;
    }
    const { branch } = found;
    if (state.branch !== undefined && branch.id !== state.branch) {
      ctx.logger.info(
        `${this.partitionKey(repo)}: the default branch changed from ${state.branch} to ${branch.id}; reading its commits that ${since?.slice(0, 11) ?? "the previous read"} did not reach`,
      );
    }
    const known = knownAnchors(state);
    const floor = this.env.startDate?.getTime();
    const walk: Walk = {
      since,
      until: undefined,
      start: 0,
      branch: branch.id,
      displayId: branch.displayId,
      known,
      floor,
      frontier: since ? undefined : frontierFor(floor),
    };
    yield* this.walk(repo, walk, state, ctx, first);
  }

  /**
   * The stored commit is gone: history was rewritten (a force-push, then git's garbage collection
   * or a re-import). The newest anchor that still exists bounds the re-read; every commit of the
   * new history it does not reach is read, so nothing is lost, and what it reaches was emitted.
   * Without any, the whole branch is read again.
   */
  private async *recover(
    repo: DcRepository,
    state: DcBranchState,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<DcBranchState>> {
    const key = this.partitionKey(repo);
    const found = await this.branches.resolve(ctx.client, repo);
    if (found.kind !== "branch") {
      yield* this.readAll(repo, ctx, found);
      return;
    }
    const { branch } = found;
    const until = branch.latestCommit ?? branch.id;
    const anchors = state.anchors ?? [];
    const gone = new Set([state.commit_id]);
    for (const anchor of anchors) {
      let first: DcPageAt<Commit>;
      try {
        first = await commitPage(ctx.client, repo, { since: anchor.id, until, start: 0 });
      } catch (err) {
        if (!isNoSuchCommit(err)) throw err;
        gone.add(anchor.id);
        continue;
      }
      ctx.logger.warn(
        `${key}: commit ${state.commit_id} is no longer in the repository (history rewritten, e.g. a force-push); reading what the older commit ${anchor.id.slice(0, 11)} (about ${anchor.depth} commits below it) does not reach; commits between the two may be emitted again`,
      );
      const known = knownAnchors(state).filter((a) => !gone.has(a.id));
      const floor = this.env.startDate?.getTime();
      if (first.page.count === 0) {
        // The anchor reaches the new head (a reset to an older commit): nothing is new.
        const head = (await commitPage(ctx.client, repo, { until, start: 0, limit: 1 })).page.items(0, 1)[0];
        if (head)
          yield {
            kind: "checkpoint",
            state: {
              branch: branch.id,
              commit_id: head.id,
              committer_timestamp: head.committerTimestamp,
              anchors: known,
            },
          };
        return;
      }
      yield* this.walk(
        repo,
        {
          since: anchor.id,
          until,
          start: 0,
          branch: branch.id,
          displayId: branch.displayId,
          known,
          floor,
          frontier: undefined,
        },
        withoutPending(state),
        ctx,
        first,
      );
      return;
    }
    ctx.logger.warn(
      `${key}: commit ${state.commit_id} is no longer in the repository (history rewritten, e.g. a force-push), and none of the ${anchors.length} older commits kept in the state exists either; reading the whole default branch again (its commits already emitted are emitted again)`,
    );
    yield* this.readAll(repo, ctx, found);
  }

  /** Full read of the default branch, from start_date when set. */
  private async *readAll(
    repo: DcRepository,
    ctx: ReadContext,
    resolved?: DefaultBranch,
  ): AsyncGenerator<PartitionEvent<DcBranchState>> {
    const key = this.partitionKey(repo);
    const found = resolved ?? (await this.branches.resolve(ctx.client, repo));
    if (found.kind === "empty") {
      ctx.logger.info(`${key}: empty repository, skipped (its commits are read once it has some)`);
      yield { kind: "checkpoint", state: {} };
      return;
    }
    if (found.kind === "missing") {
      ctx.logger.warn(
        `${key}: skipped: its default branch does not exist (set one in the repository settings)`,
      );
      yield { kind: "checkpoint", state: {} };
      return;
    }
    const { branch } = found;
    const floor = this.env.startDate?.getTime();
    try {
      yield* this.walk(
        repo,
        {
          since: undefined,
          until: branch.latestCommit ?? branch.id,
          start: 0,
          branch: branch.id,
          displayId: branch.displayId,
          known: [],
          floor,
          frontier: frontierFor(floor),
        },
        undefined,
        ctx,
      );
    } catch (err) {
      if (!isNoSuchCommit(err)) throw err;
      ctx.logger.warn(
        `${key}: skipped: the default branch ${branch.displayId} has no commits (${err.detail.message ?? "not found"})`,
      );
      yield { kind: "checkpoint", state: {} };
    }
  }

  /**
   * Pages through the commits, pinned to the head commit of the first page, checkpointing between
   * pages; ends with the head as the repository's cursor and fresh anchors. With a floor and no
   * lower bound, it stops once the frontier says the rest is older (streams/history.ts).
   */
  private async *walk(
    repo: DcRepository,
    plan: Walk,
    prior: DcBranchState | undefined,
    ctx: ReadContext,
    firstPage?: DcPageAt<Commit>,
  ): AsyncGenerator<PartitionEvent<DcBranchState>> {
    const base: DcBranchState = prior ? withoutPending(prior) : {};
    const context: JsonObject = { project_key: repo.project, repo_slug: repo.slug, branch: plan.displayId };
    const progress = new PageProgress(`Bitbucket Data Center commits of ${this.partitionKey(repo)}`);
    const picker = new AnchorPicker(plan.picked);
    const { floor, frontier } = plan;
    let head = plan.head;
    let start: number | undefined = plan.start;
    let page = firstPage;
    while (start !== undefined) {
      const at: DcPageAt<Commit> =
        page ??
        (await commitPage(ctx.client, repo, { since: plan.since, until: head?.id ?? plan.until, start }));
      page = undefined;
      progress.check(at.page, (i) => itemBytes(at.page, i));
      let position = at.start;
      for (const { items, records } of at.page.batches(context)) {
        const top = items[0];
        if (!head && top) head = { id: top.id, timestamp: top.committerTimestamp };
        for (const c of items) {
          picker.see(c.id, position++);
          frontier?.see(
            c.id,
            c.committerTimestamp,
            (c.parents ?? []).map((p) => p.id),
          );
        }
        const kept =
          floor === undefined ? records : keepRecords(records, (i) => items[i]!.committerTimestamp >= floor);
        if (batchSize(kept) > 0) yield { kind: "records", batch: kept };
      }
      if (!head) return; // nothing reachable: leave the state as it was
      start = frontier && floor !== undefined && frontier.mayStop(floor) ? undefined : at.nextStart;
      if (start !== undefined && at.page.count > 0) {
        const saved = frontier?.save();
        const pending: Pending = {
          until: head.id,
          start,
          branch: plan.branch,
          display_id: plan.displayId,
          head_timestamp: head.timestamp,
          ...(plan.since ? { since: plan.since } : {}),
          ...(floor !== undefined ? { floor } : {}),
          ...(saved ? { frontier: saved } : {}),
          picked: picker.picked(),
        };
        yield { kind: "checkpoint", state: { ...base, pending } };
      }
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

/** A frontier for a full walk with a floor; none without (the walk reads to its end anyway). */
function frontierFor(floor: number | undefined): Frontier | undefined {
  return floor === undefined ? undefined : new Frontier();
}

/** The stored head and anchors: commits whose whole history was emitted. */
function knownAnchors(state: DcBranchState): Anchor[] {
  const head = state.commit_id ? [{ id: state.commit_id, depth: 0 }] : [];
  return [...head, ...(state.anchors ?? [])];
}

function fromPending(state: DcBranchState): Walk {
  const p = state.pending!;
  // A walk with a floor and no lower bound stops early only with its saved frontier; a frontier
  // too large to save means reading to the end.
  const frontier =
    p.since === undefined && p.floor !== undefined && p.frontier ? new Frontier(p.frontier) : undefined;
  return {
    since: p.since,
    until: p.until,
    start: p.start,
    branch: p.branch,
    displayId: p.display_id,
    floor: p.floor,
    frontier,
    head: { id: p.until, timestamp: p.head_timestamp },
    picked: p.picked,
    known: knownAnchors(withoutPending(state)),
  };
}

function withoutPending(s: DcBranchState): DcBranchState {
  const { pending: _pending, ...rest } = s;
  return rest;
}

export const DC_DEFAULT_BRANCH_COMMITS: StreamDefinition<"data_center"> = {
  info: {
    name: NAME,
    jsonSchema: schema as JsonObject,
    primaryKey: [["project_key"], ["repo_slug"], ["id"]],
    cursorField: ["committerTimestamp"],
  },
  deployment: "data_center",
  create: (env) => new DcDefaultBranchCommits(env),

  /** A repository with a commit on its default branch. */
  async probe(client, s, repos) {
    for (const repo of repos) {
      try {
        const { page } = await commitPage(client, repo, { start: 0, limit: 1 });
        if (page.count > 0) return undefined;
      } catch (err) {
        if (isNoSuchCommit(err)) continue; // empty repository or missing default branch: try another
        throw explain(err, `read the commits of ${repo.project}/${repo.slug}`, s);
      }
    }
    return `the ${repos.length} repositories checked (${repos.map((r) => `${r.project}/${r.slug}`).join(", ")}) have no commits on their default branches.`;
  },
};

function explain(err: unknown, action: string, s: DcSettings): unknown {
  return err instanceof HttpError ? DATA_CENTER.explain(err, action, "", s) : err;
}
