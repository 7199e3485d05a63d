import { z } from "zod";
import { schema } from "../generated/dc_pullrequest_commits.js";
import type { Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { firstPage, untilSteady } from "../http/paginate.js";
import type { JsonObject } from "../protocol/messages.js";
import { batchSize } from "../protocol/records.js";
import type { StreamDefinition } from "../streams/definition.js";
import { sweepPullRequests } from "../streams/pull-request-sweep.js";
import { RepositoryStream } from "../streams/repository-stream.js";
import type { PartitionEvent, ReadContext, RecordsEvent } from "../streams/stream.js";
import {
  isNoSuchCommit,
  isNoSuchPullRequest,
  pullRequestCommitPages,
  pullRequestItems,
  pullRequestPages,
} from "./api.js";
import { DATA_CENTER } from "./deployment.js";
import type { DcRepository, DcSettings } from "./settings.js";

/**
 * State of one repository. `updated_date` (epoch ms): every pull request updated at or before it
 * had all its commits emitted.
 */
export const DcPullRequestState = z.object({
  updated_date: z.number().int().min(0).optional(),
});
export type DcPullRequestState = z.infer<typeof DcPullRequestState>;

const NAME = "dc_pullrequest_commits";

/** What deciding what to read needs of a listed pull request (the list's items are large). */
interface Listed {
  id: number;
  updatedDate: number;
}

/**
 * `dc_pullrequest_commits`: every commit of every pull request of every repository of a Data
 * Center instance. Partition: a repository. The list cannot be filtered by update time, and what
 * its `order` sorts on is not documented, so every sync lists a repository's pull requests whole
 * (`state=ALL`, a page per 1,000) and reads the commits of those updated after the cursor, oldest
 * update first (streams/pull-request-sweep.ts): an unchanged repository costs its list only.
 */
class DcPullRequestCommits extends RepositoryStream<"data_center", DcPullRequestState> {
  readonly info = DC_PULLREQUEST_COMMITS.info;
  readonly partitionState = DcPullRequestState;

  async *read(
    repo: DcRepository,
    state: DcPullRequestState | undefined,
    ctx: ReadContext,
  ): AsyncGenerator<PartitionEvent<DcPullRequestState>> {
    const client = ctx.client;
    let cursor = state?.updated_date;
    if (cursor !== undefined && cursor > client.serverTime().latest) {
      ctx.logger.warn(
        `${NAME}: ${this.partitionKey(repo)}: the state's cursor ${new Date(cursor).toISOString()} is later than the server's clock; ignoring it and reading the repository again`,
      );
      cursor = undefined;
    }
    const start = this.env.startDate?.getTime();
    // The lower bound is the cursor (exclusive: that pull request was read) or start_date (inclusive).
    const fromStart = start !== undefined && (cursor === undefined || start > cursor);
    const since = fromStart ? start : cursor;
    // The earliest the server's clock can show as the list is asked for. A pull request updated
    // after that may be listed with its update or without it, as the order is unknown, but its
    // new updatedDate is later than this: capping the cursor here reads it again next sync.
    const listingStart = Date.now();
    const listed = await this.listed(client, repo, since, ctx);
    const listedFrom = client.serverTime(listingStart).earliest;
    yield* sweepPullRequests({
      listed,
      updated: (pr) => pr.updatedDate,
      id: (pr) => pr.id,
      compare: (a, b) => a - b,
      // From start_date, the cursor does not exclude anything yet: pull requests at the start are read.
      cursor: fromStart ? undefined : cursor,
      now: listedFrom,
      concurrency: ctx.concurrency,
      readers: ctx.readers,
      read: (pr) => this.commitsOf(client, repo, pr, ctx),
      state: (c) =>
        c === undefined ? (cursor === undefined ? {} : { updated_date: cursor }) : { updated_date: c },
    }) as AsyncGenerator<PartitionEvent<DcPullRequestState>>;
  }

  /**
   * The repository's pull requests in the configured states updated at or after `since`, each
   * once. Every state is listed (`state=ALL`), so a pull request that changes state while the
   * list is paged does not move another out of view; one listed twice keeps its later update; a
   * list that lost items while paged (one deleted would hide another) is read again.
   */
  private listed(
    client: Requester,
    repo: DcRepository,
    since: number | undefined,
    ctx: ReadContext,
  ): Promise<Listed[]> {
    const wanted = new Set<string>(this.env.settings.pullRequestStates);
    return untilSteady(
      async () => {
        const byId = new Map<number, Listed>();
        for await (const prs of pullRequestItems(client, repo, "ALL")) {
          for (const pr of prs) {
            if (pr.state !== undefined && !wanted.has(pr.state)) continue;
            if (since !== undefined && pr.updatedDate < since) continue;
            const seen = byId.get(pr.id);
            if (!seen || pr.updatedDate > seen.updatedDate)
              byId.set(pr.id, { id: pr.id, updatedDate: pr.updatedDate });
          }
        }
        return [...byId.values()];
      },
      (moved) => ctx.logger.info(`${NAME}: ${this.partitionKey(repo)}: ${moved.message}; reading it again`),
    );
  }

  /**
   * All commits of one pull request, as records. Commits that are gone (404
   * NoSuchCommitException: the source branch was deleted and collected), a pull request deleted
   * since the listing, and an empty list are skipped with a warning; a 404 of the repository
   * itself ends the sweep as "repository gone" before any checkpoint counts it as read.
   */
  private async *commitsOf(
    client: Requester,
    repo: DcRepository,
    pr: Listed,
    ctx: ReadContext,
  ): AsyncGenerator<RecordsEvent> {
    const context: JsonObject = {
      project_key: repo.project,
      repo_slug: repo.slug,
      pull_request_id: pr.id,
      pull_request_updated_date: pr.updatedDate,
    };
    const where = `${this.partitionKey(repo)}: pull request #${pr.id} skipped`;
    let count = 0;
    try {
      for await (const { page } of pullRequestCommitPages(client, repo, pr.id)) {
        for (const { records } of page.batches(context)) {
          count += batchSize(records);
          yield { kind: "records", batch: records };
        }
      }
    } catch (err) {
      const after = count ? ` after ${count} commits` : "";
      if (isNoSuchCommit(err)) {
        ctx.logger.warn(
          `${where}: its commits answer 404 NoSuchCommitException (source branch deleted, or history rewritten)${after}`,
        );
        return;
      }
      if (isNoSuchPullRequest(err)) {
        ctx.logger.warn(`${where}: it was deleted after the list was read${after}`);
        return;
      }
      throw err;
    }
    if (count === 0) ctx.logger.warn(`${where}: Bitbucket lists no commits for it`);
  }
}

export const DC_PULLREQUEST_COMMITS: StreamDefinition<"data_center"> = {
  info: {
    name: NAME,
    jsonSchema: schema as JsonObject,
    primaryKey: [["project_key"], ["repo_slug"], ["pull_request_id"], ["id"]],
    cursorField: ["pull_request_updated_date"],
  },
  deployment: "data_center",
  create: (env) => new DcPullRequestCommits(env),

  /** A pull request in one of the configured states whose commits can be read. */
  async probe(client, s, repos) {
    for (const repo of repos) if (await hasReadablePullRequest(client, s, repo)) return undefined;
    return `the ${repos.length} repositories checked (${repos.map((r) => `${r.project}/${r.slug}`).join(", ")}) have no pull request in the states ${s.pullRequestStates.join(", ")} with readable commits. Check pull_request_states and the projects or repositories list.`;
  },
};

/** Whether one of the first pull requests (up to 3 in the wanted states) of `repo` lists a commit. */
async function hasReadablePullRequest(
  client: Requester,
  s: DcSettings,
  repo: DcRepository,
): Promise<boolean> {
  const name = `${repo.project}/${repo.slug}`;
  let candidates: number[];
  try {
    const listed = await firstPage(pullRequestPages(client, repo, "ALL", 10));
    const wanted = new Set<string>(s.pullRequestStates);
    candidates = (listed?.page.items() ?? [])
      .filter((pr) => pr.state === undefined || wanted.has(pr.state))
      .map((pr) => pr.id);
  } catch (err) {
    throw explain(err, `list the pull requests of ${name}`, s);
  }
  for (const id of candidates.slice(0, 3)) {
    try {
      const commits = await firstPage(pullRequestCommitPages(client, repo, id, 1));
      if ((commits?.page.count ?? 0) > 0) return true;
    } catch (err) {
      if (isNoSuchCommit(err) || isNoSuchPullRequest(err)) continue; // gone since: try another
      throw explain(err, `read the commits of pull request #${id} in ${name}`, s);
    }
  }
  return false;
}

function explain(err: unknown, action: string, s: DcSettings): unknown {
  return err instanceof HttpError ? DATA_CENTER.explain(err, action, "", s) : err;
}
