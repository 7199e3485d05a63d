import { z } from "zod";
import type { ResolvedConfig } from "../config/load.js";
import type { DcDefaultBranchCommit } from "../generated/dc_default_branch_commits.js";
import { schema as dcSchema } from "../generated/dc_default_branch_commits.js";
import type { HttpClient } from "../http/client.js";
import type { HttpError } from "../http/errors.js";
import type { DcPageAt, PageValues } from "../http/paginate.js";
import type { JsonObject } from "../protocol/messages.js";
import type { StreamInfo } from "../protocol/output.js";
import { type PartitionEvent, type ReadContext, recordsWithContext, type Stream } from "../streams/stream.js";
import {
  commitPage,
  type DcRepository,
  type DefaultBranch,
  DefaultBranchResolver,
  isNoSuchCommit,
  isRepositoryGone,
  projectKeys,
  repositoriesOf,
} from "./api.js";
import type { Commit } from "./payloads.js";

/** How far before the last known commit time a re-read after a history rewrite reaches. */
export const REWRITE_MARGIN_MS = 24 * 3600 * 1000;

const sha = z.string().regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit id");

/**
 * State of one repository.
 * - `branch`, `commit_id`, `committer_timestamp`: the default branch (ref id) and the newest
 *   commit on it whose whole history has been emitted.
 * - `pending`: a read cut short. Commits reachable from `until` and not from `since` are being
 *   read; pages before `start` are emitted. `until` is a commit id, so offsets are stable.
 */
export const DcPartitionState = z
  .object({
    branch: z.string().min(1).optional(),
    commit_id: sha.optional(),
    committer_timestamp: z.number().int().optional(),
    pending: z
      .object({
        until: sha,
        since: sha.optional(),
        start: z.number().int().min(0),
        branch: z.string().min(1),
        display_id: z.string().min(1),
        head_timestamp: z.number().int(),
        floor: z.number().int().optional(),
      })
      .optional(),
  })
  .refine((s) => (s.commit_id === undefined) === (s.committer_timestamp === undefined), {
    message: "commit_id and committer_timestamp go together",
  });
export type DcPartitionState = z.infer<typeof DcPartitionState>;
type Pending = NonNullable<DcPartitionState["pending"]>;

type DcConfig = NonNullable<ResolvedConfig["dataCenter"]>;

/** What one sweep over the commit list reads. */
interface Sweep {
  since: string | undefined;
  /** A ref for the first page; every later page is pinned to the head commit the first one showed. */
  until: string | undefined;
  start: number;
  branch: string;
  displayId: string;
  /**
   * Keep only commits committed at or after this (ms). A full read (no `since`) also ends at the
   * first page wholly older: Bitbucket lists commits in git's default order, newest committer
   * date first, so the rest is older still (a topological order, with a long merged-in branch of
   * older commits listed before newer mainline ones, would break this). A read bounded by `since`
   * is short anyway and reads to its end.
   */
  floor: number | undefined;
  head?: { id: string; timestamp: number };
}

/** What the catalog says of the stream; known without a config or a request. */
export const DC_DEFAULT_BRANCH_COMMITS: StreamInfo = {
  name: "dc_default_branch_commits",
  jsonSchema: dcSchema as JsonObject,
  primaryKey: [["project_key"], ["repo_slug"], ["id"]],
  cursorField: ["committerTimestamp"],
};

/**
 * `dc_default_branch_commits`: every commit on the default branch of every repository of a
 * Data Center instance. Partition: a repository. Incremental: `since=<last commit>` asks for new
 * commits only, on the server's current default branch.
 */
export class DcDefaultBranchCommits implements Stream<DcRepository, DcPartitionState> {
  readonly info = DC_DEFAULT_BRANCH_COMMITS;
  readonly partitionState = DcPartitionState;
  private readonly branches: DefaultBranchResolver;

  constructor(
    private readonly client: HttpClient,
    private readonly config: DcConfig,
    private readonly startDate: Date | undefined,
  ) {
    this.branches = new DefaultBranchResolver(client);
  }

  async *partitions(): AsyncGenerator<DcRepository> {
    if (this.config.repositories) {
      yield* this.config.repositories;
      return;
    }
    const keys = this.config.projects ? [this.config.projects] : projectKeys(this.client);
    for await (const page of keys) {
      for (const project of page) {
        for await (const repos of repositoriesOf(this.client, project)) yield* repos;
      }
    }
  }

  partitionKey(r: DcRepository): string {
    return `${r.project}/${r.slug}`;
  }

  /** A listed repository deleted or renamed since (one named in the config stays an error). */
  isGone(err: unknown): err is HttpError {
    return this.config.repositories === undefined && isRepositoryGone(err);
  }

