import { z } from "zod";
import { schema } from "../generated/cloud_pullrequest_commits.js";
import type { Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { firstPage } from "../http/paginate.js";
import type { JsonObject } from "../protocol/messages.js";
import { batchSize } from "../protocol/records.js";
import type { StreamDefinition } from "../streams/definition.js";
import { sweepPullRequests } from "../streams/pull-request-sweep.js";
import { RepositoryStream } from "../streams/repository-stream.js";
import type { PartitionEvent, ReadContext, RecordsEvent } from "../streams/stream.js";
import { compareInstants, sortableInstant } from "../streams/timestamps.js";
import { pullRequestCommitPages, pullRequestPages, repository } from "./api.js";
import { afterRead, decide, type GateState, GateTally } from "./change-detection.js";
import { CLOUD } from "./deployment.js";
import { Instant, type PullRequestRef } from "./payloads.js";
import type { CloudRepository, CloudSettings } from "./settings.js";

/**
 * State of one repository. `updated_on`: every pull request updated at or before this instant
 * had all its commits emitted. (`pending`, written by versions before the sweep was sorted, is
 * accepted and ignored: its pull requests are read again.)
 */
export const CloudPullRequestState = z.object({
  updated_on: Instant.optional(),
  /** change_detection recently_pushed (change-detection.ts): when the pull requests were last read, and the turns left before the next full read. */
  checked_at: Instant.optional(),
  due_in: z.number().int().min(1).optional(),
  pending: z.unknown().optional(),
});
export type CloudPullRequestState = z.infer<typeof CloudPullRequestState>;

const NAME = "cloud_pullrequest_commits";

/** A state's gate fields, kept as they were while a read is under way. */
function gateOf(state: CloudPullRequestState | undefined): GateState {
  return state?.checked_at === undefined ? {} : { checked_at: state.checked_at, due_in: state.due_in };
}

function withoutPending(state: CloudPullRequestState | undefined): CloudPullRequestState {
  const { pending: _pending, ...rest } = state ?? {};
  return rest;
}

/**
 * `cloud_pullrequest_commits`: every commit of every pull request of a workspace. Partition: a
 * repository. Incremental: the pull requests updated after the repository's cursor (filtered by
 * Bitbucket, in every state, then by the configured states) are read oldest update first
 * (streams/pull-request-sweep.ts), each with all its commits.
 */
class CloudPullRequestCommits extends RepositoryStream<"cloud", CloudPullRequestState> {
  readonly info = CLOUD_PULLREQUEST_COMMITS.info;
  readonly partitionState = CloudPullRequestState;
  private readonly tally = new GateTally(
    NAME,
    "the pull requests",
    "a change that moves no repository's updated_on (a pull request opened on a branch pushed earlier, declined, or updated from a fork)",
  );
  /** Pull requests listed and not read yet, over the repositories under way: one request each at least. */
  private unread = 0;

  async *read(
    repo: CloudRepository,
    state: CloudPullRequestState | undefined,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<CloudPullRequestState>> {
    const client = ctx.client;
    const key = this.partitionKey(repo);
    const gate = decide(this.env.settings, key, repo, state);
    this.tally.count(gate);
    if (!gate.read) {
      yield { kind: "checkpoint", state: { ...withoutPending(state), due_in: gate.dueIn } };
      return;
    }
    let cursor = state?.updated_on;
    if (
      cursor !== undefined &&
      compareInstants(cursor, new Date(client.serverTime().latest).toISOString()) > 0
    ) {
      ctx.logger.warn(
        `${NAME}: ${key}: the state's cursor ${cursor} is later than the server's clock; ignoring it and reading the repository again`,
      );
      cursor = undefined;
    }
    const start = this.env.startDate?.toISOString();
    // The lower bound is the cursor (exclusive: that pull request was read) or start_date (inclusive).
    const fromStart = start !== undefined && (cursor === undefined || compareInstants(start, cursor) > 0);
    const since = fromStart ? start : cursor;
    const wanted = new Set<string>(this.env.settings.pullRequestStates);
    // When the listing starts. A pull request updated after that may be listed with its update or
    // without it (a list's order cannot be trusted), but its new updated_on is later than this:
    // capping the cursor here reads it again next sync rather than passing it.
    const listingStart = Date.now();
    const listed: PullRequestRef[] = [];
    const seen = new Set<number>();
    for await (const prs of pullRequestPages(client, repo, { updatedSince: since })) {
      for (const pr of prs) {
        if (seen.has(pr.id) || (pr.state !== undefined && !wanted.has(pr.state))) continue;
        if (since !== undefined && compareInstants(pr.updated_on, since) < 0) continue;
        seen.add(pr.id);
        listed.push(pr);
      }
    }
    const checkedAt = client.serverTime(listingStart).earliest;
    const now = new Date(checkedAt).toISOString();
    const checked = afterRead(this.env.settings, key, state, checkedAt);
    // Asked at most once per sweep, on the first pull request whose commits answer 404.
    let exists: Promise<boolean> | undefined;
    const stillThere = () => {
      exists ??= repository(client, repo).then((r) => r !== undefined);
      return exists;
    };
    yield* sweepPullRequests({
      listed,
      updated: (pr) => sortableInstant(pr.updated_on),
      id: (pr) => pr.id,
      compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      // From start_date, the cursor does not exclude anything yet: pull requests at the start are read.
      cursor: fromStart ? undefined : cursor === undefined ? undefined : sortableInstant(cursor),
      now: sortableInstant(now),
      concurrency: ctx.concurrency,
      readers: ctx.readers,
      planned: (n) => {
        this.unread += n;
      },
      read: (pr) => this.commitsOf(client, repo, pr, stillThere, ctx),
      state: (c) => ({
        ...gateOf(state),
        ...(c === undefined ? (cursor === undefined ? {} : { updated_on: cursor }) : { updated_on: c }),
      }),
      finalState: (c) => ({
        ...(c === undefined ? (cursor === undefined ? {} : { updated_on: cursor }) : { updated_on: c }),
        ...checked,
      }),
    }) as AsyncGenerator<PartitionEvent<CloudPullRequestState>>;
  }

  pendingRequests(): number {
    return this.unread;
  }

  finish(ctx: ReadContext): void {
    this.tally.log(ctx.logger, this.env.settings);
  }

  /**
   * All commits of one pull request, as records. A 404 or an empty list is skipped with a warning,
   * unless the 404 is the repository's own: then the pull request is not done, and the error ends
   * the sweep as "repository gone" before any checkpoint counts it as read.
   */
  private async *commitsOf(
    client: Requester,
    repo: CloudRepository,
    pr: PullRequestRef,
    stillThere: () => Promise<boolean>,
    ctx: ReadContext,
  ): AsyncGenerator<RecordsEvent> {
    const context: JsonObject = {
      workspace: repo.workspace,
      repo_slug: repo.slug,
      pull_request_id: pr.id,
      pull_request_updated_on: pr.updated_on,
    };
    let count = 0;
    try {
      for await (const page of pullRequestCommitPages(client, repo, pr.id)) {
        for (const { records } of page.batches(context)) {
          count += batchSize(records);
          yield { kind: "records", batch: records };
        }
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
    } finally {
      this.unread--;
    }
    if (count === 0)
      ctx.logger.warn(
        `${repo.workspace}/${repo.slug}: pull request #${pr.id} skipped: Bitbucket lists no commits for it`,
      );
  }
}

export const CLOUD_PULLREQUEST_COMMITS: StreamDefinition<"cloud"> = {
  info: {
    name: NAME,
    jsonSchema: schema as JsonObject,
    primaryKey: [["workspace"], ["repo_slug"], ["pull_request_id"], ["hash"]],
    cursorField: ["pull_request_updated_on"],
  },
  deployment: "cloud",
  create: (env) => new CloudPullRequestCommits(env),

  /** A pull request in one of the configured states whose commits can be read. */
  async probe(client, s, repos) {
    for (const repo of repos) {
      let prs: PullRequestRef[];
      try {
        prs = ((await firstPage(pullRequestPages(client, repo, { pagelen: 10 }))) ?? []).filter(
          (pr) => pr.state === undefined || (s.pullRequestStates as string[]).includes(pr.state),
        );
      } catch (err) {
        throw explainPr(err, `list the pull requests of ${repo.workspace}/${repo.slug}`, s);
      }
      for (const pr of prs.slice(0, 3)) {
        try {
          await firstPage(pullRequestCommitPages(client, repo, pr.id, 1));
          return undefined;
        } catch (err) {
          if (err instanceof HttpError && err.status === 404) continue; // that pull request's commits are gone; try another
          throw explainPr(
            err,
            `read the commits of pull request #${pr.id} in ${repo.workspace}/${repo.slug}`,
            s,
          );
        }
      }
    }
    return `${repos.length === 1 ? `the repository ${repos[0]!.workspace}/${repos[0]!.slug} has` : `the first ${repos.length} repositories of "${s.workspace}" have`} no pull request in the states ${s.pullRequestStates.join(", ")} with readable commits. Check pull_request_states and the repositories list.`;
  },
};

function explainPr(err: unknown, action: string, s: CloudSettings): unknown {
  return CLOUD.explain(err, action, "pullrequest:read (read:pullrequest:bitbucket)", s);
}
