import { NS_DC_COMMIT } from "../commit-ids.js";
import type { PresentedAuth } from "../credentials.js";
import type { RequestContext, SimResponse } from "../http-types.js";
import type { RouteMatch } from "../routes.js";
import type { SimCredentials } from "../types.js";
import { type Chain, chainLength, commitAt, commonPrefix, walkBack } from "./history.js";
import {
  chainToCommit,
  type DcProject,
  type DcRepository,
  type DcWorld,
  isEmptyRepository,
} from "./model.js";
import { DcPullRequestApi } from "./pull-request-api.js";
import { DcPullRequestRenderer } from "./pull-request-render.js";
import type { DcRenderer } from "./render.js";
import {
  EX,
  errors,
  type Json,
  noSuchBranch,
  noSuchCommit,
  notFound,
  ok,
  page,
  paging,
} from "./responses.js";

// Bitbucket Data Center REST API 1.0, the parts a commits connector touches: projects, repos,
// default branch (two endpoints, legacy and new), commits with since/until. Behaviours reproduced:
// start/limit paging whose nextPageStart skips offsets of items the caller may not see, the server
// cap on limit, 204 for empty repositories, 404 NoSuchCommitException for unknown since/until,
// 401 AuthorisationException for authenticated-but-not-permitted reads.

type Scope = { kind: "all" } | { kind: "project"; key: string } | { kind: "none" };

interface DcPrincipal {
  credentialId: string | undefined;
  scope: Scope;
}

const notPermitted = () =>
  errors(401, "You are not permitted to access this resource", `${EX}.AuthorisationException`);

