import { z } from "zod";
import { dcPage } from "../http/paginate.js";

/**
 * Bitbucket Data Center payloads, validated where they enter. Only what the connector relies on
 * is checked; commit objects pass through untouched into records.
 */

export const ProjectPage = dcPage(z.looseObject({ key: z.string().min(1) }));

export const RepositoryPage = dcPage(
  z.looseObject({ slug: z.string().min(1), project: z.looseObject({ key: z.string().min(1) }).optional() }),
);

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

export const Commit = z.looseObject({
  id: z.string().min(7),
  committerTimestamp: z.number().int(),
});
export type Commit = z.infer<typeof Commit>;
export const CommitPage = dcPage(Commit);
