import { z } from "zod";
import { cloudPage } from "../http/paginate.js";

/**
 * Bitbucket Cloud payloads, validated where they enter. Only the fields the connector relies on
 * are checked; the rest of each object passes through untouched (records are the API's commit
 * objects as Bitbucket returns them).
 */

export const RepositoryRef = z.looseObject({ slug: z.string().min(1) });
export const RepositoryPage = cloudPage(RepositoryRef);

/** Partial response (`fields=`) of the pull-request list: what deciding what to read needs. */
export const PULL_REQUEST_FIELDS = "next,values.id,values.updated_on,values.state";
export const PullRequestRef = z.looseObject({
  id: z.number().int(),
  updated_on: z.string().min(1),
  state: z.string().optional(),
});
export type PullRequestRef = z.infer<typeof PullRequestRef>;
export const PullRequestPage = cloudPage(PullRequestRef);

export const REPOSITORY_FIELDS = "next,values.slug";

export const Commit = z.looseObject({
  hash: z.string().min(7),
  date: z.string().optional(),
  author: z.looseObject({ raw: z.string().optional(), user: z.looseObject({}).optional() }).optional(),
});
export type Commit = z.infer<typeof Commit>;
export const CommitPage = cloudPage(Commit);
