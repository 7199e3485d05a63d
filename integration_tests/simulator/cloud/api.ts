import type { PresentedAuth } from "../credentials.js";
import { hash32 } from "../hash.js";
import {
  intParam,
  jsonResponse,
  type RequestContext,
  type SimResponse,
  textResponse,
} from "../http-types.js";
import { RollingWindowLimiter } from "../rate-limit.js";
import type { RouteMatch } from "../routes.js";
import { PR_STATES, type PrState, type SimCredentials } from "../types.js";
import { BbqlError, type CompiledQuery, compileBbql, readPath } from "./bbql.js";
import { CloudBranchApi } from "./branch-api.js";
import { type FieldTree, parseFields, projectFields } from "./fields.js";
import {
  type CloudPullRequest,
  type CloudRepository,
  type CloudWorkspace,
  type CloudWorld,
  findRepository,
} from "./model.js";
import type { CloudRenderer } from "./render.js";

// Bitbucket Cloud REST API 2.0, the parts a commits connector touches, with the documented
// behaviours that trip clients up: per-endpoint pagelen caps answered with 400, OPEN-only default
// for pull requests, BBQL on the decoded query, absolute `next` links, opaque page tokens for PR
// commits, partial responses, 404 commits for deleted forks, scope and workspace errors.

interface CloudPrincipal {
  credentialId: string;
  /** Workspaces the credential may read: every one, or a single slug. */
  workspace: "*" | string;
  pullRequests: boolean;
  /** API tokens act as a person; workspace access tokens act as the workspace's bot. */
  person: boolean;
}

type Json = Record<string, unknown>;

const error = (status: number, message: string, detail?: unknown): SimResponse =>
  jsonResponse(status, { type: "error", error: detail === undefined ? { message } : { message, detail } });

const PULL_REQUEST_PAGELEN_MAX = 50;
const DEFAULT_PAGELEN_MAX = 100;

export interface CloudApiOptions {
  requestsPerHour?: number;
  /** "unsorted": the pull-request list ignores `sort` and lists by id, as a server whose order is not what was asked. */
  pullRequestOrder?: "as-asked" | "unsorted" | undefined;
}

export class CloudApi {
  private readonly limiter: RollingWindowLimiter | undefined;
  private readonly principals: Map<string, CloudPrincipal>;
  private readonly basic: { email: string; token: string };
  private readonly branches: CloudBranchApi;

  constructor(
    private readonly world: CloudWorld,
    private readonly render: CloudRenderer,
    credentials: SimCredentials,
    private readonly opts: CloudApiOptions,
  ) {
    this.limiter =
      opts.requestsPerHour !== undefined ? new RollingWindowLimiter(opts.requestsPerHour) : undefined;
    const c = credentials.cloud;
    this.principals = new Map([
      [
        c.accessToken,
        { credentialId: "cloud.accessToken", workspace: "*", pullRequests: true, person: false },
      ],
      [
        c.noPullRequestScopeToken,
        { credentialId: "cloud.noPullRequestScopeToken", workspace: "*", pullRequests: false, person: false },
      ],
      [
        c.otherWorkspaceToken,
        {
          credentialId: "cloud.otherWorkspaceToken",
          workspace: "other-ws",
          pullRequests: true,
          person: false,
        },
      ],
    ]);
    this.basic = c.apiToken;
    this.branches = new CloudBranchApi(world, render);
  }

  private principal(auth: PresentedAuth): CloudPrincipal | undefined {
    if (auth.scheme === "bearer" && auth.token !== undefined) return this.principals.get(auth.token);
    if (auth.scheme === "basic" && auth.user === this.basic.email && auth.password === this.basic.token) {
      return { credentialId: "cloud.apiToken", workspace: "*", pullRequests: true, person: true };
    }
    return undefined;
  }

  /** Which credential a request presented, for the request log. */
  identify(auth: PresentedAuth): string | undefined {
    return this.principal(auth)?.credentialId;
  }

  handle(ctx: RequestContext, match: RouteMatch): SimResponse {
    if (match.route === "cloud.other") return error(404, "Resource not found");
    // The workspaces list was removed (CHANGE-2770): gone for everyone.
    if (match.route === "cloud.workspaces") {
      return error(410, "This API is no longer supported. Use /2.0/user/workspaces instead.");
    }
    if (ctx.method !== "GET" && ctx.method !== "HEAD") return error(405, `Method ${ctx.method} not allowed`);
    const who = this.principal(ctx.auth);
    if (!who) {
      return ctx.auth.scheme === "none" && !ctx.auth.malformed
        ? error(401, "This endpoint requires authentication.")
        : error(401, "Invalid or expired credentials.");
    }
    if (this.limiter && !this.limiter.tryTake(who.credentialId)) {
      // Cloud's rate-limit answer carries no Retry-After: clients must choose their own back-off.
      return textResponse(429, "Rate limit for this resource has been exceeded");
    }
    try {
      return this.route(ctx, match, who);
    } catch (e) {
      if (e instanceof BbqlError) return error(400, e.message, e.detail);
      throw e;
    }
  }

