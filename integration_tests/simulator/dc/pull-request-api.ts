import type { RequestContext, SimResponse } from "../http-types.js";
import type { DcRepository } from "./model.js";
import type { DcPullRequestRenderer } from "./pull-request-render.js";
import { type DcPullRequest, findPullRequest, prCommitCount } from "./pull-requests.js";
import { EX, errors, type Json, noSuchCommit, ok, page, paging } from "./responses.js";

// GET …/pull-requests, …/pull-requests/{id} and …/pull-requests/{id}/commits, with the documented
// quirks: `state` defaults to OPEN (ALL for every state, in any case), `order` NEWEST (default) or
// OLDEST on a key Atlassian does not document (here: creation, unless configured), start/limit
// paging capped by the server, ids with gaps where pull requests were deleted, commits newest
// first with merge commits, 404 NoSuchCommitException when the source branch's commits are gone.

const STATES = ["OPEN", "DECLINED", "MERGED", "ALL"] as const;

export interface DcPullRequestApiOptions {
  maxLimit: number;
  /** What NEWEST/OLDEST sort on. */
  order: "created" | "updated";
}

const noSuchPullRequest = (id: string, repo: DcRepository) =>
  errors(
    404,
    `Pull request ${id} does not exist in ${repo.project.key}/${repo.slug}.`,
    `${EX}.pull.NoSuchPullRequestException`,
  );

export class DcPullRequestApi {
  constructor(
    private readonly render: DcPullRequestRenderer,
    private readonly opts: DcPullRequestApiOptions,
  ) {}

  list(ctx: RequestContext, base: string, repo: DcRepository): SimResponse {
    const raw = (ctx.query.get("state") ?? "OPEN").toUpperCase();
    const state = STATES.find((s) => s === raw);
    if (!state) {
      return errors(400, `${raw} is not a valid pull request state. Valid: ${STATES.join(", ")}`, null);
    }
    const oldest = (ctx.query.get("order") ?? "").toUpperCase() === "OLDEST";
    const key = (pr: DcPullRequest) => (this.opts.order === "updated" ? pr.updatedDate : pr.createdDate);
    const listed = repo.pullRequests
      .filter((pr) => !pr.deleted && (state === "ALL" || pr.state === state))
      .sort((a, b) => (oldest ? 1 : -1) * (key(a) - key(b) || a.id - b.id));
    return page(
      ctx,
      this.opts.maxLimit,
      listed,
      () => true,
      (pr) => this.render.pullRequest(base, repo, pr),
    );
  }

  one(base: string, repo: DcRepository, id: string): SimResponse {
    const pr = this.find(repo, id);
    return pr ? ok(this.render.pullRequest(base, repo, pr)) : noSuchPullRequest(id, repo);
  }

  commits(ctx: RequestContext, base: string, repo: DcRepository, id: string): SimResponse {
    const pr = this.find(repo, id);
    if (!pr) return noSuchPullRequest(id, repo);
    if (pr.commitsStatus === 404) {
      const latest = this.render.commitIdAt(repo, pr, prCommitCount(pr) - 1) ?? pr.fromBranch;
      return noSuchCommit(latest, repo.slug);
    }
    const { start, limit } = paging(ctx, this.opts.maxLimit);
    const total = prCommitCount(pr);
    const values: Json[] = [];
    // Newest first: list position total-1-start downwards.
    for (let i = 0; i < limit && start + i < total; i++)
      values.push(this.render.commit(base, repo, pr, total - 1 - start - i));
    const isLastPage = start + limit >= total;
    const body: Json = { size: values.length, limit, isLastPage, values, start };
    if (!isLastPage) body.nextPageStart = start + limit;
    return ok(body);
  }

  private find(repo: DcRepository, id: string): DcPullRequest | undefined {
    return /^\d+$/.test(id) ? findPullRequest(repo, Number(id)) : undefined;
  }
}
