import type { Auth } from "../http/settings.js";

export const PULL_REQUEST_STATES = ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"] as const;
export type PullRequestState = (typeof PULL_REQUEST_STATES)[number];

/** What the Cloud streams need to know, filled in by the config layer. */
export interface CloudSettings {
  workspace: string;
  auth: Auth;
  repositories?: string[] | undefined;
  pullRequestStates: PullRequestState[];
  apiUrl: string;
}

export interface CloudRepository {
  workspace: string;
  slug: string;
}
