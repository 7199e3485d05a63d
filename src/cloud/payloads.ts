import { z } from "zod";
import { sortableInstant } from "../streams/timestamps.js";

/**
 * Bitbucket Cloud payloads, validated where they enter. Only the fields the connector relies on
 * are checked; the rest of each object passes through untouched (records are the API's commit
 * objects as Bitbucket returns them).
 */

/** An ISO 8601 instant as Bitbucket writes them (microseconds, offset). */
export const Instant = z.string().refine((s) => {
  try {
    sortableInstant(s);
    return true;
  } catch {
    return false;
  }
}, "must be an ISO 8601 date-time");

export const REPOSITORY_FIELDS = "next,size,pagelen,values.slug,values.updated_on,values.mainbranch.name";
export const RepositoryRef = z.looseObject({
  slug: z.string().min(1),
  updated_on: Instant.optional(),
  /** null for an empty repository; absent when not asked for. */
  mainbranch: z
    .looseObject({ name: z.string().min(1) })
    .nullable()
    .optional(),
});
export type RepositoryRef = z.infer<typeof RepositoryRef>;

/** Partial response (`fields=`) of the pull-request list: what deciding what to read needs. */
export const PULL_REQUEST_FIELDS = "next,values.id,values.updated_on,values.state";
export const PullRequestRef = z.looseObject({
  id: z.number().int(),
  updated_on: Instant,
  state: z.string().optional(),
});
export type PullRequestRef = z.infer<typeof PullRequestRef>;

export const Commit = z.looseObject({
  hash: z.string().regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit hash"),
  date: Instant.optional(),
  parents: z.array(z.looseObject({ hash: z.string().min(7) })).optional(),
  author: z.looseObject({ raw: z.string().optional(), user: z.looseObject({}).optional() }).optional(),
});
export type Commit = z.infer<typeof Commit>;

/** `repository.mainbranch`: null for an empty repository (the first branch pushed becomes it). */
export const Repository = z.looseObject({
  slug: z.string().min(1),
  mainbranch: z.looseObject({ name: z.string().min(1) }).nullish(),
});

/** A commit of a branch listing: the walk needs its date (the API's "commit date") and parents. */
export const BranchCommit = Commit.extend({ date: Instant });
export type BranchCommit = z.infer<typeof BranchCommit>;

/** `GET …/refs/branches/{name}?fields=target.hash`: the branch's head. */
export const BranchRef = z.looseObject({
  target: z.looseObject({ hash: z.string().regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit hash") }),
});

/** `GET …/commit/{hash}?fields=date`. */
export const CommitDate = z.looseObject({ date: Instant });
