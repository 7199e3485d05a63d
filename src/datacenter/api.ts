import type { HttpClient } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { type DcPageAt, dcPageAt, dcPages } from "../http/paginate.js";
import { Branch, type Commit, CommitPage, ProjectPage, RepositoryPage } from "./payloads.js";

/** The largest page Bitbucket Data Center serves by default; a server may cap it lower. */
export const LIMIT = 1000;

const seg = encodeURIComponent;

export interface DcRepository {
  project: string;
  slug: string;
}

export function repoPath(r: DcRepository): string {
  return `projects/${seg(r.project)}/repos/${seg(r.slug)}`;
}

export async function* projectKeys(client: HttpClient, limit = LIMIT): AsyncGenerator<string[]> {
  for await (const page of dcPages(client, "projects", { limit }, ProjectPage))
    yield page.values.map((p) => p.key);
}

export async function* repositoriesOf(
  client: HttpClient,
  project: string,
  limit = LIMIT,
): AsyncGenerator<DcRepository[]> {
  for await (const page of dcPages(client, `projects/${seg(project)}/repos`, { limit }, RepositoryPage)) {
    yield page.values.map((r) => ({ project: r.project?.key ?? project, slug: r.slug }));
  }
}

/** One page of commits reachable from `until` (default: the default branch) and not from `since`, newest first. */
export function commitPage(
  client: HttpClient,
  repo: DcRepository,
  opts: { since?: string | undefined; until?: string | undefined; start: number; limit?: number },
): Promise<DcPageAt<Commit>> {
  const query = { since: opts.since, until: opts.until, limit: opts.limit ?? LIMIT };
  return dcPageAt(client, `${repoPath(repo)}/commits`, query, CommitPage, opts.start);
}

/** True when Bitbucket says a commit or ref (`since`/`until`) does not exist in the repository. */
export function isNoSuchCommit(err: unknown): err is HttpError {
  return err instanceof HttpError && err.status === 404 && err.exception === "NoSuchCommitException";
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
 * that one alone is asked (one lookup per repository).
 */
export class DefaultBranchResolver {
  private confirmed: Endpoint | undefined;
  /** The first lookup, while it runs: concurrent ones wait for it rather than all probing. */
  private probing: Promise<unknown> | undefined;

  constructor(private readonly client: HttpClient) {}

  async resolve(repo: DcRepository): Promise<DefaultBranch> {
    if (!this.confirmed) {
      if (this.probing) await this.probing.catch(() => undefined);
      else {
        const probe = this.lookup(repo);
        this.probing = probe;
        try {
          return await probe;
        } finally {
          this.probing = undefined;
        }
      }
    }
    return this.lookup(repo);
  }

  private async lookup(repo: DcRepository): Promise<DefaultBranch> {
    const order: Endpoint[] = this.confirmed ? [this.confirmed] : ["default-branch", "branches/default"];
    for (const endpoint of order) {
      let res: Awaited<ReturnType<HttpClient["get"]>>;
      try {
        res = await this.client.get(`${repoPath(repo)}/${endpoint}`);
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) {
          const exception = err.exception ?? "";
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
      if (res.status === 204 || res.body === undefined) return { kind: "empty" };
      return { kind: "branch", branch: this.client.validate(res, Branch) };
    }
    return { kind: "missing" };
  }
}
