import { hash32, hashString } from "../hash.js";
import { intParam, jsonResponse, type RequestContext, type SimResponse } from "../http-types.js";
import { parseFields, projectFields } from "./fields.js";
import { branchSourceOf, type CloudRepository, type CloudWorld } from "./model.js";
import type { CloudRenderer } from "./render.js";

// The branch routes of Bitbucket Cloud, with what the API reference and recorded clients say of
// them: `…/commits/{revision}` is `git log revision`, `include=`/`exclude=` repeat (and without a
// revision nor an include, every branch is listed), paging is iterator-based (opaque `page`
// tokens in absolute `next` links; a page number is refused), pagelen at most 100 (default 30),
// and an unknown revision, include or exclude answers 404 "Commit not found" (the body shape of
// insight's test doubles). `…/commit/{hash}` is one commit, `…/refs/branches/{name}` a branch.

type Json = Record<string, unknown>;

const PAGELEN_DEFAULT = 30;
const PAGELEN_MAX = 100;

const error = (status: number, message: string, data?: Json): SimResponse =>
  jsonResponse(status, { type: "error", error: data === undefined ? { message } : { message, data } });

export class CloudBranchApi {
  constructor(
    private readonly world: CloudWorld,
    private readonly render: CloudRenderer,
  ) {}

  private withFields(ctx: RequestContext, body: Json): SimResponse {
    const tree = parseFields(ctx.query.get("fields"));
    return jsonResponse(200, tree ? projectFields(body, tree) : body);
  }

  /** GET …/commits[/{revision}]?include=&exclude=&pagelen=&page=<token> */
  commits(ctx: RequestContext, repo: CloudRepository, revision: string | undefined): SimResponse {
    const pagelen = intParam(ctx.query, "pagelen", PAGELEN_DEFAULT);
    if (!Number.isInteger(pagelen) || pagelen < 1 || pagelen > PAGELEN_MAX)
      return error(400, "Invalid pagelen");
    const history = branchSourceOf(this.world, repo);
    const includes = [...(revision === undefined ? [] : [revision]), ...ctx.query.getAll("include")];
    const excludes = ctx.query.getAll("exclude");
    const unknown = [...includes, ...excludes].filter((r) => history.resolve(r) === undefined);
    if (unknown.length > 0) return error(404, "Commit not found", { shas: unknown });
    const resolve = (r: string) => history.resolve(r) ?? "";
    // No revision and no include: every branch (and tag), as `git log --all`.
    const from = includes.length > 0 ? includes.map(resolve) : history.branchNames().map(resolve);
    const all = history.log(from, excludes.map(resolve));
    const listing = `${repo.no} ${includes.join(",")} ^${excludes.join(",")}`;
    const token = ctx.query.get("page");
    let offset = 0;
    if (token !== null) {
      const at = this.readToken(listing, token, all.length);
      if (at === undefined) return error(400, "Invalid page");
      offset = at;
    }
    const values = all
      .slice(offset, offset + pagelen)
      .map((c) => this.render.branchCommit(ctx.origin, repo, c));
    const body: Json = { values, pagelen };
    if (offset + pagelen < all.length) body.next = this.nextUrl(ctx, this.token(listing, offset + pagelen));
    return this.withFields(ctx, body);
  }

  /** GET …/commit/{revision} */
  commit(ctx: RequestContext, repo: CloudRepository, revision: string): SimResponse {
    const history = branchSourceOf(this.world, repo);
    const id = history.resolve(revision);
    const c = id === undefined ? undefined : history.get(id);
    if (!c) return error(404, "Commit not found", { shas: [revision] });
    return this.withFields(ctx, this.render.branchCommit(ctx.origin, repo, c));
  }

  /** GET …/refs/branches/{name} */
  branch(ctx: RequestContext, repo: CloudRepository, name: string): SimResponse {
    const history = branchSourceOf(this.world, repo);
    const head = history.head(name);
    const c = head === undefined ? undefined : history.get(head);
    if (!c) return error(404, `Branch "${name}" not found`);
    return this.withFields(ctx, this.render.branch(ctx.origin, repo, name, c));
  }

  // An opaque token: the offset into this listing, with a check bound to the listing, so that a
  // page number or a token of another listing is refused rather than misread.
  private token(listing: string, offset: number): string {
    const check = (hash32(this.world.seed, 0xb4e, hashString(listing), offset) & 0xffffff).toString(36);
    return Buffer.from(`${offset}.${check}`).toString("base64url");
  }

  private readToken(listing: string, token: string, size: number): number | undefined {
    const m = /^(\d+)\.[0-9a-z]+$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (!m) return undefined;
    const offset = Number(m[1]);
    return offset < size && this.token(listing, offset) === token ? offset : undefined;
  }

  /** Absolute, from the Host the client used, keeping every other parameter (include/exclude too). */
  private nextUrl(ctx: RequestContext, token: string): string {
    const params = new URLSearchParams(ctx.query);
    params.set("page", token);
    return `${ctx.origin}${ctx.pathname}?${params.toString()}`;
  }
}
