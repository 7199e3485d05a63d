import type { DcRepositoryBackend } from "../dc/api.js";
import type { DcRepository } from "../dc/model.js";
import { type Json, noSuchBranch, noSuchCommit, ok, page, paging } from "../dc/responses.js";
import type { RequestContext, SimResponse } from "../http-types.js";
import type { RouteMatch } from "../routes.js";
import type { GitDcRenderer } from "./dc-render.js";
import type { CommitOrder, GitRepo } from "./repo.js";
import { type ServedRepo, servedRepo } from "./served-repo.js";

// The Data Center routes that read git data, answered from real repositories with the synthetic
// mode's quirks: 204 for an empty repository, NoSuchBranchException for a missing default ref,
// NoSuchCommitException for unknown since/until, start/limit paging capped by the server.
// `/commits` is `git rev-list <until> ^<since>` in the configured order.

export interface DcGitBackendOptions {
  order: CommitOrder;
  maxLimit: number;
}

export class DcGitBackend implements DcRepositoryBackend {
  constructor(
    private readonly repos: ReadonlyMap<DcRepository, GitRepo>,
    private readonly render: GitDcRenderer,
    private readonly opts: DcGitBackendOptions,
  ) {}

  handle(ctx: RequestContext, match: RouteMatch, repo: DcRepository, base: string): SimResponse | undefined {
    const git = this.repos.get(repo);
    if (!git) return undefined;
    const served = servedRepo(git);
    const route = match.route;
    switch (route) {
      case "dc.default_branch":
      case "dc.branches_default":
        return this.defaultBranch(served, route === "dc.branches_default");
      case "dc.branches":
        return this.branches(ctx, served);
      case "dc.commits":
        return this.commits(ctx, base, repo.slug, served);
      case "dc.commit":
        return this.commit(base, repo.slug, served, match.params.id ?? "");
      default:
        return undefined;
    }
  }

  private defaultBranch(served: ServedRepo, legacy: boolean): SimResponse {
    if (served.isEmpty()) return { status: 204, headers: {} };
    const { displayId, latestCommit } = served.defaultBranch();
    if (latestCommit === undefined) return noSuchBranch(displayId);
    if (legacy) return ok(this.render.branch(displayId, latestCommit, true));
    return ok({ id: `refs/heads/${displayId}`, displayId, type: "BRANCH" });
  }

  /** The default branch first, then by name. */
  private branches(ctx: RequestContext, served: ServedRepo): SimResponse {
    const def = served.defaultBranch().displayId;
    const rank = (name: string) => (name === def ? 0 : 1);
    const all = served
      .branches()
      .sort((a, b) => rank(a.displayId) - rank(b.displayId) || (a.displayId < b.displayId ? -1 : 1));
    return page(
      ctx,
      this.opts.maxLimit,
      all,
      () => true,
      (b) => this.render.branch(b.displayId, b.latestCommit, b.displayId === def),
    );
  }

  private commits(ctx: RequestContext, base: string, slug: string, served: ServedRepo): SimResponse {
    const { start, limit } = paging(ctx, this.opts.maxLimit);
    const emptyPage = () => ok({ size: 0, limit, isLastPage: true, values: [], start });
    const ignoreMissing = ctx.query.get("ignoreMissing") === "true";
    const untilRef = ctx.query.get("until") || undefined;
    const sinceRef = ctx.query.get("since") || undefined;
    let until: string | undefined;
    if (untilRef === undefined) {
      if (served.isEmpty()) return emptyPage();
      const def = served.defaultBranch();
      until = def.latestCommit;
      if (until === undefined) {
        return ignoreMissing ? emptyPage() : noSuchCommit(`refs/heads/${def.displayId}`, slug);
      }
    } else {
      until = served.resolve(untilRef);
      if (until === undefined) return ignoreMissing ? emptyPage() : noSuchCommit(untilRef, slug);
    }
    let since: string | undefined;
    if (sinceRef !== undefined) {
      since = served.resolve(sinceRef);
      if (since === undefined) return ignoreMissing ? emptyPage() : noSuchCommit(sinceRef, slug);
    }
    const all = served.listing(until, since, this.opts.order);
    const values = all.slice(start, start + limit).map((c) => this.render.commit(base, c));
    const isLastPage = start + limit >= all.length;
    const body: Json = { size: values.length, limit, isLastPage, values, start };
    if (!isLastPage) body.nextPageStart = start + limit;
    if (ctx.query.get("withCounts") === "true" && start === 0) body.totalCount = all.length;
    return ok(body);
  }

  /** GET …/commits/{commitId}: one commit, by id or ref (reachable or not, until gc()). */
  private commit(base: string, slug: string, served: ServedRepo, ref: string): SimResponse {
    const id = served.resolve(ref);
    return id === undefined ? noSuchCommit(ref, slug) : ok(this.render.commit(base, served.commit(id)));
  }
}
