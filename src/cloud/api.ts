import type { PullRequestState } from "../config/schema.js";
import type { HttpClient } from "../http/client.js";
import { HttpError } from "../http/errors.js";
import { cloudPages, type PageValues } from "../http/paginate.js";
import {
  type Commit,
  CommitPage,
  PULL_REQUEST_FIELDS,
  PullRequestPage,
  type PullRequestRef,
  REPOSITORY_FIELDS,
  RepositoryPage,
} from "./payloads.js";

/** The largest pages Bitbucket Cloud accepts: 100 in general, 50 for the pull-request list. */
export const PAGELEN = 100;
export const PULL_REQUEST_PAGELEN = 50;

const seg = encodeURIComponent;

/** The workspace's repositories, slugs only (`fields=` keeps each page small). */
export async function* repositorySlugs(
  client: HttpClient,
  workspace: string,
  pagelen = PAGELEN,
): AsyncGenerator<string[]> {
  for await (const page of cloudPages(
    client,
    `repositories/${seg(workspace)}`,
    { pagelen, fields: REPOSITORY_FIELDS },
    RepositoryPage,
  )) {
    yield page.values.map((r) => r.slug);
  }
}

/**
 * Pull requests of a repository, most recently updated first. Bitbucket returns only OPEN ones
 * unless every wanted state is repeated as `state=`. `updatedSince` filters server-side with
 * BBQL; the value is URL-encoded by the HTTP layer, so a `+` offset travels as `%2B`.
 */
export async function* pullRequestPages(
  client: HttpClient,
  workspace: string,
  slug: string,
  opts: { states: PullRequestState[]; updatedSince?: string | undefined; pagelen?: number },
): AsyncGenerator<PullRequestRef[]> {
  const query = {
    state: opts.states,
    sort: "-updated_on",
    pagelen: opts.pagelen ?? PULL_REQUEST_PAGELEN,
    fields: PULL_REQUEST_FIELDS,
    q: opts.updatedSince ? `updated_on >= "${opts.updatedSince}"` : undefined,
  };
  for await (const page of cloudPages(
    client,
    `repositories/${seg(workspace)}/${seg(slug)}/pullrequests`,
    query,
    PullRequestPage,
  )) {
    yield page.values;
  }
}

/** Commit pages of one pull request (the `next` links carry opaque page tokens). */
export async function* pullRequestCommitPages(
  client: HttpClient,
  workspace: string,
  slug: string,
  id: number,
  pagelen = PAGELEN,
): AsyncGenerator<PageValues<Commit>> {
  const path = `repositories/${seg(workspace)}/${seg(slug)}/pullrequests/${id}/commits`;
  for await (const page of cloudPages(client, path, { pagelen }, CommitPage)) yield page;
}

/** Whether a repository still answers: tells "this pull request's commits are gone" from "the repository is". */
export async function repositoryExists(
  client: HttpClient,
  workspace: string,
  slug: string,
): Promise<boolean> {
  try {
    await client.get(`repositories/${seg(workspace)}/${seg(slug)}`, { fields: "slug" });
    return true;
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) return false;
    throw err;
  }
}
