import { z } from "zod";
import type { ResolvedConfig } from "../config/load.js";
import {
  type CloudPullrequestCommit,
  schema as cloudSchema,
} from "../generated/cloud_pullrequest_commits.js";
import type { HttpClient } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import type { JsonObject } from "../protocol/messages.js";
import type { StreamInfo } from "../protocol/output.js";
import { CompletionWatermark, mergeConcurrent } from "../streams/concurrent.js";
import {
  type PartitionEvent,
  type ReadContext,
  type RecordsEvent,
  recordsWithContext,
  type Stream,
} from "../streams/stream.js";
import { compareInstants, laterInstant, sortableInstant } from "../streams/timestamps.js";
import { pullRequestCommitPages, pullRequestPages, repositoryExists, repositorySlugs } from "./api.js";
import type { PullRequestRef } from "./payloads.js";

export interface CloudRepository {
  workspace: string;
  slug: string;
}

const instant = z.string().refine((s) => {
  try {
    sortableInstant(s);
    return true;
  } catch {
    return false;
  }
}, "must be an ISO 8601 instant");

/**
 * State of one repository.
 * - `updated_on`: every pull request updated at or before this instant had all its commits
 *   emitted (as of when it was read).
 * - `pending`: a sweep that was cut short. Pull requests updated in (`done_to`, `upper`] were
 *   fully emitted; the rest of the sweep is still to do.
 */
export const CloudPartitionState = z.object({
  updated_on: instant.optional(),
  pending: z.object({ upper: instant, done_to: instant }).optional(),
});
export type CloudPartitionState = z.infer<typeof CloudPartitionState>;

type CloudConfig = NonNullable<ResolvedConfig["cloud"]>;

/** A pull request in listing order; `skip` marks one a resumed sweep already emitted. */
interface ListedPullRequest {
  pr: PullRequestRef;
  skip: boolean;
}

/** What the catalog says of the stream; known without a config or a request. */
export const CLOUD_PULLREQUEST_COMMITS: StreamInfo = {
  name: "cloud_pullrequest_commits",
  jsonSchema: cloudSchema as JsonObject,
  primaryKey: [["workspace"], ["repo_slug"], ["pull_request_id"], ["hash"]],
  cursorField: ["pull_request_updated_on"],
};

/**
 * `cloud_pullrequest_commits`: every commit of every pull request of a workspace.
 * Partition: a repository. Incremental: only pull requests updated since the repository's
 * cursor are listed (newest first, filtered server-side) and only their commits are read.
 */
export class CloudPullRequestCommits implements Stream<CloudRepository, CloudPartitionState> {
  readonly info = CLOUD_PULLREQUEST_COMMITS;
  readonly partitionState = CloudPartitionState;

  constructor(
    private readonly client: HttpClient,
    private readonly config: CloudConfig,
    private readonly startDate: Date | undefined,
  ) {}

  async *partitions(): AsyncGenerator<CloudRepository> {
    const workspace = this.config.workspace;
    if (this.config.repositories) {
      for (const slug of this.config.repositories) yield { workspace, slug };
      return;
    }
    for await (const slugs of repositorySlugs(this.client, workspace)) {
      for (const slug of slugs) yield { workspace, slug };
    }
  }

  partitionKey(p: CloudRepository): string {
    return `${p.workspace}/${p.slug}`;
  }

  /**
   * A listed repository's pull-request list answers 404 once it is deleted or renamed (a
   * repository named in the config stays an error). The sweep then ends without its final
   * checkpoint, so pull requests it never reached are not counted as read.
   */
  isGone(err: unknown): err is HttpError {
    return this.config.repositories === undefined && err instanceof HttpError && err.status === 404;
  }

