import type { Requester } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import type { Page } from "../http/page.js";
import { CloudEnvelope, cloudPages } from "../http/paginate.js";
import {
  BranchCommit,
  BranchRef,
  Commit,
  CommitDate,
  PULL_REQUEST_FIELDS,
  PullRequestRef,
  REPOSITORY_FIELDS,
  Repository,
  RepositoryRef,
} from "./payloads.js";
import type { CloudRepository } from "./settings.js";

/** The largest pages Bitbucket Cloud accepts: 100 in general, 50 for the pull-request list. */
export const PAGELEN = 100;
export const PULL_REQUEST_PAGELEN = 50;
/** Every state: a pull request that changes state while the list is paged must not shift another out of view. */
const ALL_STATES = ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"];

const seg = encodeURIComponent;

export function repoPath(r: CloudRepository): string {
  return `repositories/${seg(r.workspace)}/${seg(r.slug)}`;
}

/**
 * The workspace's repositories, most recently pushed first (`fields=` keeps each page small: slug,
 * updated_on, main branch). A repository pushed while the list is paged moves to the front: if it
 * was still to come, this listing misses it and the one at a page boundary comes twice (the sync
 * engine reads each repository once); its state keeps it for the next sync, whose listing shows
 * it pushed.
 */
export async function* repositoryPages(
  client: Requester,
  workspace: string,
  pagelen = PAGELEN,
): AsyncGenerator<RepositoryRef[]> {
  const query = { pagelen, fields: REPOSITORY_FIELDS, sort: "-updated_on" };
  for await (const page of cloudPages(client, `repositories/${seg(workspace)}`, query, RepositoryRef)) {
    yield page.items();
  }
}

/**
 * Pull requests of a repository updated at or after `updatedSince`, in every state, most recently
 * updated first (a pull request updated while the list is paged moves to the front: seen twice,
 * never skipped). The BBQL value is URL-encoded by the HTTP layer, so a `+` offset travels as %2B.
 */
export async function* pullRequestPages(
  client: Requester,
  repo: CloudRepository,
  opts: { updatedSince?: string | undefined; pagelen?: number },
): AsyncGenerator<PullRequestRef[]> {
  const query = {
    state: ALL_STATES,
    sort: "-updated_on",
    pagelen: opts.pagelen ?? PULL_REQUEST_PAGELEN,
    fields: PULL_REQUEST_FIELDS,
    q: opts.updatedSince ? `updated_on >= "${opts.updatedSince}"` : undefined,
  };
  for await (const page of cloudPages(client, `${repoPath(repo)}/pullrequests`, query, PullRequestRef))
    yield page.items();
}

/** Commit pages of one pull request (the `next` links carry opaque page tokens). */
export function pullRequestCommitPages(
  client: Requester,
  repo: CloudRepository,
  id: number,
  pagelen = PAGELEN,
): AsyncGenerator<Page<Commit>> {
  return cloudPages(client, `${repoPath(repo)}/pullrequests/${id}/commits`, { pagelen }, Commit);
}

/**
 * One page of `git log <revision> ^<exclude...>` (`GET …/commits/{revision}`), or the page a `next`
 * link names. `revision` is a commit hash: a branch name in the path is unverified with slashes,
 * and the revision-less `/commits` would list every branch and tag. The `next` link is opaque
 * (iterator-based paging) and carries the revision and the excludes: it is followed as written.
 */
export async function branchCommitPage(
  client: Requester,
  repo: CloudRepository,
  at: { revision: string; exclude?: string[] | undefined; pagelen?: number } | { next: string },
): Promise<{ page: Page<BranchCommit>; next: string | undefined }> {
  const [target, query] =
    "next" in at
      ? [at.next, undefined]
      : [
          `${repoPath(repo)}/commits/${seg(at.revision)}`,
          { exclude: at.exclude, pagelen: at.pagelen ?? PAGELEN },
        ];
  const { page, envelope } = await client.page(target, query, CloudEnvelope, BranchCommit);
  return { page, next: envelope.next };
}

/** The repository's main branch (null: an empty repository). A 404 is the repository's own. */
export async function mainBranchName(client: Requester, repo: CloudRepository): Promise<string | null> {
  const r = await client.json(repoPath(repo), Repository, { fields: "slug,mainbranch.name" });
  return r.mainbranch?.name ?? null;
}

/** A branch's head commit (`GET …/refs/branches/{name}`), or undefined when the branch does not exist. */
export async function branchHead(
  client: Requester,
  repo: CloudRepository,
  name: string,
): Promise<string | undefined> {
  try {
    const ref = await client.json(`${repoPath(repo)}/refs/branches/${seg(name)}`, BranchRef, {
      fields: "target.hash",
    });
    return ref.target.hash;
  } catch (err) {
    if (err instanceof HttpError && err.status === 404 && (await repository(client, repo)) !== undefined)
      return undefined;
    throw err;
  }
}

/** One commit's date (`GET …/commit/{hash}?fields=date`). */
export async function commitDate(client: Requester, repo: CloudRepository, hash: string): Promise<string> {
  return (await client.json(`${repoPath(repo)}/commit/${seg(hash)}`, CommitDate, { fields: "date" })).date;
}

/** The repository with its main branch (null for an empty repository), or undefined when it is gone. */
export async function repository(
  client: Requester,
  repo: CloudRepository,
): Promise<{ mainbranch?: { name: string } | null } | undefined> {
  try {
    return await client.json(repoPath(repo), Repository, { fields: "slug,mainbranch.name" });
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return undefined;
    throw err;
  }
}