  async *read(
    repo: DcRepository,
    state: DcPartitionState | undefined,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<DcPartitionState>> {
    const key = this.partitionKey(repo);
    if (state?.pending) {
      try {
        yield* this.sweep(repo, fromPending(state.pending), state);
        return;
      } catch (err) {
        if (!isNoSuchCommit(err)) throw err;
        ctx.logger.warn(
          `${key}: the interrupted read cannot resume (${err.detail.message ?? "commit gone"}); reading again`,
        );
        state = withoutPending(state);
      }
    }
    if (state === undefined) yield* this.readAll(repo, this.startDate?.getTime(), ctx);
    else yield* this.readNew(repo, state, ctx);
  }

  /**
   * Incremental: commits on the current default branch that the stored commit does not reach
   * (all of them for a repository that had none last time). One request when nothing changed.
   */
  private async *readNew(
    repo: DcRepository,
    state: DcPartitionState,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<DcPartitionState>> {
    const key = this.partitionKey(repo);
    const since = state.commit_id;
    let first: DcPageAt<Commit>;
    try {
      // No `until`: the server's default branch as it is now, so a switched default branch is read too.
      first = await commitPage(this.client, repo, { since, start: 0 });
    } catch (err) {
      if (!isNoSuchCommit(err)) throw err;
      if (since === undefined || state.committer_timestamp === undefined) return; // still no default branch
      // The stored commit is gone. On the same branch, a rewrite replaced recent history: re-read
      // back to a margin before the stored commit's time. A default branch that is now another
      // branch has a history of its own, none of it known to have been read: read it all.
      const found = await this.branches.resolve(repo);
      const sameBranch = found.kind !== "branch" || found.branch.id === state.branch;
      const startMs = this.startDate?.getTime();
      const floor = sameBranch
        ? Math.max(state.committer_timestamp - REWRITE_MARGIN_MS, startMs ?? 0)
        : startMs;
      const what =
        floor === undefined
          ? "all the default branch's commits"
          : `the default branch's commits committed since ${new Date(floor).toISOString()}`;
      ctx.logger.warn(
        `${key}: commit ${since} is no longer in the repository (history rewritten, e.g. a force-push${sameBranch ? "" : `, and the default branch is now ${found.kind === "branch" ? found.branch.id : "another"}`}); re-reading ${what}`,
      );
      yield* this.readAll(repo, floor, ctx, found);
      return;
    }
    if (first.values.length === 0) return; // nothing new
    const found = await this.branches.resolve(repo);
    if (found.kind !== "branch") {
      ctx.logger.warn(
        `${key}: new commits appeared but the default branch is ${found.kind}; they are read next sync`,
      );
      return;
    }
    const { branch } = found;
    if (state.branch !== undefined && branch.id !== state.branch) {
      ctx.logger.info(
        `${key}: the default branch changed from ${state.branch} to ${branch.id}; reading its commits that ${since?.slice(0, 11) ?? "the previous read"} did not reach`,
      );
    }
    const plan: Sweep = {
      since,
      until: undefined,
      start: 0,
      branch: branch.id,
      displayId: branch.displayId,
      floor: this.startDate?.getTime(),
    };
    yield* this.sweep(repo, plan, state, first);
  }

  /** Full read of the default branch, or of its commits committed at or after `floor`. */
  private async *readAll(
    repo: DcRepository,
    floor: number | undefined,
    ctx: ReadContext,
    resolved?: DefaultBranch,
  ): AsyncGenerator<PartitionEvent<DcPartitionState>> {
    const key = this.partitionKey(repo);
    const found = resolved ?? (await this.branches.resolve(repo));
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
    try {
      yield* this.sweep(
        repo,
        {
          since: undefined,
          until: branch.latestCommit ?? branch.id,
          start: 0,
          branch: branch.id,
          displayId: branch.displayId,
          floor,
        },
        undefined,
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
   * Pages through commits newest first, pinned to the head commit of the first page, and
   * checkpoints between pages. Ends with the head commit as the repository's cursor.
   */
  private async *sweep(
    repo: DcRepository,
    plan: Sweep,
    prior: DcPartitionState | undefined,
    firstPage?: DcPageAt<Commit>,
  ): AsyncGenerator<PartitionEvent<DcPartitionState>> {
    const base: DcPartitionState = prior ? withoutPending(prior) : {};
    const context: Pick<DcDefaultBranchCommit, "project_key" | "repo_slug" | "branch"> = {
      project_key: repo.project,
      repo_slug: repo.slug,
      branch: plan.displayId,
    };
    let head = plan.head;
    let start: number | undefined = plan.start;
    let page = firstPage;
    while (start !== undefined) {
      page ??= await commitPage(this.client, repo, {
        since: plan.since,
        until: head?.id ?? plan.until,
        start,
      });
      const top = page.values[0];
      if (!head) {
        if (!top) return; // nothing reachable: leave the state as it was
        head = { id: top.id, timestamp: top.committerTimestamp };
      }
      const floor = plan.floor;
      const { values, raw } = floor === undefined ? page : committedSince(page, floor);
      if (values.length) yield recordsWithContext(values, raw, context);
      const wholePageOlder =
        floor !== undefined &&
        plan.since === undefined &&
        page.values.every((c) => c.committerTimestamp < floor);
      start = wholePageOlder ? undefined : page.nextStart;
      page = undefined;
      if (start !== undefined) {
        const pending: Pending = {
          until: head.id,
          start,
          branch: plan.branch,
          display_id: plan.displayId,
          head_timestamp: head.timestamp,
          ...(plan.since ? { since: plan.since } : {}),
          ...(floor !== undefined ? { floor } : {}),
        };
        yield { kind: "checkpoint", state: { ...base, pending } };
      }
    }
    if (head)
      yield {
        kind: "checkpoint",
        state: { branch: plan.branch, commit_id: head.id, committer_timestamp: head.timestamp },
      };
  }
}

/** The commits of a page committed at or after `floor`, with their raw texts. */
function committedSince(page: PageValues<Commit>, floor: number): PageValues<Commit> {
  const keep = page.values.map((c) => c.committerTimestamp >= floor);
  return {
    values: page.values.filter((_, i) => keep[i]),
    raw: page.raw?.filter((_, i) => keep[i]),
  };
}

function fromPending(p: Pending): Sweep {
  return {
    since: p.since,
    until: p.until,
    start: p.start,
    branch: p.branch,
    displayId: p.display_id,
    floor: p.floor,
    head: { id: p.until, timestamp: p.head_timestamp },
  };
}

function withoutPending(s: DcPartitionState): DcPartitionState {
  const { pending: _pending, ...rest } = s;
  return rest;
}