  /** Lists the pull requests to read and reads their commits, concurrently, checkpointing in order. */
  async *read(
    repo: CloudRepository,
    state: CloudPartitionState | undefined,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<CloudPartitionState>> {
    const cursor = state?.updated_on;
    const pending = state?.pending;
    const startIso = this.startDate?.toISOString();
    // The lower bound is the cursor (exclusive: that pull request was read) or start_date
    // (inclusive), whichever is later.
    const fromStart =
      startIso !== undefined && (cursor === undefined || compareInstants(startIso, cursor) > 0);
    const since = fromStart ? startIso : cursor;

    let upper = pending?.upper;
    const updatedOf = new Map<number, string>();
    const watermark = new CompletionWatermark();
    const listing = this.listPullRequests(repo, since, fromStart, pending);

    // Asked at most once per sweep, on the first pull request whose commits answer 404.
    let exists: Promise<boolean> | undefined;
    const stillThere = () => {
      exists ??= repositoryExists(this.client, repo.workspace, repo.slug);
      return exists;
    };
    const events = mergeConcurrent(listing, ctx.concurrency, (l) =>
      l.skip ? noRecords() : this.commitsOf(repo, l.pr, stillThere, ctx),
    );
    for await (const ev of events) {
      if (ev.kind === "start") {
        updatedOf.set(ev.index, ev.item.pr.updated_on);
        upper = laterInstant(upper, ev.item.pr.updated_on);
      } else if (ev.kind === "value") {
        yield ev.value;
      } else {
        const before = watermark.reached;
        const reached = watermark.complete(ev.index);
        if (reached > before) {
          const doneTo = updatedOf.get(reached);
          for (let i = before + 1; i <= reached; i++) updatedOf.delete(i);
          if (doneTo !== undefined && upper !== undefined) {
            yield {
              kind: "checkpoint",
              state: withoutUndefined({ updated_on: cursor, pending: { upper, done_to: doneTo } }),
            };
          }
        }
      }
    }
    // The sweep is complete: everything up to the newest pull request seen is emitted.
    yield { kind: "checkpoint", state: withoutUndefined({ updated_on: laterInstant(cursor, upper) }) };
  }

  /**
   * Pull requests to read, newest first. `since` is exclusive when it is the cursor (that pull
   * request was read) and inclusive when it is start_date. Paging stops at the first older one.
   * Pull requests that a resumed sweep already emitted, and repeats caused by the list shifting
   * while it is paged, are passed on marked `skip` so that they still count as done in order.
   */
  private async *listPullRequests(
    repo: CloudRepository,
    since: string | undefined,
    sinceInclusive: boolean,
    pending: CloudPartitionState["pending"],
  ): AsyncGenerator<ListedPullRequest> {
    const seen = new Set<number>();
    const pages = pullRequestPages(this.client, repo.workspace, repo.slug, {
      states: this.config.pullRequestStates,
      updatedSince: since,
    });
    for await (const prs of pages) {
      for (const pr of prs) {
        if (since !== undefined) {
          const c = compareInstants(pr.updated_on, since);
          if (c < 0 || (c === 0 && !sinceInclusive)) {
            if (c < 0) return; // sorted newest first: nothing newer follows
            continue;
          }
        }
        const done =
          seen.has(pr.id) ||
          (pending !== undefined &&
            compareInstants(pr.updated_on, pending.done_to) > 0 &&
            compareInstants(pr.updated_on, pending.upper) <= 0);
        seen.add(pr.id);
        yield { pr, skip: done };
      }
    }
  }

  /**
   * All commits of one pull request, as records. A 404 or an empty list is skipped with a
   * warning, unless the 404 is the repository's own: then the pull request is not done, and the
   * error ends the sweep as "repository gone" before any checkpoint counts it as read.
   */
  private async *commitsOf(
    repo: CloudRepository,
    pr: PullRequestRef,
    stillThere: () => Promise<boolean>,
    ctx: ReadContext,
  ): AsyncGenerator<RecordsEvent> {
    const context: Pick<
      CloudPullrequestCommit,
      "workspace" | "repo_slug" | "pull_request_id" | "pull_request_updated_on"
    > = {
      workspace: repo.workspace,
      repo_slug: repo.slug,
      pull_request_id: pr.id,
      pull_request_updated_on: pr.updated_on,
    };
    let count = 0;
    try {
      for await (const page of pullRequestCommitPages(this.client, repo.workspace, repo.slug, pr.id)) {
        if (page.values.length === 0) continue;
        count += page.values.length;
        yield recordsWithContext(page.values, page.raw, context);
      }
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        if (!(await stillThere())) throw err;
        ctx.logger.warn(
          `${repo.workspace}/${repo.slug}: pull request #${pr.id} skipped: its commits answer 404 (source fork deleted or history rewritten)${count ? ` after ${count} commits` : ""}`,
        );
        return;
      }
      throw err;
    }
    if (count === 0)
      ctx.logger.warn(
        `${repo.workspace}/${repo.slug}: pull request #${pr.id} skipped: Bitbucket lists no commits for it`,
      );
  }
}

async function* noRecords(): AsyncGenerator<RecordsEvent> {}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