  private route(ctx: RequestContext, match: RouteMatch, who: CloudPrincipal): SimResponse {
    const p = match.params;
    if (match.route === "cloud.user") return this.user(ctx, who);
    const workspace = this.world.workspaces.find((w) => w.slug === p.workspace);
    if (match.route === "cloud.repositories") {
      if (!workspace) return error(404, `No workspace with identifier '${p.workspace ?? ""}'.`);
      const denied = this.checkWorkspace(who, workspace);
      if (denied) return denied;
      return this.repositories(ctx, workspace);
    }
    const repo = findRepository(this.world, p.workspace ?? "", p.slug ?? "");
    if (!repo || !workspace) return error(404, `Repository ${p.workspace ?? ""}/${p.slug ?? ""} not found`);
    const denied = this.checkWorkspace(who, workspace);
    if (denied) return denied;
    if (match.route === "cloud.repository")
      return this.withFields(ctx, this.render.repository(ctx.origin, repo));
    // Commits and branches need the repository scope only.
    if (match.route === "cloud.commits") return this.branches.commits(ctx, repo, p.revision);
    if (match.route === "cloud.commit") return this.branches.commit(ctx, repo, p.id ?? "");
    if (match.route === "cloud.branch") return this.branches.branch(ctx, repo, p.name ?? "");
    if (!who.pullRequests) {
      return error(403, "Your credentials lack one or more required privilege scopes.", {
        granted: ["repository", "account"],
        required: ["pullrequest"],
      });
    }
    if (match.route === "cloud.pullrequests") return this.pullRequests(ctx, repo);
    const id = /^\d+$/.test(p.id ?? "") ? Number(p.id) : Number.NaN;
    const pr = repo.pullRequests[id - 1];
    if (!pr) return error(404, `Pull request ${p.id ?? ""} not found`);
    if (match.route === "cloud.pullrequest")
      return this.withFields(ctx, this.render.pullRequest(ctx.origin, repo, pr));
    return this.commits(ctx, repo, pr);
  }

  private checkWorkspace(who: CloudPrincipal, ws: CloudWorkspace): SimResponse | undefined {
    if (who.workspace === "*" || who.workspace === ws.slug) return undefined;
    return error(403, `Access token is not valid for workspace '${ws.slug}'.`);
  }

  private user(ctx: RequestContext, who: CloudPrincipal): SimResponse {
    const person = this.world.people.mapped[0];
    if (!person) return error(404, "No user");
    const body = who.person
      ? this.render.user(ctx.origin, person)
      : { ...this.render.user(ctx.origin, person), display_name: "Workspace access token", nickname: "bot" };
    return this.withFields(ctx, { ...body, created_on: "2019-03-04T10:11:12.131415+00:00", is_staff: false });
  }

  private fields(ctx: RequestContext): FieldTree | undefined {
    return parseFields(ctx.query.get("fields"));
  }

  private withFields(ctx: RequestContext, body: Json): SimResponse {
    const tree = this.fields(ctx);
    return jsonResponse(200, tree ? projectFields(body, tree) : body);
  }

  private pagelen(ctx: RequestContext, max: number): number | SimResponse {
    const pagelen = intParam(ctx.query, "pagelen", 10);
    if (!Number.isInteger(pagelen) || pagelen < 1 || pagelen > max) return error(400, "Invalid pagelen");
    return pagelen;
  }

  /** `next`: absolute, built from the Host the client used, keeping every other parameter. */
  private nextUrl(ctx: RequestContext, page: string): string {
    const params = new URLSearchParams(ctx.query);
    params.set("page", page);
    return `${ctx.origin}${ctx.pathname}?${params.toString()}`;
  }

  private numberedPage<T>(
    ctx: RequestContext,
    items: T[],
    pagelen: number,
    renderItem: (t: T) => Json,
  ): SimResponse {
    const page = intParam(ctx.query, "page", 1);
    if (!Number.isInteger(page) || page < 1) return error(400, "Invalid page");
    const slice = items.slice((page - 1) * pagelen, page * pagelen);
    const body: Json = { pagelen, size: items.length, values: slice.map(renderItem), page };
    if (page * pagelen < items.length) body.next = this.nextUrl(ctx, String(page + 1));
    return this.withFields(ctx, body);
  }

