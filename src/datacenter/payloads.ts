import { z } from "zod";

/**
 * Bitbucket Data Center payloads, validated where they enter. Only what the connector relies on
 * is checked; commit objects pass through untouched into records.
 */

export const Project = z.looseObject({ key: z.string().min(1) });

export const RepositoryRef = z.looseObject({
  slug: z.string().min(1),
  project: z.looseObject({ key: z.string().min(1) }).optional(),
});

/**
 * `branches/default` (legacy: also `latestCommit`, `isDefault`) and `default-branch` (newer:
 * `id`, `displayId`, `type`) both describe the default branch.
 */
export const Branch = z.looseObject({
  id: z.string().min(1),
  displayId: z.string().min(1),
  latestCommit: z.string().optional(),
});
export type Branch = z.infer<typeof Branch>;

const sha = z.string().regex(/^[0-9a-fA-F]{7,64}$/, "must be a commit id");

export const Commit = z.looseObject({
  id: sha,
  committerTimestamp: z.number().int(),
  parents: z.array(z.looseObject({ id: sha })).optional(),
});
export type Commit = z.infer<typeof Commit>;

/** A pull request as the list returns it: what deciding what to read needs. */
export const PullRequest = z.looseObject({
  id: z.number().int(),
  state: z.string().optional(),
  updatedDate: z.number().int(),
});
export type PullRequest = z.infer<typeof PullRequest>;