function byName(a: { name: string }, b: { name: string }): number {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Answers a repository's git routes (default branch, branches, commits) from somewhere else than
 * the synthetic chains: the git-backed mode. Called after auth and the repository lookup;
 * undefined leaves the route to DcApi.
 */
export interface DcRepositoryBackend {
  handle(ctx: RequestContext, match: RouteMatch, repo: DcRepository, base: string): SimResponse | undefined;
}

export interface DcApiOptions {
  maxLimit: number;
  defaultBranchEndpoints: ("branches/default" | "default-branch")[];
  contextPath: string;
  backend?: DcRepositoryBackend;
  /** What the pull-request list's NEWEST/OLDEST sort on (default: creation). */
  pullRequestOrder?: "created" | "updated" | undefined;
}

export class DcApi {
  private readonly creds: SimCredentials["dc"];
  /** API order: projects by name; repositories by project name then repository name. */
  private readonly sortedProjects: DcProject[];
  private readonly pullRequests: DcPullRequestApi;

  constructor(
    private readonly world: DcWorld,
    private readonly render: DcRenderer,
    credentials: SimCredentials,
    private readonly opts: DcApiOptions,
  ) {
    this.creds = credentials.dc;
    this.sortedProjects = [...world.projects].sort(byName);
    this.pullRequests = new DcPullRequestApi(new DcPullRequestRenderer(world, render), {
      maxLimit: opts.maxLimit,
      order: opts.pullRequestOrder ?? "created",
    });
  }

  /** undefined: credentials were presented and are wrong. */
  private principal(auth: PresentedAuth): DcPrincipal | undefined {
    const c = this.creds;
    if (auth.malformed) return undefined;
    if (auth.scheme === "none") return { credentialId: undefined, scope: { kind: "none" } };
    if (auth.scheme === "bearer") {
      if (auth.token === c.personalAccessToken)
        return { credentialId: "dc.personalAccessToken", scope: { kind: "all" } };
      if (auth.token === c.httpAccessToken) {
        return {
          credentialId: "dc.httpAccessToken",
          scope: { kind: "project", key: c.httpAccessTokenProjectKey },
        };
      }
      return undefined;
    }
    if (auth.user === c.username) {
      if (auth.password === c.password) return { credentialId: "dc.password", scope: { kind: "all" } };
      if (auth.password === c.personalAccessToken) {
        return { credentialId: "dc.personalAccessToken", scope: { kind: "all" } };
      }
    }
    if (auth.user === c.noAccessUser.username && auth.password === c.noAccessUser.password) {
      return { credentialId: "dc.noAccessUser", scope: { kind: "none" } };
    }
    return undefined;
  }

  identify(auth: PresentedAuth): string | undefined {
    return this.principal(auth)?.credentialId;
  }

  private base(ctx: RequestContext): string {
    return `${ctx.origin}${this.opts.contextPath}`;
  }

  private canSee(who: DcPrincipal, project: DcProject): boolean {
    if (who.scope.kind === "all") return true;
    if (who.scope.kind === "project") return who.scope.key === project.key;
    return false;
  }

  handle(ctx: RequestContext, match: RouteMatch): SimResponse {
    if (match.route === "dc.other") return notFound();
    if (
      match.route === "dc.branches_default" &&
      !this.opts.defaultBranchEndpoints.includes("branches/default")
    ) {
      return notFound();
    }
    if (match.route === "dc.default_branch" && !this.opts.defaultBranchEndpoints.includes("default-branch")) {
      return notFound();
    }
    if (ctx.method !== "GET" && ctx.method !== "HEAD") {
      return errors(405, `Method ${ctx.method} is not supported`, null);
    }
    const who = this.principal(ctx.auth);
    if (!who) {
      return errors(
        401,
        "Authentication failed. Please check your credentials and try again.",
        `${EX}.auth.IncorrectPasswordAuthenticationException`,
      );
    }
    const base = this.base(ctx);
    const { key, slug } = match.params;
    if (match.route === "dc.projects") {
      return this.page(
        ctx,
        this.sortedProjects,
        (p) => this.canSee(who, p),
        (p) => this.render.project(base, p),
      );
    }
    if (match.route === "dc.repos" && key === undefined) {
      const all = this.sortedProjects.flatMap((p) => [...p.repositories].sort(byName));
      return this.page(
        ctx,
        all,
        (r) => this.canSee(who, r.project),
        (r) => this.render.repository(base, r),
      );
    }
    const project = this.world.projects.find((p) => p.key === key);
    if (!project) {
      return errors(404, `Project ${key ?? ""} does not exist.`, `${EX}.project.NoSuchProjectException`);
    }
    if (!this.canSee(who, project)) return notPermitted();
    if (match.route === "dc.project") return ok(this.render.project(base, project));
    if (match.route === "dc.repos") {
      const repos = [...project.repositories].sort(byName);
      return this.page(
        ctx,
        repos,
        () => true,
        (r) => this.render.repository(base, r),
      );
    }
    const repo = project.repositories.find((r) => r.slug === slug);
    if (!repo) {
      return errors(
        404,
        `Repository ${project.key}/${slug ?? ""} does not exist.`,
        `${EX}.repository.NoSuchRepositoryException`,
      );
    }
    const answer = this.opts.backend?.handle(ctx, match, repo, base);
    if (answer) return answer;
    switch (match.route) {
      case "dc.repo":
        return ok(this.render.repository(base, repo));
      case "dc.branches_default":
      case "dc.default_branch":
        return this.defaultBranch(repo, match.route === "dc.branches_default");
      case "dc.branches":
        return this.branches(ctx, repo);
      case "dc.commits":
        return this.commits(ctx, base, repo);
      case "dc.commit":
        return this.commit(base, repo, match.params.id ?? "");
      case "dc.pullrequests":
        return this.pullRequests.list(ctx, base, repo);
      case "dc.pullrequest":
        return this.pullRequests.one(base, repo, match.params.id ?? "");
      case "dc.pullrequest_commits":
        return this.pullRequests.commits(ctx, base, repo, match.params.id ?? "");
      default:
        return notFound();
    }
  }

  private page<T>(
    ctx: RequestContext,
    all: T[],
    visible: (t: T) => boolean,
    render: (t: T) => Json,
  ): SimResponse {
    return page(ctx, this.opts.maxLimit, all, visible, render);
  }

  private defaultBranch(repo: DcRepository, legacy: boolean): SimResponse {
    if (isEmptyRepository(repo)) return { status: 204, headers: {} };
    const chain = repo.branches.get(repo.defaultBranch);
    const head = chain ? commitAt(chain, chainLength(chain) - 1) : undefined;
    if (!head) {
      return noSuchBranch(repo.defaultBranch);
    }
    if (legacy) return ok(this.render.branch(repo, repo.defaultBranch, head));
    return ok({ id: `refs/heads/${repo.defaultBranch}`, displayId: repo.defaultBranch, type: "BRANCH" });
  }

  private branches(ctx: RequestContext, repo: DcRepository): SimResponse {
    const names = [...repo.branches.keys()].sort((a, b) =>
      a === repo.defaultBranch ? -1 : b === repo.defaultBranch ? 1 : a < b ? -1 : a > b ? 1 : 0,
    );
    return this.page(
      ctx,
      names,
      () => true,
      (name) => {
        const chain = repo.branches.get(name) ?? [];
        const head = commitAt(chain, chainLength(chain) - 1) ?? { gen: 0, idx: 0 };
        return this.render.branch(repo, name, head);
      },
    );
  }

  /** A ref (refs/heads/x, x) or full commit id, as the chain ending at that commit. */
  private resolve(repo: DcRepository, ref: string): Chain | undefined {
    const name = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
    const branch = repo.branches.get(name);
    if (branch) return branch;
    const key = this.render.codec.decode(ref.toLowerCase());
    if (!key || key.ns !== NS_DC_COMMIT || key.repo !== repo.no) return undefined;
    return chainToCommit(repo, key.major, key.minor);
  }

  /** GET …/commits/{commitId}: one commit, by id or ref. */
  private commit(base: string, repo: DcRepository, ref: string): SimResponse {
    const chain = this.resolve(repo, ref);
    let found: Json | undefined;
    if (chain) {
      walkBack(chain, chainLength(chain) - 1, 1, (c, _pos, parent) => {
        found = this.render.commit(base, repo, c, parent);
      });
    }
    return found ? ok(found) : noSuchCommit(ref, repo.slug);
  }

  private commits(ctx: RequestContext, base: string, repo: DcRepository): SimResponse {
    const { start, limit } = paging(ctx, this.opts.maxLimit);
    const emptyPage = () => ok({ size: 0, limit, isLastPage: true, values: [], start });
    const ignoreMissing = ctx.query.get("ignoreMissing") === "true";
    const untilRef = ctx.query.get("until") || undefined;
    const sinceRef = ctx.query.get("since") || undefined;
    let until: Chain | undefined;
    if (untilRef === undefined) {
      if (isEmptyRepository(repo)) return emptyPage();
      until = repo.branches.get(repo.defaultBranch);
      if (!until)
        return ignoreMissing ? emptyPage() : noSuchCommit(`refs/heads/${repo.defaultBranch}`, repo.slug);
    } else {
      until = this.resolve(repo, untilRef);
      if (!until) return ignoreMissing ? emptyPage() : noSuchCommit(untilRef, repo.slug);
    }
    let excluded = 0;
    if (sinceRef !== undefined) {
      const since = this.resolve(repo, sinceRef);
      if (!since) return ignoreMissing ? emptyPage() : noSuchCommit(sinceRef, repo.slug);
      excluded = commonPrefix(until, since);
    }
    const length = chainLength(until);
    const total = length - excluded;
    const values: Json[] = [];
    const count = Math.max(0, Math.min(limit, total - start));
    walkBack(until, length - 1 - start, count, (c, _pos, parent) => {
      values.push(this.render.commit(base, repo, c, parent));
    });
    const isLastPage = start + limit >= total;
    const body: Json = { size: values.length, limit, isLastPage, values, start };
    if (!isLastPage) body.nextPageStart = start + limit;
    if (ctx.query.get("withCounts") === "true" && start === 0) body.totalCount = total;
    return ok(body);
  }
}