  private sortBy<T>(
    ctx: RequestContext,
    items: T[],
    keys: Record<string, (t: T) => number | string>,
    fallback: string | undefined,
  ): T[] | SimResponse {
    const sort = ctx.query.get("sort") ?? fallback;
    if (sort === undefined || sort === "") return items;
    const desc = sort.startsWith("-");
    const key = keys[desc ? sort.slice(1) : sort];
    if (!key) return error(400, `Invalid sort field: '${sort}'`);
    return [...items].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = ka < kb ? -1 : ka > kb ? 1 : 0;
      return desc ? -c : c;
    });
  }

  private compile(ctx: RequestContext): CompiledQuery | undefined {
    const q = ctx.query.get("q");
    if (q === null || q.trim() === "") return undefined;
    return compileBbql(q, (f) => (f === "created_on" || f === "updated_on" ? "date" : "other"));
  }

  private repositories(ctx: RequestContext, ws: CloudWorkspace): SimResponse {
    const pagelen = this.pagelen(ctx, DEFAULT_PAGELEN_MAX);
    if (typeof pagelen !== "number") return pagelen;
    const query = this.compile(ctx);
    let repos = ws.repositories;
    if (query) {
      repos = repos.filter((r) => {
        let rendered: Json | undefined;
        return query.test((f) => {
          if (f === "created_on") return r.createdOn;
          if (f === "updated_on") return r.updatedOn;
          rendered ??= this.render.repository(ctx.origin, r);
          return readPath(rendered, f);
        });
      });
    }
    const sorted = this.sortBy(
      ctx,
      repos,
      {
        name: (r) => r.name,
        slug: (r) => r.slug,
        created_on: (r) => r.createdOn,
        updated_on: (r) => r.updatedOn,
        size: (r) => r.sizeBytes,
      },
      undefined,
    );
    if (!Array.isArray(sorted)) return sorted;
    return this.numberedPage(ctx, sorted, pagelen, (r) => this.render.repository(ctx.origin, r));
  }

  private pullRequests(ctx: RequestContext, repo: CloudRepository): SimResponse {
    const pagelen = this.pagelen(ctx, PULL_REQUEST_PAGELEN_MAX);
    if (typeof pagelen !== "number") return pagelen;
    const states = ctx.query.getAll("state").map((s) => s.toUpperCase());
    const bad = states.find((s) => !PR_STATES.includes(s as PrState));
    if (bad !== undefined) {
      return error(400, `Invalid state '${bad}'. Valid values are: ${PR_STATES.join(", ")}.`);
    }
    const query = this.compile(ctx);
    // Without a state parameter (and no state in q) only OPEN pull requests are returned.
    const wanted =
      states.length > 0 ? new Set(states) : query?.fields.has("state") ? undefined : new Set(["OPEN"]);
    const prs = repo.pullRequests.filter((pr) => {
      if (wanted && !wanted.has(pr.state)) return false;
      if (!query) return true;
      let rendered: Json | undefined;
      return query.test((f) => {
        switch (f) {
          case "id":
            return pr.id;
          case "state":
            return pr.state;
          case "created_on":
            return pr.createdOn;
          case "updated_on":
            return pr.updatedOn;
          default:
            rendered ??= this.render.pullRequest(ctx.origin, repo, pr);
            return readPath(rendered, f);
        }
      });
    });
    const sorted =
      this.opts.pullRequestOrder === "unsorted"
        ? [...prs].sort((a, b) => a.id - b.id)
        : this.sortBy(
            ctx,
            prs,
            {
              id: (p) => p.id,
              created_on: (p) => p.createdOn,
              updated_on: (p) => p.updatedOn,
              state: (p) => p.state,
            },
            "-id",
          );
    if (!Array.isArray(sorted)) return sorted;
    return this.numberedPage(ctx, sorted, pagelen, (pr) => this.render.pullRequest(ctx.origin, repo, pr));
  }

  // PR commits paginate with an opaque token (the index of the next commit to show, counted from
  // the oldest, so that commits pushed meanwhile do not shift later pages), never page numbers.
  private pageToken(repo: CloudRepository, pr: CloudPullRequest, index: number): string {
    const check = (hash32(this.world.seed, 0x70c, repo.no, pr.id, index) & 0xffff).toString(36);
    return Buffer.from(`${pr.id}.${index}.${check}`).toString("base64url");
  }

  private readPageToken(repo: CloudRepository, pr: CloudPullRequest, token: string): number | undefined {
    const text = Buffer.from(token, "base64url").toString("utf8");
    const m = /^(\d+)\.(\d+)\.([0-9a-z]+)$/.exec(text);
    if (!m || Number(m[1]) !== pr.id) return undefined;
    const index = Number(m[2]);
    if (index >= pr.commits || this.pageToken(repo, pr, index) !== token) return undefined;
    return index;
  }

  private commits(ctx: RequestContext, repo: CloudRepository, pr: CloudPullRequest): SimResponse {
    if (pr.commitsStatus === 404) {
      const author = this.world.people.mapped[pr.author % this.world.people.mapped.length];
      return error(404, `Repository ${author?.nickname ?? "unknown"}/${repo.slug} not found`);
    }
    const pagelen = this.pagelen(ctx, DEFAULT_PAGELEN_MAX);
    if (typeof pagelen !== "number") return pagelen;
    const token = ctx.query.get("page");
    let top = pr.commits - 1;
    if (token !== null) {
      const index = this.readPageToken(repo, pr, token);
      if (index === undefined) return error(400, "Invalid page");
      top = index;
    }
    const values: Json[] = [];
    for (let i = top; i >= 0 && i > top - pagelen; i--)
      values.push(this.render.commit(ctx.origin, repo, pr, i));
    const body: Json = { values, pagelen };
    const next = top - pagelen;
    if (next >= 0) body.next = this.nextUrl(ctx, this.pageToken(repo, pr, next));
    return this.withFields(ctx, body);
  }
}
