import type { Query, Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { type DcPageAt, dcItemsChecked, dcPageAt, dcPages } from "../http/paginate.js";
import { Branch, Commit, Project, PullRequest, RepositoryRef } from "./payloads.js";
import type { DcRepository } from "./settings.js";

/** The largest page Bitbucket Data Center serves by default; a server may cap it lower. */
export const LIMIT = 1000;

const seg = encodeURIComponent;

export function repoPath(r: DcRepository): string {
  return `projects/${seg(r.project)}/repos/${seg(r.slug)}`;
}

export async function* projectKeys(client: Requester, limit = LIMIT): AsyncGenerator<string[]> {
  for await (const { page } of dcPages(client, "projects", { limit }, Project))
    yield page.items().map((p) => p.key);
}

export async function* repositoriesOf(
  client: Requester,
  project: string,
  limit = LIMIT,
): AsyncGenerator<DcRepository[]> {
  for await (const { page } of dcPages(client, `projects/${seg(project)}/repos`, { limit }, RepositoryRef)) {
    yield page.items().map((r) => ({ project: r.project?.key ?? project, slug: r.slug }));
  }
}

/** One page of commits reachable from `until` (default: the default branch) and not from `since`. */
export function commitPage(
  client: Requester,
  repo: DcRepository,
  opts: { since?: string | undefined; until?: string | undefined; start: number; limit?: number },
): Promise<DcPageAt<Commit>> {
  const query = { since: opts.since, until: opts.until, limit: opts.limit ?? LIMIT };
  return dcPageAt(client, `${repoPath(repo)}/commits`, query, Commit, opts.start);
}

/** One commit by id (`GET …/commits/{id}`); 404 NoSuchCommitException when the repository has none such. */
export function commitById(client: Requester, repo: DcRepository, id: string): Promise<Commit> {
  return client.json(`${repoPath(repo)}/commits/${seg(id)}`, Commit);
}

/**
 * A repository's pull requests in `state`, page by page, checked against deletions while paged
 * (a deleted one would hide another: see dcItemsChecked); read them within `untilSteady`.
 */
export function pullRequestItems(
  client: Requester,
  repo: DcRepository,
  state: string,
): AsyncGenerator<PullRequest[]> {
  const list = pullRequestList(repo, state, LIMIT);
  return dcItemsChecked(client, list.path, list.query, PullRequest, (pr) => pr.id);
}

/** Pages of a repository's pull requests in `state` (ALL, or one of OPEN, MERGED, DECLINED). */
export function pullRequestPages(
  client: Requester,
  repo: DcRepository,
  state: string,
  limit = LIMIT,
): AsyncGenerator<DcPageAt<PullRequest>> {
  const list = pullRequestList(repo, state, limit);
  return dcPages(client, list.path, list.query, PullRequest);
}

/** Where a repository's pull-request list is, and how it is asked for (its order is not documented). */
function pullRequestList(repo: DcRepository, state: string, limit: number): { path: string; query: Query } {
  return { path: `${repoPath(repo)}/pull-requests`, query: { state, order: "NEWEST", limit } };
}

/** Pages of one pull request's commits (newest first, merge commits included). */
export function pullRequestCommitPages(
  client: Requester,
  repo: DcRepository,
  id: number,
  limit = LIMIT,
): AsyncGenerator<DcPageAt<Commit>> {
  return dcPages(client, `${repoPath(repo)}/pull-requests/${id}/commits`, { limit }, Commit);
}

/** True when Bitbucket says a commit or ref (`since`/`until`) does not exist in the repository. */
export function isNoSuchCommit(err: unknown): err is HttpError {
  return err instanceof HttpError && err.status === 404 && err.exception === "NoSuchCommitException";
}

/** True when Bitbucket says the pull request does not exist (deleted after it was listed). */
export function isNoSuchPullRequest(err: unknown): err is HttpError {
  return err instanceof HttpError && err.status === 404 && err.exception === "NoSuchPullRequestException";
}

/** True when Bitbucket says the repository (or its project) does not exist, e.g. deleted after listing. */
export function isRepositoryGone(err: unknown): err is HttpError {
  return (
    err instanceof HttpError &&
    err.status === 404 &&
    (err.exception === "NoSuchRepositoryException" || err.exception === "NoSuchProjectException")
  );
}

export type DefaultBranch = { kind: "branch"; branch: Branch } | { kind: "empty" } | { kind: "missing" };

type Endpoint = "default-branch" | "branches/default";

/**
 * Finds a repository's default branch. Servers differ: newer ones have `default-branch`, older
 * ones `branches/default`, some both. Both answer 204 for an empty repository and 404 when the
 * default branch does not exist, and a server without the endpoint answers 404 too; so a 404
 * falls back to the other endpoint until one of them has been seen to work, and from then on
 * that one alone is asked (one lookup per repository). Shared by a deployment's streams.
 */
export class DefaultBranchResolver {
  private confirmed: Endpoint | undefined;
  /** The first lookup, while it runs: concurrent ones wait for it rather than all probing. */
  private probing: Promise<unknown> | undefined;

  async resolve(client: Requester, repo: DcRepository): Promise<DefaultBranch> {
    if (!this.confirmed) {
      if (this.probing) await this.probing.catch(() => undefined);
      else {
        const probe = this.lookup(client, repo);
        this.probing = probe;
        try {
          return await probe;
        } finally {
          this.probing = undefined;
        }
      }
    }
    return this.lookup(client, repo);
  }

  private async lookup(client: Requester, repo: DcRepository): Promise<DefaultBranch> {
    const order: Endpoint[] = this.confirmed ? [this.confirmed] : ["default-branch", "branches/default"];
    for (const endpoint of order) {
      let res: Awaited<ReturnType<Requester["get"]>>;
      try {
        res = await client.get(`${repoPath(repo)}/${endpoint}`);
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) {
          const exception = err.exception;
          if (exception === "NoSuchRepositoryException" || exception === "NoSuchProjectException") throw err;
          if (exception === "NoSuchBranchException") {
            this.confirmed = endpoint; // the endpoint exists: the repository lacks its branch
            return { kind: "missing" };
          }
          continue; // no such endpoint on this server, or no default branch: ask the other one
        }
        throw err;
      }
      this.confirmed = endpoint;
      if (res.status === 204 || res.bytes.length === 0) return { kind: "empty" };
      return { kind: "branch", branch: client.parse(res, Branch) };
    }
    return { kind: "missing" };
  }
}
